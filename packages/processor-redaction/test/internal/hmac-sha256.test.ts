import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacSha256 } from '../../src/internal/hmac-sha256.ts';

function reference(key: string, value: string, chars: number): string {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(value, 'utf8').digest('hex').slice(0, chars);
}

describe('HmacSha256', () => {
  it('matches node:crypto for any key, value and truncation', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }),
        fc.string({ maxLength: 300, unit: 'binary' }),
        fc.integer({ min: 1, max: 64 }),
        (key, value, chars) => {
          expect(new HmacSha256(Buffer.from(key, 'utf8')).hex(value, chars)).toBe(
            reference(key, value, chars),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('matches at every block boundary of the message and of the key', () => {
    for (const keyLength of [1, 32, 63, 64, 65, 128]) {
      const key = 'k'.repeat(keyLength);
      const hmac = new HmacSha256(Buffer.from(key));
      for (let length = 0; length <= 200; length++) {
        const value = 'v'.repeat(length);
        expect(hmac.hex(value, 64)).toBe(reference(key, value, 64));
      }
    }
  });

  it('reuses its buffers safely across long and short values', () => {
    const hmac = new HmacSha256(Buffer.from('key-key-key-key-key-key-key-key-key'));
    const long = 'é'.repeat(100_000);
    expect(hmac.hex(long, 64)).toBe(reference('key-key-key-key-key-key-key-key-key', long, 64));
    expect(hmac.hex('short', 64)).toBe(reference('key-key-key-key-key-key-key-key-key', 'short', 64));
  });
});
