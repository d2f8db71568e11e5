/** The retry settings a backoff needs (`queue.retry`). */
export interface BackoffSettings {
  readonly initialIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly multiplier: number;
  /** Share of each interval randomised, 0–1 (0.2 = ±20%). */
  readonly jitter: number;
}

/**
 * Exponential backoff with ±jitter, capped at `maxIntervalMs` before the jitter, so replicas that
 * failed together do not retry in step. A delay the sink asked for (`Retry-After`) replaces it.
 */
export class Backoff {
  private readonly settings: BackoffSettings;
  private readonly random: () => number;

  constructor(settings: BackoffSettings, random: () => number = Math.random) {
    this.settings = settings;
    this.random = random;
  }

  /** Delay before attempt `failures + 1`, after `failures` (≥ 1) failures in a row. */
  delay(failures: number, requestedMs?: number): number {
    if (requestedMs !== undefined) return requestedMs;
    const { initialIntervalMs, maxIntervalMs, multiplier, jitter } = this.settings;
    const base = Math.min(maxIntervalMs, initialIntervalMs * multiplier ** Math.max(0, failures - 1));
    return Math.max(0, base * (1 - jitter + 2 * jitter * this.random()));
  }
}
