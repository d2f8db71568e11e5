import type { StoredRecord } from '@predlog/schema';
import { PREDICTION_EVENT } from '@predlog/schema';
import type { AnalyticsConfig } from './config.ts';
import {
  DistributionProfile,
  isDistributionProfileJson,
  PROFILE_FORMAT,
  type ProfileOptions,
} from './distribution-profile.ts';
import { InputFileError } from './input-file-error.ts';
import { DecisionRules } from './internal/decision-rules.ts';
import { samplingWeightOf } from './internal/stored-fields.ts';
import { forEachLine } from './internal/text-lines.ts';
import { type LogSelection, type ReadStats, scanPredictions } from './log-selection.ts';

export const DAILY_STATS_FORMAT = 'predlog.daily-stats';

export function profileOptions(config: AnalyticsConfig): ProfileOptions {
  return {
    sketch: config.sketch,
    maxCategories: config.drift.maxCategories,
    maxFeatures: config.drift.maxFeatures,
  };
}

/** A profile builder: feed it stored predictions, read the profile. */
export function profileCollector(config: AnalyticsConfig): {
  profile: DistributionProfile;
  add: (record: StoredRecord, weight: number) => void;
} {
  const profile = new DistributionProfile(profileOptions(config));
  const rules = new DecisionRules(config.classification);
  return {
    profile,
    add: (record, weight) => profile.addRecord(record, weight, rules.predictedPositive(record)),
  };
}

/** The distribution profile of a selection's predictions, in one streaming pass. */
export async function profilePredictions(
  selection: LogSelection,
  config: AnalyticsConfig,
  stats?: ReadStats,
): Promise<DistributionProfile> {
  const { profile, add } = profileCollector(config);
  await scanPredictions(selection, (record) => add(record, samplingWeightOf(record)), stats);
  return profile;
}

/**
 * A baseline from a file of NDJSON lines (gunzipped when `.gz`): profile lines (written by
 * `predlog drift --save-baseline`), daily-stats lines (`predlog stats --out`) and stored prediction
 * records (`predlog query --json`, a training set in the stored form) are all merged into one
 * profile. Lines of other kinds are counted and skipped.
 */
export async function readBaselineFile(
  file: string,
  config: AnalyticsConfig,
): Promise<{ profile: DistributionProfile; profiles: number; records: number; skipped: number }> {
  const { profile, add } = profileCollector(config);
  const options = profileOptions(config);
  let profiles = 0;
  let records = 0;
  let skipped = 0;
  await forEachLine(file, (line) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped += 1;
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      skipped += 1;
      return;
    }
    const object = value as Record<string, unknown>;
    const embedded = object.format === DAILY_STATS_FORMAT ? object.profile : object;
    if (object.format === PROFILE_FORMAT || object.format === DAILY_STATS_FORMAT) {
      if (!isDistributionProfileJson(embedded)) throw new InputFileError('a profile line is malformed');
      const alphas = [embedded.score, ...Object.values(embedded.features)].map((f) => f.numeric.alpha);
      if (alphas.some((alpha) => alpha !== config.sketch.relativeAccuracy)) {
        throw new InputFileError(
          'the baseline was written with another sketch accuracy; use the same sketch.relativeAccuracy',
        );
      }
      profile.merge(DistributionProfile.fromJSON(embedded, options));
      profiles += 1;
    } else if (object.event === PREDICTION_EVENT && typeof object.timestamp === 'string') {
      const record = object as StoredRecord;
      add(record, samplingWeightOf(record));
      records += 1;
    } else skipped += 1;
  });
  if (profiles === 0 && records === 0) {
    throw new InputFileError('the baseline file holds no profile and no ml.prediction record');
  }
  return { profile, profiles, records, skipped };
}
