import { R_FEATURE_NULL, R_FEATURE_OUT_OF_RANGE } from './sampling-reasons.ts';

/** `check()` could not read the features (a throwing getter, a revoked Proxy). */
export const FEATURE_READ_FAILED = -2;
/** No key feature is null or out of range. */
export const FEATURES_OK = -1;

/**
 * The key-feature rule: a listed feature that is null, missing or not a finite number counts as
 * null; one outside its configured [min, max] (or not a number where a range is set) is out of range.
 */
export class FeatureRules {
  private readonly names: string[];
  private readonly mins: Float64Array;
  private readonly maxs: Float64Array;
  private readonly ranged: Uint8Array;

  constructor(features: Readonly<Record<string, { min?: number | undefined; max?: number | undefined }>>) {
    this.names = Object.keys(features);
    const n = this.names.length;
    this.mins = new Float64Array(n);
    this.maxs = new Float64Array(n);
    this.ranged = new Uint8Array(n);
    this.names.forEach((name, i) => {
      const range = features[name] ?? {};
      this.mins[i] = range.min ?? Number.NEGATIVE_INFINITY;
      this.maxs[i] = range.max ?? Number.POSITIVE_INFINITY;
      this.ranged[i] = range.min !== undefined || range.max !== undefined ? 1 : 0;
    });
  }

  get size(): number {
    return this.names.length;
  }

  /** The reason index of the first failing feature, `FEATURES_OK`, or `FEATURE_READ_FAILED`. Never throws. */
  check(features: Readonly<Record<string, unknown>>): number {
    try {
      const names = this.names;
      for (let i = 0; i < names.length; i++) {
        const value = features[names[i] as string];
        if (value === null || value === undefined) return R_FEATURE_NULL;
        if (typeof value === 'number') {
          if (!Number.isFinite(value)) return R_FEATURE_NULL;
          if (value < (this.mins[i] as number) || value > (this.maxs[i] as number))
            return R_FEATURE_OUT_OF_RANGE;
        } else if (this.ranged[i] === 1) return R_FEATURE_OUT_OF_RANGE;
      }
      return FEATURES_OK;
    } catch {
      return FEATURE_READ_FAILED;
    }
  }
}
