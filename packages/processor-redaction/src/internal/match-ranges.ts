/**
 * The parts of one string that detectors matched, as parallel arrays reused for every string (no
 * allocation per match). Detectors only add ranges; `resolve()` sorts them and merges overlaps, so
 * every character any detector matched is redacted exactly once and no replacement is rescanned.
 */
export class MatchRanges {
  starts: number[] = [];
  ends: number[] = [];
  /** Detector index of each range (the lowest, by detector order, when ranges were merged). */
  detectors: number[] = [];
  length = 0;

  reset(): void {
    this.length = 0;
  }

  add(start: number, end: number, detector: number): void {
    const i = this.length++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.detectors[i] = detector;
  }

  /**
   * Sorts by start and merges overlapping ranges; a merged range keeps the lowest detector index.
   * Each detector adds its ranges in order, so the list is a few ascending runs: they are merged
   * pairwise (a natural merge sort), O(k log r) for k ranges in r runs, never the O(k²) of an
   * insertion sort when two detectors' matches interleave.
   */
  resolve(): void {
    const n = this.length;
    if (n > 1 && !this.sorted()) this.mergeRuns();
    const starts = this.starts;
    const ends = this.ends;
    const detectors = this.detectors;
    let out = 0;
    for (let i = 0; i < n; i++) {
      const s = starts[i] as number;
      const e = ends[i] as number;
      const d = detectors[i] as number;
      if (out > 0 && s < (ends[out - 1] as number)) {
        if (e > (ends[out - 1] as number)) ends[out - 1] = e;
        if (d < (detectors[out - 1] as number)) detectors[out - 1] = d;
        continue;
      }
      starts[out] = s;
      ends[out] = e;
      detectors[out] = d;
      out++;
    }
    this.length = out;
  }

  private sorted(): boolean {
    const starts = this.starts;
    for (let i = 1; i < this.length; i++) if ((starts[i] as number) < (starts[i - 1] as number)) return false;
    return true;
  }

  /** The merge's second buffers, kept for the next string (it swaps them with the live arrays). */
  scratchStarts: number[] = [];
  scratchEnds: number[] = [];
  scratchDetectors: number[] = [];
  /** Run boundaries: run r is [bounds[r], bounds[r + 1]). */
  private bounds: number[] = [];

  private mergeRuns(): void {
    const n = this.length;
    const bounds = this.bounds;
    bounds.length = 0;
    bounds.push(0);
    for (let i = 1; i < n; i++)
      if ((this.starts[i] as number) < (this.starts[i - 1] as number)) bounds.push(i);
    bounds.push(n);
    let fromStarts = this.starts;
    let fromEnds = this.ends;
    let fromDetectors = this.detectors;
    let toStarts = this.scratchStarts;
    let toEnds = this.scratchEnds;
    let toDetectors = this.scratchDetectors;
    while (bounds.length > 2) {
      let w = 0;
      let r = 0;
      for (; r + 2 < bounds.length; r += 2) {
        // Merge run r and run r + 1 into the other buffer.
        let a = bounds[r] as number;
        const aEnd = bounds[r + 1] as number;
        let b = aEnd;
        const bEnd = bounds[r + 2] as number;
        let k = a;
        while (a < aEnd && b < bEnd) {
          const from = (fromStarts[b] as number) < (fromStarts[a] as number) ? b++ : a++;
          toStarts[k] = fromStarts[from] as number;
          toEnds[k] = fromEnds[from] as number;
          toDetectors[k++] = fromDetectors[from] as number;
        }
        for (; a < aEnd; a++, k++) {
          toStarts[k] = fromStarts[a] as number;
          toEnds[k] = fromEnds[a] as number;
          toDetectors[k] = fromDetectors[a] as number;
        }
        for (; b < bEnd; b++, k++) {
          toStarts[k] = fromStarts[b] as number;
          toEnds[k] = fromEnds[b] as number;
          toDetectors[k] = fromDetectors[b] as number;
        }
        bounds[w++] = bounds[r] as number;
      }
      if (r + 1 < bounds.length) {
        // An odd run out: copied as it is.
        for (let k = bounds[r] as number; k < (bounds[r + 1] as number); k++) {
          toStarts[k] = fromStarts[k] as number;
          toEnds[k] = fromEnds[k] as number;
          toDetectors[k] = fromDetectors[k] as number;
        }
        bounds[w++] = bounds[r] as number;
      }
      bounds[w++] = n;
      bounds.length = w;
      [fromStarts, toStarts] = [toStarts, fromStarts];
      [fromEnds, toEnds] = [toEnds, fromEnds];
      [fromDetectors, toDetectors] = [toDetectors, fromDetectors];
    }
    // The sorted data is in the `from` buffers; keep them as the live arrays.
    this.scratchStarts = this.starts === fromStarts ? this.scratchStarts : this.starts;
    this.scratchEnds = this.ends === fromEnds ? this.scratchEnds : this.ends;
    this.scratchDetectors = this.detectors === fromDetectors ? this.scratchDetectors : this.detectors;
    this.starts = fromStarts;
    this.ends = fromEnds;
    this.detectors = fromDetectors;
  }
}
