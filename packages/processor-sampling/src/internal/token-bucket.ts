/**
 * A per-model token bucket with a reserve: ordinary records may only take a token while more than
 * `reserve` remain, anomaly-always records may empty it. Under overload ordinary records are shed
 * first and anomalies keep flowing until they alone exceed the rate.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;
  private readonly perMs: number;
  private readonly capacity: number;
  private readonly ordinaryFloor: number;

  constructor(recordsPerSecond: number, burstRecords: number, reserveFraction: number, nowMs: number) {
    this.perMs = recordsPerSecond / 1000;
    this.capacity = burstRecords;
    this.tokens = burstRecords;
    this.lastMs = nowMs;
    // A token is whole: an ordinary record needs one above the reserve (a 1-token bucket has none).
    this.ordinaryFloor = 1 + Math.min(reserveFraction * burstRecords, burstRecords - 1);
  }

  take(nowMs: number, anomaly: boolean): boolean {
    const elapsed = nowMs - this.lastMs;
    if (elapsed > 0) {
      const refilled = this.tokens + elapsed * this.perMs;
      this.tokens = Math.min(refilled, this.capacity);
      this.lastMs = nowMs;
    }
    if (this.tokens >= (anomaly ? 1 : this.ordinaryFloor)) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}
