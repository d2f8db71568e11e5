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

  /** Sorts by start and merges overlapping ranges; a merged range keeps the lowest detector index. */
  resolve(): void {
    const n = this.length;
    const starts = this.starts;
    const ends = this.ends;
    const detectors = this.detectors;
    // Insertion sort: a string rarely holds more than a handful of matches.
    for (let i = 1; i < n; i++) {
      const s = starts[i] as number;
      const e = ends[i] as number;
      const d = detectors[i] as number;
      let j = i - 1;
      while (j >= 0 && (starts[j] as number) > s) {
        starts[j + 1] = starts[j] as number;
        ends[j + 1] = ends[j] as number;
        detectors[j + 1] = detectors[j] as number;
        j--;
      }
      starts[j + 1] = s;
      ends[j + 1] = e;
      detectors[j + 1] = d;
    }
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
}
