/**
 * The text the detectors read, when it differs from the original: fullwidth forms (U+FF01-FF5E,
 * `４１１１`, `ａｎｎ＠ｅｘａｍｐｌｅ．ｏｒｇ`) and the ideographic space (U+3000) become their ASCII
 * counterparts, and a percent-encoded at sign (`%40`, as in `jane%40example.org` from a URL or a
 * form body) becomes `@`. A targeted map rather than NFKC: NFKC also rewrites ligatures, superscripts
 * and compatibility characters no detector looks at, and changes lengths where nothing is gained.
 *
 * `offsets[k]` is the index in the original text of the normalised character `k` (and
 * `offsets[length]` the original length), so a match found in the normalised text maps back to the
 * original characters, which the replacement then covers. One pass, linear.
 */
export class ScanNormaliser {
  /** Normalised index → original index; valid up to `length` (inclusive) after `normalise`. */
  offsets = new Int32Array(0);
  private units = new Uint16Array(0);

  /**
   * Whether `code` (at `index` of `text`) starts something `normalise` rewrites. Called by the
   * scanner's pre-pass only for `%` and for non-ASCII characters.
   */
  static rewrites(text: string, index: number, code: number): boolean {
    if (code === PERCENT) return isEncodedAt(text, index);
    return (code >= FULLWIDTH_FIRST && code <= FULLWIDTH_LAST) || code === IDEOGRAPHIC_SPACE;
  }

  /** The normalised form of `text`; `offsets` then maps it back. */
  normalise(text: string): string {
    const n = text.length;
    if (this.units.length < n) {
      this.units = new Uint16Array(n);
      this.offsets = new Int32Array(n + 1);
    }
    const units = this.units;
    const offsets = this.offsets;
    let k = 0;
    for (let i = 0; i < n; i++) {
      let code = text.charCodeAt(i);
      offsets[k] = i;
      if (code >= FULLWIDTH_FIRST && code <= FULLWIDTH_LAST) code -= FULLWIDTH_SHIFT;
      else if (code === IDEOGRAPHIC_SPACE) code = 32;
      else if (code === PERCENT && isEncodedAt(text, i)) {
        code = AT;
        i += 2;
      }
      units[k++] = code;
    }
    offsets[k] = n;
    // Round trip through bytes: one flat string, lone surrogates kept as they are.
    return Buffer.from(units.buffer, units.byteOffset, k * 2).toString('utf16le');
  }
}

const PERCENT = 37;
const AT = 64;
const FULLWIDTH_FIRST = 0xff01;
const FULLWIDTH_LAST = 0xff5e;
/** U+FF01 (！) is U+0021 (!) plus this. */
const FULLWIDTH_SHIFT = 0xfee0;
const IDEOGRAPHIC_SPACE = 0x3000;

/** `%40` at `index`. */
function isEncodedAt(text: string, index: number): boolean {
  return text.charCodeAt(index + 1) === 52 && text.charCodeAt(index + 2) === 48;
}
