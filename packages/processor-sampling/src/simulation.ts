import { createNoopMeter } from '@opentelemetry/api';
import { type Clock, DiagnosticsChannel, type SamplingDecision, systemClock } from '@predlog/core';
import type { SamplingConfig } from './config.ts';
import type { MutablePredictionView } from './internal/prediction-view.ts';
import { KEEP_REASONS, type KeepReason } from './internal/sampling-reasons.ts';
import { SamplingProcessor, type SamplingStats } from './processor.ts';
import { type SimulationLine, type SimulationRecord, SimulationSample } from './simulation-sample.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
/** 0.618...: consecutive multiples mod 1 spread evenly, so weighted picks follow the weights closely. */
const GOLDEN = (Math.sqrt(5) - 1) / 2;

interface SimulationSettings {
  config: SamplingConfig;
  /** Predictions per day across all models in the sample (in the sample's proportions). */
  volumePerDay: number;
  /** Simulated hours measured after the warm-up; default 24. */
  hours?: number;
  /**
   * Simulate a fresh start with every version new (the `newVersion` window in the measured hours,
   * no warm-up). Default: steady state, versions long established and tiers settled.
   */
  freshStart?: boolean;
  /** Refuse runs that would decide more records than this; default 50,000,000. */
  maxRecords?: number;
  id?: string;
}

/**
 * The sample as records in memory (small samples, tests), or as a `SimulationSample` a reader
 * streamed a file into, which keeps only what the sampler reads.
 */
export type SimulationOptions = SimulationSettings &
  ({ records: readonly SimulationRecord[]; sample?: never } | { sample: SimulationSample; records?: never });

export interface SimulationRule {
  reason: KeepReason;
  keptPerDay: number;
  bytesPerDay: number;
  /** Kept records of this rule over all predictions. */
  shareOfRecords: number;
}

export interface SimulationReport {
  volumePerDay: number;
  /** Sample lines replayed. */
  sampleRecords: number;
  /** Sample lines read; more than `sampleRecords` when the sample was capped (a uniform reservoir). */
  sampleRecordsRead: number;
  warmupHours: number;
  measuredHours: number;
  simulatedRecords: number;
  full: { recordsPerDay: number; bytesPerDay: number };
  kept: { recordsPerDay: number; bytesPerDay: number };
  /** 1 − kept / full. */
  saving: { records: number; bytes: number };
  /** Kept records and bytes per day by the rule that kept them, in rule order. */
  rules: SimulationRule[];
  /** Records/day shed by the rate limit, by the rule that would have kept them. */
  rateLimited: Array<{ reason: KeepReason; perDay: number }>;
  /** Σ weights of kept records per day: an unbiased estimate of the volume (a check). */
  weightedVolumePerDay: number;
  models: Array<{ model: string; rate: number; volumePerDay: number; tierChanges: number }>;
  /** Diagnostics of the measured period (tier changes, learned strata). */
  events: string[];
}

/**
 * Replays a sample of predictions through a sampler at a given daily volume, on a simulated clock,
 * and reports what would be kept per day and per rule. Each simulated prediction gets its own
 * request id, so the consistent draw is independent across replays of the same sample line.
 */
export function simulateSampling(options: SimulationOptions): SimulationReport {
  const { config, volumePerDay } = options;
  const sample = options.sample ?? sampleOf(config, options.records ?? []);
  const records = sample.lines;
  if (records.length === 0) throw new RangeError('the sample holds no prediction records');
  if (!(volumePerDay > 0) || !Number.isFinite(volumePerDay)) throw new RangeError('volume must be positive');
  const hours = options.hours ?? 24;
  if (!(hours > 0)) throw new RangeError('hours must be positive');
  const stepMs = DAY_MS / volumePerDay;
  const freshStart = options.freshStart === true;
  const warmupMs = freshStart ? 0 : config.volumeWindowMs;
  const measuredMs = hours * HOUR_MS;
  const warmupRecords = Math.ceil(warmupMs / stepMs);
  const measuredRecords = Math.max(1, Math.round(measuredMs / stepMs));
  const maxRecords = options.maxRecords ?? 50_000_000;
  if (warmupRecords + measuredRecords > maxRecords)
    throw new RangeError(
      `the run would decide ${warmupRecords + measuredRecords} records (more than ${maxRecords}); simulate fewer hours`,
    );

  let t = 0;
  // Simulated time for reading; the sampler sets no timers.
  const clock: Clock = { ...systemClock, now: () => t, monotonic: () => t };
  const events: string[] = [];
  let measuring = false;
  const diagnostics = new DiagnosticsChannel((event) => {
    if (measuring) events.push(`${event.code}: ${event.message}`);
  });
  const sampler = new SamplingProcessor(config, {
    id: options.id ?? 'sampling',
    diagnostics,
    meter: createNoopMeter(),
    clock,
  });

  const views: MutablePredictionView[] = records.map((r) => r.view);
  const pick = linePicker(records);
  // A fresh start is a deployment at the simulated time 0: the new-version rule keys on the
  // deployment time, not on the process seeing a version for the first time.
  if (freshStart) for (const view of views) view.modelDeployedAt ??= 0;

  if (!freshStart && config.newVersion.windowMs > 0) {
    // Steady state: every version was first seen long ago.
    const seen = new Set<string>();
    views.forEach((view, i) => {
      const key = `${view.modelName}\u0000${view.modelVersion}`;
      if (seen.has(key)) return;
      seen.add(key);
      view.requestId = `warmup-${i}`;
      sampler.decide(view);
    });
    t += config.newVersion.windowMs;
  }

  let n = 0;
  for (let i = 0; i < warmupRecords; i++) {
    const view = views[pick(n)] as MutablePredictionView;
    view.requestId = `r${n++}`;
    sampler.decide(view);
    t += stepMs;
  }

  const before = sampler.stats();
  measuring = true;
  const keptRecords = new Float64Array(KEEP_REASONS.length);
  const keptBytes = new Float64Array(KEEP_REASONS.length);
  const reasonIndex = new Map<string, number>(KEEP_REASONS.map((reason, i) => [reason, i]));
  const annotationBytes = new Map<SamplingDecision, number>();
  let fullBytes = 0;
  let weighted = 0;
  for (let i = 0; i < measuredRecords; i++) {
    const line = pick(n);
    const view = views[line] as MutablePredictionView;
    const record = records[line] as SimulationLine;
    view.requestId = `r${n++}`;
    const decision = sampler.decide(view);
    fullBytes += record.bytes;
    if (decision.keep) {
      const r = reasonIndex.get(decision.reason) ?? 0;
      let extra = annotationBytes.get(decision);
      if (extra === undefined) {
        extra = `,"sampling_weight":${decision.weight},"sampling_reason":"${decision.reason}"`.length;
        annotationBytes.set(decision, extra);
      }
      keptRecords[r] = (keptRecords[r] as number) + 1;
      keptBytes[r] = (keptBytes[r] as number) + record.bytes + extra;
      weighted += decision.weight;
    }
    t += stepMs;
  }
  const after = sampler.stats();

  const perDay = DAY_MS / (measuredRecords * stepMs);
  const rules: SimulationRule[] = [];
  let keptTotal = 0;
  let keptBytesTotal = 0;
  KEEP_REASONS.forEach((reason, i) => {
    const kept = keptRecords[i] as number;
    keptTotal += kept;
    keptBytesTotal += keptBytes[i] as number;
    if (kept > 0)
      rules.push({
        reason,
        keptPerDay: kept * perDay,
        bytesPerDay: (keptBytes[i] as number) * perDay,
        shareOfRecords: kept / measuredRecords,
      });
  });
  const fullBytesPerDay = fullBytes * perDay;
  return {
    volumePerDay,
    sampleRecords: records.length,
    sampleRecordsRead: sample.offered,
    warmupHours: warmupMs / HOUR_MS,
    measuredHours: (measuredRecords * stepMs) / HOUR_MS,
    simulatedRecords: n,
    full: { recordsPerDay: measuredRecords * perDay, bytesPerDay: fullBytesPerDay },
    kept: { recordsPerDay: keptTotal * perDay, bytesPerDay: keptBytesTotal * perDay },
    saving: {
      records: 1 - keptTotal / measuredRecords,
      bytes: fullBytes === 0 ? 0 : 1 - keptBytesTotal / fullBytes,
    },
    rules,
    rateLimited: rateLimitedDiff(before, after, perDay),
    weightedVolumePerDay: weighted * perDay,
    models: after.models.map((m) => ({
      model: m.model,
      rate: m.rate,
      volumePerDay: m.volumePerDay,
      tierChanges: m.tierChanges - (before.models.find((b) => b.model === m.model)?.tierChanges ?? 0),
    })),
    events,
  };
}

/** Records given in memory, as a sample that keeps them all. */
function sampleOf(config: SamplingConfig, records: readonly SimulationRecord[]): SimulationSample {
  const sample = new SimulationSample(config, { maxRecords: Math.max(1, records.length) });
  for (const record of records) sample.add(record);
  return sample;
}

/** Picks sample lines in proportion to their weights (round robin when all weigh the same). */
function linePicker(records: readonly SimulationLine[]): (n: number) => number {
  const weights = records.map((r) => r.weight);
  if (weights.every((w) => w === weights[0])) return (n) => n % records.length;
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((w, i) => {
    total += w;
    cumulative[i] = total;
  });
  return (n) => {
    const u = ((n * GOLDEN) % 1) * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] as number) <= u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function rateLimitedDiff(
  before: SamplingStats,
  after: SamplingStats,
  perDay: number,
): Array<{ reason: KeepReason; perDay: number }> {
  const out: Array<{ reason: KeepReason; perDay: number }> = [];
  for (const reason of KEEP_REASONS) {
    let shed = 0;
    for (const m of after.models) shed += m.rateLimited[reason];
    for (const m of before.models) shed -= m.rateLimited[reason];
    if (shed > 0) out.push({ reason, perDay: shed * perDay });
  }
  return out;
}
