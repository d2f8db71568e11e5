import type { StoredRecord } from '@predlog/schema';
import type { SketchConfig } from './config.ts';
import { inputFeaturesOf, numberField } from './internal/stored-fields.ts';
import { isQuantileSketchJson, QuantileSketch, type QuantileSketchJson } from './quantile-sketch.ts';
import { WeightedMoments, type WeightedMomentsJson } from './weighted-moments.ts';

export const PROFILE_FORMAT = 'predlog.profile';
export const PROFILE_VERSION = 1;

/** Category name of values pooled past `maxCategories`. */
export const OTHER_CATEGORY = '(other)';

export interface FeatureProfileJson {
  /** Weight of null, missing, non-finite or non-scalar values. */
  missing: number;
  numeric: QuantileSketchJson;
  moments: WeightedMomentsJson;
  /** Weight per string or boolean value; values past the cap are in `other`. */
  categories: Record<string, number>;
  other: number;
}

export interface ProfileOptions {
  readonly sketch: SketchConfig;
  readonly maxCategories: number;
  readonly maxFeatures: number;
}

/**
 * The weighted distribution of one value (a feature, the score, the prediction, the latency):
 * numbers in a quantile sketch and running moments, strings and booleans as category weights,
 * everything else (null, absent, NaN, objects) as missing weight.
 */
export class FeatureProfile {
  readonly sketch: QuantileSketch;
  readonly moments = new WeightedMoments();
  readonly categories = new Map<string, number>();
  other = 0;
  missing = 0;
  private readonly maxCategories: number;

  constructor(sketch: SketchConfig, maxCategories: number) {
    this.sketch = new QuantileSketch(sketch.relativeAccuracy, sketch.maxBuckets, sketch.exactValues);
    this.maxCategories = maxCategories;
  }

  add(value: unknown, weight: number): void {
    if (typeof value === 'number') {
      if (this.sketch.add(value, weight)) this.moments.add(value, weight);
      else this.missing += weight;
    } else if (typeof value === 'string' || typeof value === 'boolean') {
      this.addCategory(String(value), weight);
    } else {
      this.missing += weight;
    }
  }

  addMissing(weight: number): void {
    this.missing += weight;
  }

  get numericWeight(): number {
    return this.sketch.totalWeight;
  }

  get categoricalWeight(): number {
    let total = this.other;
    for (const weight of this.categories.values()) total += weight;
    return total;
  }

  get totalWeight(): number {
    return this.numericWeight + this.categoricalWeight + this.missing;
  }

  /** Numeric when numbers outweigh strings and booleans. */
  get isNumeric(): boolean {
    return this.numericWeight > 0 && this.numericWeight >= this.categoricalWeight;
  }

  merge(other: FeatureProfile): void {
    this.sketch.merge(other.sketch);
    this.moments.merge(other.moments);
    for (const [category, weight] of other.categories) this.addCategory(category, weight);
    this.other += other.other;
    this.missing += other.missing;
  }

  toJSON(): FeatureProfileJson {
    return {
      missing: this.missing,
      numeric: this.sketch.toJSON(),
      moments: this.moments.toJSON(),
      categories: Object.fromEntries(this.categories),
      other: this.other,
    };
  }

  static fromJSON(json: FeatureProfileJson, options: ProfileOptions): FeatureProfile {
    const profile = new FeatureProfile(options.sketch, options.maxCategories);
    profile.sketch.merge(
      QuantileSketch.fromJSON(json.numeric, options.sketch.maxBuckets, options.sketch.exactValues),
    );
    profile.moments.merge(WeightedMoments.fromJSON(json.moments));
    for (const [category, weight] of Object.entries(json.categories)) profile.addCategory(category, weight);
    profile.other += json.other;
    profile.missing = json.missing;
    return profile;
  }

  private addCategory(category: string, weight: number): void {
    const known = this.categories.get(category);
    if (known !== undefined) this.categories.set(category, known + weight);
    else if (this.categories.size < this.maxCategories) this.categories.set(category, weight);
    else this.other += weight;
  }
}

export interface DistributionProfileJson {
  format: typeof PROFILE_FORMAT;
  version: typeof PROFILE_VERSION;
  records: number;
  weight: number;
  weightSquares: number;
  /** Weight of records with a classification decision, and of those decided positive. */
  decidedWeight: number;
  positiveWeight: number;
  /** Distinct feature names past `maxFeatures`, not profiled. */
  featuresDropped: number;
  features: Record<string, FeatureProfileJson>;
  score: FeatureProfileJson;
  prediction: FeatureProfileJson;
  latency: FeatureProfileJson;
}

/**
 * Everything drift, stats and the report need from a set of predictions, in memory bounded by
 * features × sketch buckets, and mergeable: the profile of two days is the merge of each day's.
 */
export class DistributionProfile {
  records = 0;
  weight = 0;
  weightSquares = 0;
  decidedWeight = 0;
  positiveWeight = 0;
  featuresDropped = 0;
  readonly features = new Map<string, FeatureProfile>();
  readonly score: FeatureProfile;
  readonly prediction: FeatureProfile;
  readonly latency: FeatureProfile;
  private readonly options: ProfileOptions;
  private readonly dropped = new Set<string>();
  private readonly lastNames: string[] = [];
  private readonly lastProfiles: Array<FeatureProfile | undefined> = [];

  constructor(options: ProfileOptions) {
    this.options = options;
    this.score = this.newFeature();
    this.prediction = this.newFeature();
    this.latency = this.newFeature();
  }

  /** Adds one stored prediction with its sampling weight and its decision (undefined: none). */
  addRecord(record: StoredRecord, weight: number, positive: boolean | undefined): void {
    this.records += 1;
    this.weight += weight;
    this.weightSquares += weight * weight;
    if (positive !== undefined) {
      this.decidedWeight += weight;
      if (positive) this.positiveWeight += weight;
    }
    const features = inputFeaturesOf(record);
    let seen = 0;
    if (features !== undefined) {
      // Records of one model list their features in the same order: the profiles of the previous
      // record's names are tried first (names parsed from JSON are internalised, so === is cheap).
      const names = this.lastNames;
      const profiles = this.lastProfiles;
      let at = 0;
      for (const name in features) {
        let profile: FeatureProfile | undefined;
        if (names[at] === name) profile = profiles[at];
        else {
          profile = this.features.get(name) ?? this.addFeature(name, weight);
          names[at] = name;
          profiles[at] = profile;
        }
        at++;
        if (profile === undefined) continue;
        profile.add(features[name], weight);
        seen++;
      }
      if (names.length > at) {
        names.length = at;
        profiles.length = at;
      }
    }
    // A feature absent from this record is missing for it, as a null would be.
    if (seen < this.features.size) {
      for (const [name, profile] of this.features) {
        if (features === undefined || !Object.hasOwn(features, name)) profile.addMissing(weight);
      }
    }
    const score = numberField(record, 'score');
    if (score === undefined) this.score.addMissing(weight);
    else this.score.add(score, weight);
    this.prediction.add(record.prediction, weight);
    const latency = numberField(record, 'latency_ms');
    if (latency === undefined) this.latency.addMissing(weight);
    else this.latency.add(latency, weight);
  }

  merge(other: DistributionProfile): void {
    this.records += other.records;
    this.weight += other.weight;
    this.weightSquares += other.weightSquares;
    this.decidedWeight += other.decidedWeight;
    this.positiveWeight += other.positiveWeight;
    this.featuresDropped = Math.max(this.featuresDropped, other.featuresDropped);
    for (const [name, profile] of other.features) {
      const mine = this.features.get(name);
      if (mine !== undefined) mine.merge(profile);
      else if (this.features.size < this.options.maxFeatures) {
        const copy = this.newFeature();
        // Records this profile saw before the feature existed here had no value for it.
        copy.addMissing(this.weight - other.weight);
        copy.merge(profile);
        this.features.set(name, copy);
      }
    }
    for (const [name, profile] of this.features) {
      if (!other.features.has(name)) profile.addMissing(other.weight);
    }
    this.score.merge(other.score);
    this.prediction.merge(other.prediction);
    this.latency.merge(other.latency);
  }

  toJSON(): DistributionProfileJson {
    return {
      format: PROFILE_FORMAT,
      version: PROFILE_VERSION,
      records: this.records,
      weight: this.weight,
      weightSquares: this.weightSquares,
      decidedWeight: this.decidedWeight,
      positiveWeight: this.positiveWeight,
      featuresDropped: this.featuresDropped,
      features: Object.fromEntries([...this.features].map(([name, p]) => [name, p.toJSON()])),
      score: this.score.toJSON(),
      prediction: this.prediction.toJSON(),
      latency: this.latency.toJSON(),
    };
  }

  static fromJSON(json: DistributionProfileJson, options: ProfileOptions): DistributionProfile {
    const profile = new DistributionProfile(options);
    profile.records = json.records;
    profile.weight = json.weight;
    profile.weightSquares = json.weightSquares;
    profile.decidedWeight = json.decidedWeight;
    profile.positiveWeight = json.positiveWeight;
    profile.featuresDropped = json.featuresDropped;
    for (const [name, feature] of Object.entries(json.features)) {
      if (profile.features.size >= options.maxFeatures) break;
      profile.features.set(name, FeatureProfile.fromJSON(feature, options));
    }
    profile.score.merge(FeatureProfile.fromJSON(json.score, options));
    profile.prediction.merge(FeatureProfile.fromJSON(json.prediction, options));
    profile.latency.merge(FeatureProfile.fromJSON(json.latency, options));
    return profile;
  }

  private newFeature(): FeatureProfile {
    return new FeatureProfile(this.options.sketch, this.options.maxCategories);
  }

  /** A feature seen for the first time; `weight` is the current record's (already in `this.weight`). */
  private addFeature(name: string, weight: number): FeatureProfile | undefined {
    if (this.features.size >= this.options.maxFeatures) {
      if (!this.dropped.has(name) && this.dropped.size < this.options.maxFeatures) {
        this.dropped.add(name);
        this.featuresDropped = this.dropped.size;
      }
      return undefined;
    }
    const profile = this.newFeature();
    // Every record before this one lacked the feature.
    if (this.weight > weight) profile.addMissing(this.weight - weight);
    this.features.set(name, profile);
    return profile;
  }
}

/** Structural check before `DistributionProfile.fromJSON`. */
export function isDistributionProfileJson(value: unknown): value is DistributionProfileJson {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const feature = (f: unknown): boolean => {
    if (f === null || typeof f !== 'object') return false;
    const r = f as Record<string, unknown>;
    const moments = r.moments as Record<string, unknown> | null;
    return (
      typeof r.missing === 'number' &&
      typeof r.other === 'number' &&
      isQuantileSketchJson(r.numeric) &&
      moments !== null &&
      typeof moments === 'object' &&
      ['n', 'w', 'mean', 'm2'].every((k) => typeof moments[k] === 'number') &&
      r.categories !== null &&
      typeof r.categories === 'object' &&
      Object.values(r.categories as object).every((w) => typeof w === 'number')
    );
  };
  return (
    v.format === PROFILE_FORMAT &&
    v.version === PROFILE_VERSION &&
    typeof v.records === 'number' &&
    typeof v.weight === 'number' &&
    v.features !== null &&
    typeof v.features === 'object' &&
    Object.values(v.features as object).every(feature) &&
    feature(v.score) &&
    feature(v.prediction) &&
    feature(v.latency)
  );
}
