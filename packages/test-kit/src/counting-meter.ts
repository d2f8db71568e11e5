import { type Attributes, type Counter, createNoopMeter, type Meter } from '@opentelemetry/api';

/**
 * A meter whose counters add up by name and by each attribute value, read synchronously; every
 * other instrument is a no-op. For exact counter assertions without a metric reader's collect.
 */
export class CountingMeter {
  readonly sums = new Map<string, number>();
  /** Keyed `name{key=value}`, one slot per attribute of each `add`. */
  readonly byAttribute = new Map<string, number>();
  /** Every attribute value any counter was given (to check no user value ever reaches a label). */
  readonly labelValues = new Set<string>();
  readonly meter: Meter;

  constructor() {
    const meter = createNoopMeter();
    meter.createCounter = <A extends Attributes>(name: string): Counter<A> => ({
      add: (value: number, attributes?: A) => {
        this.sums.set(name, (this.sums.get(name) ?? 0) + value);
        for (const [key, attr] of Object.entries(attributes ?? {})) {
          this.labelValues.add(String(attr));
          const slot = `${name}{${key}=${String(attr)}}`;
          this.byAttribute.set(slot, (this.byAttribute.get(slot) ?? 0) + value);
        }
      },
    });
    this.meter = meter;
  }

  sum(name: string): number {
    return this.sums.get(name) ?? 0;
  }

  at(name: string, key: string, value: string): number {
    return this.byAttribute.get(`${name}{${key}=${value}}`) ?? 0;
  }
}
