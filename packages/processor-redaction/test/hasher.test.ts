import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRedactionHasher } from '../src/index.ts';
import { OLD_TEST_KEY, TEST_KEY } from './support/redactor.ts';

describe('createRedactionHasher', () => {
  it('writes hmac:<keyId>:<hex>, the standard HMAC-SHA256 of the UTF-8 value, truncated', () => {
    for (const hashHexChars of [16, 17, 32, 64]) {
      const hasher = createRedactionHasher({ keys: { k1: TEST_KEY }, activeKey: 'k1', hashHexChars });
      for (const value of ['ann@example.org', '', 'josé', '😀'.repeat(40), 'x'.repeat(1000)]) {
        const expected = createHmac('sha256', TEST_KEY)
          .update(value, 'utf8')
          .digest('hex')
          .slice(0, hashHexChars);
        expect(hasher.hash(value)).toBe(`hmac:k1:${expected}`);
      }
    }
  });

  it('defaults to 32 hex characters and names the active key', () => {
    const hasher = createRedactionHasher({ keys: { a: OLD_TEST_KEY, b: TEST_KEY }, activeKey: 'b' });
    expect(hasher.activeKeyId).toBe('b');
    expect(hasher.hash('v')).toMatch(/^hmac:b:[0-9a-f]{32}$/);
  });

  it('verifies hashes made with any configured key at the configured length, and nothing else', () => {
    const old = createRedactionHasher({ keys: { k2025: OLD_TEST_KEY }, activeKey: 'k2025' });
    const current = createRedactionHasher({
      keys: { k2025: OLD_TEST_KEY, k2026: TEST_KEY },
      activeKey: 'k2026',
    });
    const oldHash = old.hash('customer-42');
    expect(current.verify('customer-42', oldHash)).toBe(true);
    expect(current.verify('customer-42', oldHash.toUpperCase().replace('HMAC:K2025', 'hmac:k2025'))).toBe(
      true,
    );
    expect(current.verify('customer-42', current.hash('customer-42'))).toBe(true);
    expect(current.verify('customer-41', oldHash)).toBe(false);
    expect(current.verify('customer-42', oldHash.replace('k2025', 'k2026'))).toBe(false);
    expect(current.verify('customer-42', 'hmac:unknown:abcd')).toBe(false);
    expect(current.verify('customer-42', 'sha256:abcd')).toBe(false);
    expect(current.verify('customer-42', 'hmac:k2026:')).toBe(false);
  });

  it('refuses a hash of any other length: a short prefix of the right digits is a forgery', () => {
    const hasher = createRedactionHasher({ keys: { k: TEST_KEY }, activeKey: 'k', hashHexChars: 32 });
    const full = hasher.hash('customer-42');
    const hex = full.slice('hmac:k:'.length);
    // Any one-digit guess verified one time in 16; every prefix of the real digits verified always.
    for (let length = 1; length < 32; length++)
      expect(hasher.verify('customer-42', `hmac:k:${hex.slice(0, length)}`), `${length} digits`).toBe(false);
    for (const digit of '0123456789abcdef')
      expect(hasher.verify('customer-42', `hmac:k:${digit}`)).toBe(false);
    const longer = createRedactionHasher({ keys: { k: TEST_KEY }, activeKey: 'k', hashHexChars: 64 });
    expect(hasher.verify('customer-42', longer.hash('customer-42'))).toBe(false);
    expect(hasher.verify('customer-42', full)).toBe(true);
  });

  it('refuses an active key id that is not configured, without printing any key', () => {
    expect(() => createRedactionHasher({ keys: { k1: TEST_KEY }, activeKey: 'k2' })).toThrow(
      /activeKey "k2"/,
    );
    try {
      createRedactionHasher({ keys: { k1: TEST_KEY }, activeKey: 'k2' });
    } catch (error) {
      expect(String(error)).not.toContain(TEST_KEY);
    }
  });
});
