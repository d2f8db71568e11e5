import type { Attributes } from '@opentelemetry/api';

/** The label value of the series that takes every combination past the cap. */
export const OTHER = 'other';

/** How many series one instrument may still create; shared by the tables that make up one instrument. */
export class SeriesBudget {
  /** Prometheus name of the instrument, for `predlog_metrics_series_overflow_total{metric}`. */
  readonly metric: string;
  readonly max: number;
  used = 0;

  constructor(metric: string, max: number) {
    this.metric = metric;
    this.max = max;
  }
}

export interface SeriesTableOptions<S> {
  /** Variable labels, in lookup order (1 to 4). */
  readonly labelNames: readonly string[];
  /** Labels with one fixed value for the whole table (the `feature` of a feature histogram). */
  readonly constant?: Attributes;
  readonly budget: SeriesBudget;
  readonly maxLabelValueLength: number;
  /** Makes a series for a frozen attribute set; `overflow` marks the table's `other` series. */
  readonly create: (attributes: Attributes, overflow: boolean) => S;
}

type Node<S> = Map<string, Node<S> | S>;

/**
 * The cardinality guard: series by label values, in nested maps so a lookup builds no key string
 * and no attribute object. Each series' attribute set is built and frozen once, when the series is
 * created. Once the budget is spent, a new combination gets the `other` series (every variable
 * label `other`), which is not stored, so memory stays bounded whatever callers send.
 */
export class SeriesTable<S> {
  readonly series: S[] = [];
  readonly overflow: S;
  private readonly root: Node<S> = new Map();
  private readonly labelNames: readonly string[];
  private readonly constant: Attributes | undefined;
  private readonly budget: SeriesBudget;
  private readonly maxLength: number;
  private readonly create: (attributes: Attributes, overflow: boolean) => S;

  constructor(options: SeriesTableOptions<S>) {
    if (options.labelNames.length < 1 || options.labelNames.length > 4)
      throw new RangeError('a series table has 1 to 4 variable labels');
    this.labelNames = options.labelNames;
    this.constant = options.constant;
    this.budget = options.budget;
    this.maxLength = options.maxLabelValueLength;
    this.create = options.create;
    this.overflow = this.create(this.attributes(options.labelNames.map(() => OTHER)), true);
  }

  /** The series for these label values (as many as the table has labels), or `other` past the cap. */
  get(v0: string, v1 = '', v2 = '', v3 = ''): S {
    const last = this.labelNames.length - 1;
    let node = this.root;
    for (let level = 0; ; level++) {
      let value = level === 0 ? v0 : level === 1 ? v1 : level === 2 ? v2 : v3;
      // Keyed by the value as exported, so two long values with one prefix share a series instead
      // of exporting two series with the same labels (which Prometheus would refuse).
      if (value.length > this.maxLength) value = value.slice(0, this.maxLength);
      const next = node.get(value);
      if (level === last) return next === undefined ? this.add(v0, v1, v2, v3) : (next as S);
      if (next === undefined) return this.add(v0, v1, v2, v3);
      node = next as Node<S>;
    }
  }

  /** The slow path of `get`: a combination seen for the first time. */
  private add(v0: string, v1: string, v2: string, v3: string): S {
    // Checked first: past the cap this path runs on every call with a new combination.
    if (this.budget.used >= this.budget.max) return this.overflow;
    const all = [v0, v1, v2, v3];
    const values = this.labelNames.map((_, i) => clip(all[i] as string, this.maxLength));
    let series: S;
    // A real combination that is `other` throughout is the overflow series: exporting both would
    // put two series with one label set on the scrape.
    if (values.every((v) => v === OTHER)) series = this.overflow;
    else {
      this.budget.used++;
      series = this.create(this.attributes(values), false);
      this.series.push(series);
    }
    let node = this.root;
    const last = values.length - 1;
    for (let level = 0; level < last; level++) {
      const value = values[level] as string;
      let next = node.get(value) as Node<S> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(value, next);
      }
      node = next;
    }
    node.set(values[last] as string, series);
    return series;
  }

  private attributes(values: readonly string[]): Attributes {
    const attributes: Attributes = {};
    this.labelNames.forEach((name, i) => {
      attributes[name] = values[i] as string;
    });
    if (this.constant !== undefined) Object.assign(attributes, this.constant);
    return Object.freeze(attributes);
  }
}

function clip(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}
