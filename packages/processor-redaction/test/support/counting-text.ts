/**
 * A string that counts the characters read from it, for the linearity tests: each `charCodeAt` is
 * one read, and the native searches (`indexOf`, `lastIndexOf`, `startsWith`, `slice`) count the
 * characters they pass over. A detector handed one reads it through these methods like a string, so
 * `reads` is the work it did on it, whatever the clock says.
 */
export class CountingText extends String {
  reads = 0;
  /** The primitive, read directly: faster than a `super` call per character. */
  private readonly text: string;

  constructor(text: string) {
    super(text);
    this.text = text;
  }

  override charCodeAt(index: number): number {
    this.reads++;
    return this.text.charCodeAt(index);
  }

  override indexOf(search: string, position = 0): number {
    const from = Math.max(0, Math.min(position, this.length));
    const found = super.indexOf(search, from);
    this.reads += (found === -1 ? this.length : found + search.length) - from;
    return found;
  }

  override lastIndexOf(search: string, position = Number.POSITIVE_INFINITY): number {
    const from = Math.min(Math.max(0, position), this.length - 1);
    const found = super.lastIndexOf(search, from);
    this.reads += from - (found === -1 ? -1 : found) + search.length;
    return found;
  }

  override startsWith(search: string, position = 0): boolean {
    this.reads += search.length;
    return super.startsWith(search, position);
  }

  override slice(start?: number, end?: number): string {
    const out = super.slice(start, end);
    this.reads += out.length;
    return out;
  }
}

/** Collects the texts a scanner's `instrument` hook wraps, and sums what was read from them. */
export class ReadCounter {
  private readonly texts: CountingText[] = [];

  readonly instrument = (text: string): string => {
    const counting = new CountingText(text);
    this.texts.push(counting);
    return counting as unknown as string;
  };

  /** Characters read since the last call, from every text wrapped since then. */
  take(): number {
    let reads = 0;
    for (const text of this.texts) reads += text.reads;
    this.texts.length = 0;
    return reads;
  }
}
