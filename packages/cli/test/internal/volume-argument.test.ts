import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/command.ts';
import { parseVolumeArgument } from '../../src/internal/volume-argument.ts';

describe('parseVolumeArgument', () => {
  it.each([
    ['5000000/day', 5_000_000],
    ['5M/day', 5_000_000],
    ['5_000_000/d', 5_000_000],
    ['2.5k/h', 60_000],
    ['60/s', 5_184_000],
    ['12000/min', 17_280_000],
    ['1e6/day', 1_000_000],
  ])('reads %s', (text, perDay) => {
    expect(parseVolumeArgument('--volume', text)).toBeCloseTo(perDay, 6);
  });

  it.each(['5M', '/day', '0/day', '-5/day', '5x/day', '5/week'])('rejects %s', (text) => {
    expect(() => parseVolumeArgument('--volume', text)).toThrow(UsageError);
  });
});
