import { describe, expect, it } from 'vitest';
import { pickTier, VolumeWindow } from '../../src/internal/volume-tiers.ts';

const TIERS = [{ belowPerDay: 100_000, rate: 1 }, { belowPerDay: 1_000_000, rate: 0.5 }, { rate: 0.1 }];
const MINUTE = 60_000;
const DAY = 1440 * MINUTE;

describe('pickTier', () => {
  it('moves up at a boundary and down only 10% below it', () => {
    expect(pickTier(TIERS, 0, 99_999, 0.1)).toBe(0);
    expect(pickTier(TIERS, 0, 100_000, 0.1)).toBe(1);
    expect(pickTier(TIERS, 0, 5_000_000, 0.1)).toBe(2);
    expect(pickTier(TIERS, 2, 950_000, 0.1)).toBe(2); // hovering just under 1M: no flapping
    expect(pickTier(TIERS, 2, 899_999, 0.1)).toBe(1);
    expect(pickTier(TIERS, 2, 10, 0.1)).toBe(0);
    expect(pickTier(TIERS, 1, 95_000, 0.1)).toBe(1);
    expect(pickTier([{ rate: 0.3 }], 0, 1e12, 0.1)).toBe(0);
  });
});

describe('VolumeWindow', () => {
  it('estimates per-day volume over the closed slots of a sliding window', () => {
    const w = new VolumeWindow(60 * MINUTE, 0);
    expect(w.slotMs).toBe(MINUTE);
    // 100 records a minute for 30 minutes = 144,000/day.
    for (let m = 1; m <= 30; m++) {
      w.current += 100;
      w.roll(m * MINUTE);
    }
    expect(w.perDay).toBeCloseTo(144_000, 6);
    // Then 10 a minute for 60 minutes: the window holds only those.
    for (let m = 31; m <= 90; m++) {
      w.current += 10;
      w.roll(m * MINUTE);
    }
    expect(w.perDay).toBeCloseTo(14_400, 6);
  });

  it('a gap longer than the window empties it; a roll before the slot ends changes nothing', () => {
    const w = new VolumeWindow(60 * MINUTE, 0);
    w.current = 500;
    w.roll(MINUTE);
    expect(w.perDay).toBeCloseTo(500 * 1440, 6);
    w.current = 7;
    w.roll(MINUTE + 10);
    expect(w.current).toBe(7);
    w.roll(5 * DAY);
    expect(w.perDay).toBe(0);
    expect(w.slotEndsAt).toBeGreaterThan(5 * DAY);
    expect(w.slotEndsAt % MINUTE).toBe(0);
  });
});
