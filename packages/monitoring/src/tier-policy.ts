import type { Tier } from './config.ts';

/** How closely a tier is watched: the seed's frequencies, as Prometheus windows and intervals. */
export interface TierPolicy {
  readonly tier: Tier;
  readonly meaning: string;
  /** Serving metrics (error rate, latency, down): the rule group's evaluation interval and window. */
  readonly serving: { readonly interval: string; readonly window: string; readonly for: string };
  /**
   * Drift: the current window against a baseline window ending where the current one starts,
   * evaluated every `interval`.
   */
  readonly drift: { readonly interval: string; readonly window: string; readonly baseline: string };
  /** Performance against delayed labels (`predlog evaluate`, a log job); `none`: not tracked. */
  readonly performance: 'daily' | 'weekly' | 'none';
  /** Severity of serving alerts and of the drift alert. */
  readonly servingSeverity: 'page' | 'ticket';
  readonly driftSeverity: 'page' | 'ticket';
  /** Minutes before an unacknowledged page escalates; undefined: no escalation by default. */
  readonly escalationMinutes: number | undefined;
  /** Alertmanager grouping: the first notification waits `groupWait`, repeats every `repeatInterval`. */
  readonly groupWait: string;
  readonly repeatInterval: string;
  /**
   * Retraining compares the last day with the same day this long ago; a shift that holds for half
   * of it asks for a retrain (a rolling drift baseline absorbs a lasting shift within a window).
   */
  readonly retrainingHorizon: string;
}

/**
 * T1 = real-time serving metrics, hourly drift, daily performance; T2 = hourly serving metrics,
 * daily drift, weekly performance; T3 = daily serving metrics, weekly drift, no performance
 * tracking. Every window fits in Prometheus' default 15-day retention.
 */
export const TIER_POLICIES: Readonly<Record<Tier, TierPolicy>> = {
  T1: {
    tier: 'T1',
    meaning: 'revenue-critical',
    serving: { interval: '1m', window: '5m', for: '5m' },
    drift: { interval: '1h', window: '1h', baseline: '1d' },
    performance: 'daily',
    servingSeverity: 'page',
    driftSeverity: 'page',
    escalationMinutes: 15,
    groupWait: '30s',
    repeatInterval: '4h',
    retrainingHorizon: '3d',
  },
  T2: {
    tier: 'T2',
    meaning: 'operational',
    serving: { interval: '1h', window: '1h', for: '0s' },
    drift: { interval: '1d', window: '1d', baseline: '7d' },
    performance: 'weekly',
    servingSeverity: 'page',
    driftSeverity: 'ticket',
    escalationMinutes: 60,
    groupWait: '5m',
    repeatInterval: '12h',
    retrainingHorizon: '7d',
  },
  T3: {
    tier: 'T3',
    meaning: 'experimental',
    serving: { interval: '1d', window: '1d', for: '0s' },
    drift: { interval: '1w', window: '1w', baseline: '1w' },
    performance: 'none',
    servingSeverity: 'ticket',
    driftSeverity: 'ticket',
    escalationMinutes: undefined,
    groupWait: '1h',
    repeatInterval: '24h',
    retrainingHorizon: '7d',
  },
};

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds in a Prometheus duration of one unit (`15m`, `1d`), as the config schema allows. */
export function durationSeconds(duration: string): number {
  const match = /^(\d+)(s|m|h|d|w)$/.exec(duration);
  if (match === null) throw new RangeError(`not a duration: ${duration}`);
  return Number(match[1]) * (UNIT_SECONDS[match[2] ?? 's'] ?? 1);
}
