/**
 * Counts redactions by name (rule, detector, or what the processor itself did) for the record being
 * processed, and for the batch since the last flush (metrics). Names are indexed once at create(),
 * so counting is an array increment; nothing here ever sees a value.
 */
export class RedactionTally {
  readonly names: readonly string[];
  private readonly recordCounts: Int32Array;
  private readonly batchCounts: Float64Array;
  private readonly fired: number[] = [];
  private recordTotal = 0;

  constructor(names: readonly string[]) {
    this.names = names;
    this.recordCounts = new Int32Array(names.length);
    this.batchCounts = new Float64Array(names.length);
  }

  hit(name: number, count = 1): void {
    if (this.recordCounts[name] === 0) this.fired.push(name);
    this.recordCounts[name] = (this.recordCounts[name] as number) + count;
    this.recordTotal += count;
  }

  /** Forgets what the current record counted (used when its redaction failed and it is dropped). */
  discardRecord(): void {
    for (const name of this.fired) this.recordCounts[name] = 0;
    this.fired.length = 0;
    this.recordTotal = 0;
  }

  /**
   * Closes the current record: returns its total and the names that fired, in config order, or
   * `undefined` names when nothing fired; adds its counts to the batch.
   */
  endRecord(): { total: number; names: string[] | undefined } {
    const total = this.recordTotal;
    if (total === 0) return { total, names: undefined };
    const fired = this.fired;
    // Insertion sort: a handful of names, and no comparator call per step.
    for (let i = 1; i < fired.length; i++) {
      const name = fired[i] as number;
      let j = i - 1;
      while (j >= 0 && (fired[j] as number) > name) {
        fired[j + 1] = fired[j] as number;
        j--;
      }
      fired[j + 1] = name;
    }
    const names = new Array<string>(fired.length);
    for (let i = 0; i < fired.length; i++) {
      const name = fired[i] as number;
      names[i] = this.names[name] as string;
      this.batchCounts[name] = (this.batchCounts[name] as number) + (this.recordCounts[name] as number);
      this.recordCounts[name] = 0;
    }
    fired.length = 0;
    this.recordTotal = 0;
    return { total, names };
  }

  /** Hands every non-zero batch count to `report` and resets them. */
  flushBatch(report: (name: number, count: number) => void): void {
    const counts = this.batchCounts;
    for (let i = 0; i < counts.length; i++) {
      const count = counts[i] as number;
      if (count === 0) continue;
      counts[i] = 0;
      report(i, count);
    }
  }
}
