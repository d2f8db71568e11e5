import { UsageError } from '../command.ts';

const PER_DAY: Record<string, number> = { s: 86_400, min: 1440, h: 24, d: 1, day: 1 };
const SUFFIX: Record<string, number> = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, g: 1e9, G: 1e9 };
const volume = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmMgG]?)\/(s|min|h|d|day)$/;

/** `5000000/day`, `5M/day`, `200/s`, `12k/min`, `500k/h` → predictions per day. */
export function parseVolumeArgument(flag: string, text: string): number {
  const match = volume.exec(text.replace(/_/g, ''));
  if (match === null)
    throw new UsageError(`${flag} takes <count>/<s|min|h|day>, e.g. 5000000/day or 5M/day (got '${text}')`);
  const [, count = '', suffix = '', unit = ''] = match;
  const perDay = Number(count) * (SUFFIX[suffix] ?? 1) * (PER_DAY[unit] ?? 1);
  if (!(perDay > 0) || !Number.isFinite(perDay))
    throw new UsageError(`${flag} must be more than zero (got '${text}')`);
  return perDay;
}
