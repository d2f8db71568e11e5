import { TextDecoder } from 'node:util';

/**
 * The text of a body, decoded the way it was encoded. A UTF-16 body read as UTF-8 becomes text with
 * a NUL between every two characters, which no redaction detector recognises: an e-mail or a card
 * number in it would reach the logs as it is. So the bytes are decoded by, in this order:
 *
 * 1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE), as the WHATWG Encoding standard does;
 * 2. the `charset` parameter of `Content-Type`, through `TextDecoder` (UTF-16, Latin-1 and
 *    windows-125x, the ISO-8859 family, Shift_JIS, GBK, ... as far as Node's ICU has them);
 * 3. without either, the NUL pattern of UTF-16 in the first four bytes (RFC 4627 §3), else UTF-8.
 *
 * A charset predlog cannot decode (unknown to `TextDecoder`, or UTF-32) is not guessed at: the body
 * is an {@link UndecodedBody}, logged as a marker with its size, never as text.
 */

/** A body in a charset that could not be decoded; logged as {@link UndecodedBody.marker}. */
export class UndecodedBody {
  readonly charset: string;
  readonly bytes: number;

  constructor(charset: string, bytes: number) {
    this.charset = charset;
    this.bytes = bytes;
  }

  /** `[body: 1234 bytes, charset x-foo not decoded]`. */
  get marker(): string {
    return `[body: ${this.bytes} bytes, charset ${this.charset} not decoded]`;
  }
}

const CHARSET = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i;
/** What a charset label may look like in a marker: anything else (a label holding text) is not repeated. */
const LABEL = /^[A-Za-z0-9._:+-]{1,40}$/;

/** Decoders by the label they were asked for; only labels TextDecoder knows are kept (a bounded set). */
const decoders = new Map<string, TextDecoder>();

function decoderFor(label: string): TextDecoder | undefined {
  let decoder = decoders.get(label);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(label);
    } catch {
      return undefined;
    }
    decoders.set(label, decoder);
  }
  return decoder;
}

/** The `charset` parameter of a Content-Type header, lower case, or undefined. */
export function charsetOf(contentType: unknown): string | undefined {
  if (typeof contentType !== 'string') return undefined;
  const match = CHARSET.exec(contentType);
  if (match === null) return undefined;
  const label = (match[1] ?? match[2] ?? '').trim().toLowerCase();
  return label === '' ? undefined : label;
}

function utf16(bytes: Uint8Array, decoder: string, skip: number): string {
  return (decoderFor(decoder) as TextDecoder).decode(bytes.subarray(skip));
}

/** The body's text, or an {@link UndecodedBody} when its charset cannot be decoded. */
export function decodeBody(bytes: Buffer, contentType: unknown): string | UndecodedBody {
  const n = bytes.length;
  const b0 = bytes[0];
  const b1 = bytes[1];
  if (n >= 3 && b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf) return bytes.toString('utf8', 3);
  if (n >= 2 && b0 === 0xff && b1 === 0xfe) return utf16(bytes, 'utf-16le', 2);
  if (n >= 2 && b0 === 0xfe && b1 === 0xff) return utf16(bytes, 'utf-16be', 2);
  const charset = charsetOf(contentType);
  if (charset !== undefined) {
    if (charset === 'utf-8' || charset === 'utf8') return bytes.toString('utf8');
    const decoder = decoderFor(charset);
    if (decoder === undefined) return new UndecodedBody(LABEL.test(charset) ? charset : 'unknown', n);
    return decoder.decode(bytes);
  }
  if (n >= 4) {
    // RFC 4627 §3: JSON text starts with two ASCII characters, so the NULs show the encoding.
    const z0 = b0 === 0;
    const z1 = b1 === 0;
    const z2 = bytes[2] === 0;
    const z3 = bytes[3] === 0;
    if ((z0 && z1 && z2 && !z3) || (!z0 && z1 && z2 && z3)) return new UndecodedBody('utf-32', n);
    if (z0 && !z1 && z2 && !z3) return utf16(bytes, 'utf-16be', 0);
    if (!z0 && z1 && !z2 && z3) return utf16(bytes, 'utf-16le', 0);
  }
  return bytes.toString('utf8');
}
