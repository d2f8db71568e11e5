/**
 * The length, in UTF-16 units, of the longest prefix of `text` whose UTF-8 encoding is at most
 * `maxBytes` bytes, never ending between the two halves of a surrogate pair. Loki counts its limits
 * in bytes (Go's `len` of a string), while a JS string counts UTF-16 units: 2,048 × `é` is 2,048
 * units but 4,096 bytes.
 *
 * A lone surrogate counts as the 3 bytes of U+FFFD, which is what `Buffer.from(text, 'utf8')`
 * writes for it. Stops at the limit, so the work is bounded by `maxBytes`, not by the text.
 */
export function utf8PrefixLength(text: string, maxBytes: number): number {
  let bytes = 0;
  let i = 0;
  const length = text.length;
  while (i < length) {
    const code = text.charCodeAt(i);
    let width: number;
    let units = 1;
    if (code < 0x80) width = 1;
    else if (code < 0x800) width = 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        width = 4;
        units = 2;
      } else width = 3;
    } else width = 3;
    if (bytes + width > maxBytes) return i;
    bytes += width;
    i += units;
  }
  return length;
}
