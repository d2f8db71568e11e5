export interface VolumeTier {
  /** Exclusive upper bound in predictions/day; undefined for the last tier. */
  readonly belowPerDay?: number | undefined;
  readonly rate: number;
}

/**
 * The tier for a volume estimate, moving up as soon as the volume reaches a tier's lower bound and
 * down only once it is `hysteresis` below it, so a model hovering at a boundary does not flap.
 */
export function pickTier(
  tiers: readonly VolumeTier[],
  current: number,
  perDay: number,
  hysteresis: number,
): number {
  let tier = current;
  while (tier < tiers.length - 1) {
    const bound = (tiers[tier] as VolumeTier).belowPerDay;
    if (bound === undefined || perDay < bound) break;
    tier++;
  }
  while (tier > 0) {
    const bound = (tiers[tier - 1] as VolumeTier).belowPerDay as number;
    if (perDay >= bound * (1 - hysteresis)) break;
    tier--;
  }
  return tier;
}

/** Slots of the sliding window; the estimate moves one slot (window/60) at a time. */
export const VOLUME_SLOTS = 60;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A per-model sliding-window count of predictions. The hot path only increments `current`; closed
 * slots are summed when a slot ends, which is also when the tier is re-evaluated.
 */
export class VolumeWindow {
  /** Predictions in the slot being filled (the hot path increments this). */
  current = 0;
  /** Estimate over the closed slots, in predictions per day. */
  perDay = 0;
  slotEndsAt: number;
  readonly slotMs: number;
  private readonly slots = new Float64Array(VOLUME_SLOTS);
  private next = 0;
  private closed = 0;
  private sum = 0;

  constructor(windowMs: number, nowMs: number) {
    this.slotMs = windowMs / VOLUME_SLOTS;
    this.slotEndsAt = nowMs + this.slotMs;
  }

  /** Closes every slot that ended by `nowMs` (empty ones for a gap) and updates `perDay`. */
  roll(nowMs: number): void {
    let pending = this.current;
    this.current = 0;
    let rolled = 0;
    while (nowMs >= this.slotEndsAt && rolled <= VOLUME_SLOTS) {
      this.sum += pending - (this.slots[this.next] as number);
      this.slots[this.next] = pending;
      this.next = (this.next + 1) % VOLUME_SLOTS;
      if (this.closed < VOLUME_SLOTS) this.closed++;
      pending = 0;
      this.slotEndsAt += this.slotMs;
      rolled++;
    }
    if (nowMs >= this.slotEndsAt) {
      // A gap longer than the window: every slot is empty now.
      this.slots.fill(0);
      this.sum = 0;
      this.closed = VOLUME_SLOTS;
      this.slotEndsAt = nowMs + this.slotMs - ((nowMs - this.slotEndsAt) % this.slotMs);
    }
    this.current = pending;
    // Float sums drift: recompute exactly now and then (once a window).
    if (this.next === 0) {
      let exact = 0;
      for (let i = 0; i < VOLUME_SLOTS; i++) exact += this.slots[i] as number;
      this.sum = exact;
    }
    this.perDay = this.closed === 0 ? 0 : (this.sum / (this.closed * this.slotMs)) * DAY_MS;
  }
}
