import { timingSafeEqual } from 'node:crypto';
import { HmacSha256 } from './internal/hmac-sha256.ts';

/** Keyed hashing of redacted values: `hmac:<keyId>:<hex>`, HMAC-SHA256 truncated to `hashHexChars`. */
export interface RedactionHasher {
  /** The key id new hashes are made with. */
  readonly activeKeyId: string;
  /** `hmac:<activeKeyId>:<hex>` of the UTF-8 bytes of `value`. Equal values give equal hashes. */
  hash(value: string): string;
  /**
   * Whether `hashed` (`hmac:<keyId>:<hex>`, as written with any key still configured) is the hash
   * of `value`: exactly `hashHexChars` hex digits, the length this hasher writes. A shorter prefix
   * is refused, or a one-digit forgery would verify one time in 16. Old key ids stay verifiable as
   * long as their key stays in `keys` (and `hashHexChars` is unchanged).
   */
  verify(value: string, hashed: string): boolean;
}

export interface RedactionHasherOptions {
  /** Key id → secret (the config requires at least 32 characters). */
  keys: Readonly<Record<string, string>>;
  activeKey: string;
  /** Hex characters kept from the 64 of an HMAC-SHA256. Default 32. */
  hashHexChars?: number;
}

const PREFIX = 'hmac:';

/**
 * Builds the hasher the redaction processor uses, so a tool (or a test) can recompute or verify a
 * stored hash. The output is standard HMAC-SHA256 over the value's UTF-8 bytes, hex, truncated:
 * `openssl dgst -sha256 -hmac <key>` gives the same digits. Only states derived from each key are
 * kept, and no error message ever holds key material.
 */
export function createRedactionHasher(options: RedactionHasherOptions): RedactionHasher {
  const hexChars = options.hashHexChars ?? 32;
  const keys = new Map<string, HmacSha256>();
  for (const [id, secret] of Object.entries(options.keys)) {
    const bytes = Buffer.from(secret, 'utf8');
    keys.set(id, new HmacSha256(bytes));
    bytes.fill(0);
  }
  const active = keys.get(options.activeKey);
  if (active === undefined)
    throw new Error(`activeKey "${options.activeKey}" is not one of the configured keys`);
  const activePrefix = `${PREFIX}${options.activeKey}:`;
  return {
    activeKeyId: options.activeKey,
    hash: (value) => active.hex(value, hexChars, activePrefix),
    verify(value, hashed) {
      if (!hashed.startsWith(PREFIX)) return false;
      const colon = hashed.indexOf(':', PREFIX.length);
      if (colon === -1) return false;
      const key = keys.get(hashed.slice(PREFIX.length, colon));
      const hex = hashed.slice(colon + 1).toLowerCase();
      if (key === undefined || hex.length !== hexChars) return false;
      const expected = Buffer.from(key.hex(value, hexChars), 'latin1');
      const given = Buffer.from(hex, 'latin1');
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
