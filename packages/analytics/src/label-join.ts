import type { StoredRecord } from '@predlog/schema';
import type { JoinConfig } from './config.ts';
import {
  emptyLabelReadStats,
  type GroundTruth,
  groundTruthFrom,
  type LabelReadStats,
  scanGroundTruthFile,
} from './ground-truth.ts';
import { EntityTimeJoin } from './internal/entity-time-join.ts';
import { RequestKeyJoin } from './internal/request-key-join.ts';
import { samplingWeightOf, stringField, timeOf } from './internal/stored-fields.ts';
import {
  emptyReadStats,
  type LogSelection,
  type ReadStats,
  scanFeedback,
  scanPredictions,
} from './log-selection.ts';

/** Whole records of a few KB each as best candidates: this many stay around 100 MB. */
const BULKY_ENTITY_LABELS = 20_000;

/** Where labels come from: a file (NDJSON or CSV, optionally gzipped) or the tree's `ml.feedback` records. */
export type LabelSource = { readonly kind: 'file'; readonly file: string } | { readonly kind: 'feedback' };

export interface LabelJoinOptions<P> {
  readonly selection: LogSelection;
  readonly labels: LabelSource;
  readonly join: JoinConfig;
  /** What a joined prediction is reduced to; kept in memory or spilled to disk as JSON. */
  readonly project: (record: StoredRecord, weight: number) => P;
  readonly onJoined: (payload: P, truth: GroundTruth, weight: number) => void | Promise<void>;
  /** Sees every prediction read, joined or not (daily volumes, drift profiles). */
  readonly onPrediction?: (record: StoredRecord, weight: number) => void;
  /**
   * Payloads are whole stored records (`join --out`): the entity join, which keeps each label's
   * best prediction until the end, then holds at most 20,000 labels before it spills.
   */
  readonly bulkyPayload?: boolean;
}

export interface LabelJoinReport {
  on: JoinConfig['on'];
  /** The entity join's window; null for the request-id join. */
  windowMs: number | null;
  labels: LabelReadStats & {
    /** Without the join key (or, for the entity join, without a time). */
    withoutKey: number;
    /** Later labels for a request id already labelled (the latest by time wins). */
    duplicates: number;
    /** Labels taking part: read − invalid − skipped − withoutKey − duplicates. */
    used: number;
    /** Used labels that found their prediction. */
    matched: number;
  };
  /** matched / used: the share of labels that found their prediction; null without labels. */
  matchRate: number | null;
  minMatchRate: number;
  belowMinimum: boolean;
  predictions: { count: number; weight: number; withoutKey: number };
  /** Joined pairs and their sampling weight. */
  joined: { count: number; weight: number };
  /** Weighted share of predictions that got a label (label delay makes this low for recent days). */
  coverage: number | null;
  spill: { partitions: number; levels: number; bytes: number } | null;
  logs: ReadStats;
  /** What was read of the tree's feedback records (label source `feedback`). */
  feedbackLogs: ReadStats | null;
}

/** Reads the labels into the join engine; a label without the join key is counted, not added. */
async function loadLabels(
  options: LabelJoinOptions<unknown>,
  stats: LabelReadStats,
  feedbackStats: ReadStats,
  add: (truth: GroundTruth) => void | Promise<void>,
): Promise<void> {
  if (options.labels.kind === 'file') {
    await scanGroundTruthFile(options.labels.file, add, stats);
    return;
  }
  const { selection, join } = options;
  // Feedback arrives after its prediction: from the window's start on; an entity label may also
  // precede its prediction by up to the window.
  const slack = join.on === 'entity_id' ? join.windowMs : 0;
  const since = selection.since === undefined ? undefined : new Date(selection.since.getTime() - slack);
  const until =
    selection.until === undefined || join.on === 'request_id'
      ? undefined
      : new Date(selection.until.getTime() + slack);
  await scanFeedback(
    { ...selection, since, until },
    (record) => {
      stats.read += 1;
      const truth = groundTruthFrom(record);
      if (truth === undefined) {
        stats.invalid += 1;
        return undefined;
      }
      return add(truth);
    },
    feedbackStats,
  );
}

/**
 * Joins labels to the predictions of a selection and reports the match rate, streaming: labels
 * first (into memory, or hash-partitioned to disk past `maxKeysInMemory`), then one pass over the
 * predictions. Each joined pair is handed to `onJoined` with the prediction's sampling weight.
 */
export async function joinLabels<P>(options: LabelJoinOptions<P>): Promise<LabelJoinReport> {
  const { join } = options;
  const settings = {
    maxKeysInMemory:
      join.on === 'entity_id' && options.bulkyPayload === true
        ? Math.min(join.maxKeysInMemory, BULKY_ENTITY_LABELS)
        : join.maxKeysInMemory,
    spillPartitions: join.spillPartitions,
    spillDirectory: join.spillDirectory,
  };
  const labelStats = emptyLabelReadStats();
  const feedbackStats = emptyReadStats();
  const logs = emptyReadStats();
  let withoutKey = 0;
  let predictions = 0;
  let predictionWeight = 0;
  let predictionsWithoutKey = 0;
  const engine =
    join.on === 'request_id'
      ? new RequestKeyJoin<P>(settings, options.project, options.onJoined)
      : new EntityTimeJoin<P>(settings, join.windowMs, options.project, options.onJoined);
  const byRequest = engine instanceof RequestKeyJoin ? engine : undefined;
  const byEntity = engine instanceof EntityTimeJoin ? engine : undefined;
  try {
    await loadLabels(options as LabelJoinOptions<unknown>, labelStats, feedbackStats, (truth) => {
      const key = join.on === 'request_id' ? truth.requestId : truth.entityId;
      if (key === undefined || (join.on === 'entity_id' && !Number.isFinite(truth.timeMs))) {
        withoutKey += 1;
        return undefined;
      }
      return engine.addLabel(key, truth);
    });
    const onPrediction = options.onPrediction;
    await scanPredictions(
      options.selection,
      (record) => {
        const weight = samplingWeightOf(record);
        predictions += 1;
        predictionWeight += weight;
        onPrediction?.(record, weight);
        const key = stringField(record, join.on);
        if (key === undefined) {
          predictionsWithoutKey += 1;
          return undefined;
        }
        if (byRequest !== undefined) return byRequest.addPrediction(key, weight, record);
        return byEntity?.addPrediction(key, timeOf(record), weight, record);
      },
      logs,
    );
    await engine.finish();
  } catch (error) {
    await engine.abort();
    throw error;
  }
  const counts = engine.counts;
  const used = labelStats.read - labelStats.invalid - labelStats.skipped - withoutKey - counts.duplicates;
  const matchRate = used > 0 ? counts.matched / used : null;
  return {
    on: join.on,
    windowMs: join.on === 'entity_id' ? join.windowMs : null,
    labels: { ...labelStats, withoutKey, duplicates: counts.duplicates, used, matched: counts.matched },
    matchRate,
    minMatchRate: join.minMatchRate,
    belowMinimum: matchRate === null || matchRate < join.minMatchRate,
    predictions: { count: predictions, weight: predictionWeight, withoutKey: predictionsWithoutKey },
    joined: { count: counts.pairs, weight: counts.pairsWeight },
    coverage: predictionWeight > 0 ? Math.min(1, counts.pairsWeight / predictionWeight) : null,
    spill: counts.spill,
    logs,
    feedbackLogs: options.labels.kind === 'feedback' ? feedbackStats : null,
  };
}
