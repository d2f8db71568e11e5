/** Value of the cohort that pools everything past a dimension's cap. */
export const OTHER_COHORT = '(other)';
/** Value of the cohort of records without the field. */
export const NONE_COHORT = '(none)';

/**
 * The cohort values of one dimension, capped: the first `max` distinct values met keep their own
 * cohort, later ones share `(other)`. The answer for a value never changes once given, so the same
 * record gets the same cohort in every pass that asks.
 */
export class CohortValues {
  private readonly max: number;
  private readonly known = new Map<string, string>();
  private own = 0;

  constructor(max: number) {
    this.max = max;
  }

  valueOf(raw: string): string {
    const known = this.known.get(raw);
    if (known !== undefined) return known;
    const value = this.own < this.max ? raw : OTHER_COHORT;
    if (value === raw) this.own++;
    // Pooled values are remembered up to a bound, so a field with a value per record stays small.
    if (value === raw || this.known.size < this.max * 2) this.known.set(raw, value);
    return value;
  }
}
