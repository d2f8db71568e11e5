import { describe, expect, it } from 'vitest';
import { charsetOf, decodeBody, UndecodedBody } from '../../src/internal/body-charset.ts';

describe('charsetOf', () => {
  it.each([
    ['application/json; charset=utf-16le', 'utf-16le'],
    ['application/json;charset="UTF-16BE"', 'utf-16be'],
    ['text/plain; format=flowed; charset=ISO-8859-1', 'iso-8859-1'],
    ['application/json', undefined],
    ['application/json; charset=', undefined],
    [undefined, undefined],
  ])('%s → %s', (header, expected) => {
    expect(charsetOf(header)).toBe(expected);
  });
});

describe('decodeBody', () => {
  const text = '{"e":"ann.lee@example.org"}';

  it('prefers a BOM to the charset (WHATWG), and strips it', () => {
    const body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(decodeBody(body, 'application/json; charset=utf-8')).toBe(text);
  });

  it('reads UTF-8 when nothing says otherwise, and a JSON body by its NULs (RFC 4627)', () => {
    expect(decodeBody(Buffer.from(text), undefined)).toBe(text);
    expect(decodeBody(Buffer.from(text, 'utf16le'), undefined)).toBe(text);
    expect(decodeBody(Buffer.from(text, 'utf16le').swap16(), 'application/json')).toBe(text);
  });

  it('names UTF-32 and unknown charsets instead of guessing', () => {
    const utf32 = Buffer.from([0x7b, 0, 0, 0, 0x7d, 0, 0, 0]);
    const undecoded = decodeBody(utf32, 'application/json');
    expect(undecoded).toBeInstanceOf(UndecodedBody);
    expect((undecoded as UndecodedBody).marker).toBe('[body: 8 bytes, charset utf-32 not decoded]');
    expect((decodeBody(Buffer.from(text), 'text/plain; charset=x-foo') as UndecodedBody).marker).toBe(
      `[body: ${text.length} bytes, charset x-foo not decoded]`,
    );
  });
});
