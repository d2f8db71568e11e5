import { safeCut } from '@predlog/schema';

/** Distinct label values counted; the rest are pooled, so a label per request cannot grow memory. */
const MAX_VALUES = 20;
/** Longer label texts are cut (they are shown in a warning, never used as keys elsewhere). */
const MAX_CHARS = 64;

export interface LabelCount {
  /** The label as text (cut to 64 characters, then `…`). */
  value: string;
  count: number;
  weight: number;
  /** Read as the positive class. */
  positive: boolean;
}

export interface LabelValues {
  /** The first 20 distinct values met, in text order. */
  values: LabelCount[];
  /** Pairs whose label was none of those. */
  other: { count: number; weight: number };
  /** Pairs whose label is positive: 0 means no label matched a positive label. */
  positiveCount: number;
}

/**
 * Which label values a classification evaluation met, so a run whose labels are all read as
 * negative (string labels without `positiveLabels`) can say what it saw.
 */
export class LabelTally {
  private readonly counts = new Map<string, LabelCount>();
  private readonly other = { count: 0, weight: 0 };
  private positiveCount = 0;

  add(label: unknown, positive: boolean, weight: number): void {
    if (positive) this.positiveCount += 1;
    const raw = String(label);
    const text = raw.length > MAX_CHARS ? `${safeCut(raw, MAX_CHARS)}…` : raw;
    const known = this.counts.get(text);
    if (known !== undefined) {
      known.count += 1;
      known.weight += weight;
    } else if (this.counts.size < MAX_VALUES) {
      this.counts.set(text, { value: text, count: 1, weight, positive });
    } else {
      this.other.count += 1;
      this.other.weight += weight;
    }
  }

  result(): LabelValues {
    const values = [...this.counts.values()].sort((a, b) =>
      a.value < b.value ? -1 : a.value > b.value ? 1 : 0,
    );
    return { values, other: { ...this.other }, positiveCount: this.positiveCount };
  }
}
