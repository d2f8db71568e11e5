import { consistentHash } from '@predlog/core';
import type { SamplingConfig } from './config.ts';
import {
  emptyPredictionView,
  type MutablePredictionView,
  readPredictionView,
} from './internal/prediction-view.ts';

/** One line of a sample: what the sampler reads, and its size as a stored line. */
export interface SimulationRecord {
  /** The record's OTel attributes (`ml.model.name`, `ml.prediction.score`, ...). */
  attributes: Readonly<Record<string, unknown>>;
  /** The body map (`input_features` is read by the key-feature rule). */
  body?: unknown;
  /** Bytes of the record as one stored NDJSON line, newline included, without sampling annotations. */
  bytes: number;
  /** Predictions this line stands for: its `sampling_weight` when the sample was itself sampled. */
  weight?: number;
}

/** A sample line as the simulation keeps it. */
export interface SimulationLine {
  /** What the sampler reads; the simulation sets `requestId` for each decision. */
  readonly view: MutablePredictionView;
  readonly bytes: number;
  /** Predictions the line stands for (1 unless the sample was itself sampled). */
  readonly weight: number;
}

export interface SimulationSampleOptions {
  /**
   * Lines kept at most. Past it, the sample is a uniform reservoir of the lines offered (Vitter's
   * algorithm R, with a seeded hash instead of a random source, so a run repeats). Default 500,000.
   */
  maxRecords?: number;
  seed?: number;
}

const MAX_INTERNED_STRINGS = 10_000;

/** Memory per kept line is about 200 bytes (a view and its key features), so ~100 MB at most. */
export const DEFAULT_MAX_SAMPLE_RECORDS = 500_000;

/**
 * The sample a simulation replays, built one line at a time and kept in a form whose size does not
 * depend on the records': for each line only what the sampler reads (model, version, score,
 * threshold, latency, status, force, and the key features the config names), its stored size and
 * its weight. A reader can stream a file of any size through `add()`: the body, raw input and every
 * other feature are dropped as each line is added, and the number of lines kept is capped.
 */
export class SimulationSample {
  private readonly kept: SimulationLine[] = [];
  private readonly featureNames: readonly string[];
  private readonly maxRecords: number;
  private readonly seed: number;
  /** One string per distinct model name and version, however many lines repeat it (up to a bound). */
  private readonly strings = new Map<string, string>();
  private offeredCount = 0;

  constructor(config: SamplingConfig, options: SimulationSampleOptions = {}) {
    this.featureNames = Object.keys(config.alwaysKeep.features);
    const maxRecords = options.maxRecords ?? DEFAULT_MAX_SAMPLE_RECORDS;
    if (!(Number.isInteger(maxRecords) && maxRecords > 0))
      throw new RangeError('maxRecords must be a positive whole number');
    this.maxRecords = maxRecords;
    this.seed = options.seed ?? 0;
  }

  /** Lines kept (at most `maxRecords`). */
  get size(): number {
    return this.kept.length;
  }

  /** Lines offered to `add()`. */
  get offered(): number {
    return this.offeredCount;
  }

  /** The lines kept, in the order a replay walks them. */
  get lines(): readonly SimulationLine[] {
    return this.kept;
  }

  add(record: SimulationRecord): void {
    const index = this.offeredCount++;
    let slot = index;
    if (index >= this.maxRecords) {
      // Algorithm R: line `index` replaces a kept one with probability maxRecords / (index + 1).
      slot = Math.floor(consistentHash(String(index), this.seed) * (index + 1));
      if (slot >= this.maxRecords) return;
    }
    const view = readPredictionView(
      record.attributes,
      record.body,
      emptyPredictionView(),
    ) as MutablePredictionView;
    view.requestId = undefined;
    view.modelName = this.intern(view.modelName);
    view.modelVersion = this.intern(view.modelVersion);
    view.features = this.keyFeatures(view.features);
    const weight = record.weight !== undefined && record.weight > 0 ? record.weight : 1;
    this.kept[slot] = { view, bytes: record.bytes, weight };
  }

  /** Only the features the key-feature rule reads, so a wide feature map is not kept per line. */
  private keyFeatures(
    features: Readonly<Record<string, unknown>> | undefined,
  ): Readonly<Record<string, unknown>> | undefined {
    if (features === undefined || this.featureNames.length === 0) return undefined;
    const out: Record<string, unknown> = {};
    for (const name of this.featureNames) if (Object.hasOwn(features, name)) out[name] = features[name];
    return out;
  }

  private intern(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    // Past this many, names are not repeated much; the table would only grow with the input.
    if (this.strings.size < MAX_INTERNED_STRINGS) this.strings.set(text, text);
    return text;
  }
}
