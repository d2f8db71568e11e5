import { type ModelMonitoringConfig, modelMonitoringConfigSchema, type Tier } from './config.ts';
import type { Prices, Retention } from './cost-config.ts';
import type { ModelDayVolume } from './log-volume.ts';
import { renderPrometheusRules } from './prometheus-rules.ts';
import { durationSeconds, TIER_POLICIES } from './tier-policy.ts';

/** A month is 30 days here, for every figure. */
export const DAYS_PER_MONTH = 30;
const GB = 1e9;
/** Compressed over plain size when neither the config nor the logs say (gzip on NDJSON logs). */
export const ASSUMED_COMPRESSION_RATIO = 0.2;

/** The sampling config's base rate by daily volume: `rate`, or its `volumeTiers`. */
export interface SamplingRates {
  readonly rate?: number | undefined;
  readonly volumeTiers: ReadonlyArray<{ readonly belowPerDay?: number | undefined; readonly rate: number }>;
}

export interface CostOptions {
  readonly volumes: readonly ModelDayVolume[];
  readonly sampling: SamplingRates;
  readonly prices: Prices;
  readonly retention: Retention;
  /** Monitoring configs by model; a model without one is costed as `defaultTier`. */
  readonly models?: readonly ModelMonitoringConfig[];
  readonly defaultTier?: Tier;
}

export interface StorageFigures {
  /** Plain bytes per day at this sampling. */
  readonly bytesPerDay: number;
  readonly hotGb: number;
  readonly warmGb: number;
  readonly coldGb: number;
  /** Per month, the three tiers together. */
  readonly cost: number;
}

export interface ModelCost {
  readonly model: string;
  readonly tier: Tier;
  /** True when no monitoring config named the model (costed as the default tier). */
  readonly tierAssumed: boolean;
  readonly days: number;
  readonly predictionsPerDay: number;
  readonly recordsPerDay: number;
  readonly bytesPerPrediction: number;
  /** Stored records over predictions, as the logs show it. */
  readonly loggedRate: number;
  /** The sampling config's rate at this volume. */
  readonly configuredRate: number;
  /** At the configured rate, in hot / warm / cold tiers. */
  readonly storage: StorageFigures;
  readonly jobsPerMonth: { readonly drift: number; readonly performance: number };
  readonly gbScannedPerMonth: number;
  readonly jobCost: number;
  readonly queriesPerMonth: number;
  readonly queryCost: number;
  readonly totalPerMonth: number;
  /** What each optimisation saves per month against going without it (the others kept). */
  readonly savings: {
    /** Against logging 100%: storage and the jobs' scans. */
    readonly sampling: Saving;
    /** Against keeping every day of the retention hot. */
    readonly retentionTiers: Saving;
    /** Against watching the model at T1 frequencies. */
    readonly frequencyTiers: Saving;
  };
}

export interface Saving {
  readonly without: number;
  readonly saved: number;
  /** saved / without, 0 when `without` is 0. */
  readonly share: number;
}

export interface CostReport {
  readonly currency: string;
  readonly compressionRatio: number;
  readonly compressionRatioSource: 'config' | 'measured' | 'assumed';
  readonly retention: Retention;
  readonly models: ModelCost[];
  readonly total: {
    readonly perMonth: number;
    readonly storage: number;
    readonly jobs: number;
    readonly queries: number;
    readonly savings: {
      readonly sampling: Saving;
      readonly retentionTiers: Saving;
      readonly frequencyTiers: Saving;
    };
  };
}

/** The sampling config's rate for a model with this many predictions a day. */
export function rateForVolume(sampling: SamplingRates, predictionsPerDay: number): number {
  if (sampling.rate !== undefined) return sampling.rate;
  for (const tier of sampling.volumeTiers)
    if (tier.belowPerDay === undefined || predictionsPerDay < tier.belowPerDay) return tier.rate;
  return sampling.volumeTiers.at(-1)?.rate ?? 1;
}

/**
 * Storage and compute per model per month from the logs' measured volumes: storage in hot / warm
 * / cold tiers at the sampling config's rate for the model's daily volume, monitoring jobs at its
 * tier's frequencies, and rule evaluations of its rendered Prometheus rules; with what sampling,
 * retention tiers and frequency tiers each save.
 */
export function estimateMonitoringCost(options: CostOptions): CostReport {
  const { prices, retention } = options;
  const compression = compressionOf(options);
  const byModel = new Map<string, ModelDayVolume[]>();
  for (const day of options.volumes) byModel.set(day.model, [...(byModel.get(day.model) ?? []), day]);
  const configs = new Map((options.models ?? []).map((m) => [m.model, m]));
  const models: ModelCost[] = [];
  for (const [model, days] of [...byModel].sort(([a], [b]) => a.localeCompare(b))) {
    const config = configs.get(model);
    const tier = config?.tier ?? options.defaultTier ?? 'T2';
    const n = days.length;
    const predictionsPerDay = sum(days, (d) => d.predictions) / n;
    const recordsPerDay = sum(days, (d) => d.records) / n;
    const plainPerDay = sum(days, (d) => d.plainBytes) / n;
    const bytesPerPrediction = recordsPerDay === 0 ? 0 : plainPerDay / recordsPerDay;
    const configuredRate = rateForVolume(options.sampling, predictionsPerDay);
    const sampledBytes = predictionsPerDay * configuredRate * bytesPerPrediction;
    const fullBytes = predictionsPerDay * bytesPerPrediction;
    const storage = storageOf(sampledBytes, retention, prices, compression.ratio);
    const compute = (t: Tier, bytesPerDay: number) => computeOf(t, bytesPerDay, prices, config, model);
    const own = compute(tier, sampledBytes);
    const allHot = (sampledBytes * retention.coldDays * prices.storage.hotPerGbMonth) / GB;
    const full =
      storageOf(fullBytes, retention, prices, compression.ratio).cost + compute(tier, fullBytes).jobCost;
    const atT1 = compute('T1', sampledBytes);
    const sampledTotal = storage.cost + own.jobCost;
    models.push({
      model,
      tier,
      tierAssumed: config === undefined,
      days: n,
      predictionsPerDay,
      recordsPerDay,
      bytesPerPrediction,
      loggedRate: predictionsPerDay === 0 ? 0 : recordsPerDay / predictionsPerDay,
      configuredRate,
      storage,
      jobsPerMonth: own.jobs,
      gbScannedPerMonth: own.gbScanned,
      jobCost: own.jobCost,
      queriesPerMonth: own.queries,
      queryCost: own.queryCost,
      totalPerMonth: storage.cost + own.jobCost + own.queryCost,
      savings: {
        sampling: saving(full, sampledTotal),
        retentionTiers: saving(allHot, storage.cost),
        frequencyTiers: saving(atT1.jobCost + atT1.queryCost, own.jobCost + own.queryCost),
      },
    });
  }
  const total = (pick: (m: ModelCost) => number) => sum(models, pick);
  const totalSaving = (pick: (m: ModelCost) => Saving) =>
    saving(
      total((m) => pick(m).without),
      total((m) => pick(m).without - pick(m).saved),
    );
  return {
    currency: prices.currency,
    compressionRatio: compression.ratio,
    compressionRatioSource: compression.source,
    retention,
    models,
    total: {
      perMonth: total((m) => m.totalPerMonth),
      storage: total((m) => m.storage.cost),
      jobs: total((m) => m.jobCost),
      queries: total((m) => m.queryCost),
      savings: {
        sampling: totalSaving((m) => m.savings.sampling),
        retentionTiers: totalSaving((m) => m.savings.retentionTiers),
        frequencyTiers: totalSaving((m) => m.savings.frequencyTiers),
      },
    },
  };
}

function compressionOf(options: CostOptions): {
  ratio: number;
  source: CostReport['compressionRatioSource'];
} {
  if (options.retention.compressionRatio !== undefined)
    return { ratio: options.retention.compressionRatio, source: 'config' };
  const plain = sum(options.volumes, (d) => d.gzipPlainBytes);
  const disk = sum(options.volumes, (d) => d.gzipDiskBytes);
  if (plain > 0 && disk > 0) return { ratio: disk / plain, source: 'measured' };
  return { ratio: ASSUMED_COMPRESSION_RATIO, source: 'assumed' };
}

/** Steady state: hotDays of plain logs, then compressed up to warmDays, then cold to coldDays. */
function storageOf(
  bytesPerDay: number,
  retention: Retention,
  prices: Prices,
  compression: number,
): StorageFigures {
  const hotGb = (bytesPerDay * retention.hotDays) / GB;
  const warmGb = (bytesPerDay * (retention.warmDays - retention.hotDays) * compression) / GB;
  const coldGb = (bytesPerDay * (retention.coldDays - retention.warmDays) * compression) / GB;
  const s = prices.storage;
  return {
    bytesPerDay,
    hotGb,
    warmGb,
    coldGb,
    cost: hotGb * s.hotPerGbMonth + warmGb * s.warmPerGbMonth + coldGb * s.coldPerGbMonth,
  };
}

const PERFORMANCE_RUNS_PER_MONTH = { daily: DAYS_PER_MONTH, weekly: DAYS_PER_MONTH / 7, none: 0 } as const;
const PERFORMANCE_DAYS_READ = { daily: 1, weekly: 7, none: 0 } as const;

/**
 * Jobs: a drift check over the logs every drift interval, reading its window; a performance
 * evaluation daily or weekly, reading the days since the last one. Queries: every rule of the
 * model's rendered groups, once per group interval.
 */
function computeOf(
  tier: Tier,
  bytesPerDay: number,
  prices: Prices,
  config: ModelMonitoringConfig | undefined,
  model: string,
) {
  const policy = TIER_POLICIES[tier];
  const month = DAYS_PER_MONTH * 86_400;
  const drift = month / durationSeconds(policy.drift.interval);
  const performance = PERFORMANCE_RUNS_PER_MONTH[policy.performance];
  const driftDays = durationSeconds(policy.drift.window) / 86_400;
  const gbScanned =
    (drift * driftDays * bytesPerDay +
      performance * PERFORMANCE_DAYS_READ[policy.performance] * bytesPerDay) /
    GB;
  const jobCost = (drift + performance) * prices.perJob + gbScanned * prices.perGbScanned;
  const ruleConfig = { ...(config ?? defaultConfig(model)), tier };
  const queries = sum(
    renderPrometheusRules([ruleConfig]).groups,
    (g) => g.rules.length * (month / durationSeconds(g.interval)),
  );
  return { jobs: { drift, performance }, gbScanned, jobCost, queries, queryCost: queries * prices.perQuery };
}

/** The rules a model without a monitoring config gets: every default (score drift, no features). */
function defaultConfig(model: string): ModelMonitoringConfig {
  return modelMonitoringConfigSchema.parse({
    model,
    tier: 'T2',
    owner: { team: 'unknown', receiver: { webhook: { url: 'http://localhost/' } } },
  });
}

function saving(without: number, withIt: number): Saving {
  const saved = without - withIt;
  return { without, saved, share: without === 0 ? 0 : saved / without };
}

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += pick(item);
  return total;
}
