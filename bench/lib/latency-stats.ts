/** Percentiles of one operation's single-call latency, in nanoseconds. */
export interface LatencySummary {
  count: number;
  meanNs: number;
  minNs: number;
  p50Ns: number;
  p90Ns: number;
  p99Ns: number;
  p999Ns: number;
  maxNs: number;
}

/**
 * Single-call timings kept in a preallocated buffer, so recording one allocates nothing and adds no
 * garbage to the heap the measured code runs in.
 */
export class LatencyRecorder {
  private readonly samples: Float64Array;
  private count = 0;

  constructor(capacity: number) {
    this.samples = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(ns: number): void {
    if (this.count < this.samples.length) this.samples[this.count++] = ns;
  }

  summary(): LatencySummary {
    const sorted = this.samples.slice(0, this.count).sort();
    let total = 0;
    for (let i = 0; i < sorted.length; i++) total += sorted[i] as number;
    return {
      count: sorted.length,
      meanNs: sorted.length === 0 ? 0 : total / sorted.length,
      minNs: sorted[0] ?? 0,
      p50Ns: percentile(sorted, 0.5),
      p90Ns: percentile(sorted, 0.9),
      p99Ns: percentile(sorted, 0.99),
      p999Ns: percentile(sorted, 0.999),
      maxNs: sorted[sorted.length - 1] ?? 0,
    };
  }
}

/** Nearest-rank percentile of ascending samples (q from 0 to 1). */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * Calls `call(i)` for i in [from, from + count), timing each call on its own with
 * `process.hrtime.bigint()`. A call whose result `keep` rejects is run but not recorded (the
 * sampled-out peer records only the calls its sampler dropped). The returned number folds the
 * results together so the optimiser cannot discard the calls.
 */
export function timeEachCall<T>(
  call: (i: number) => T,
  from: number,
  count: number,
  into: LatencyRecorder,
  keep?: (result: T) => boolean,
): number {
  const hrtime = process.hrtime.bigint;
  let sink = 0;
  const end = from + count;
  for (let i = from; i < end; i++) {
    const started = hrtime();
    const result = call(i);
    const elapsed = Number(hrtime() - started);
    if (keep === undefined || keep(result)) into.add(elapsed);
    if (result !== undefined) sink++;
  }
  return sink;
}
