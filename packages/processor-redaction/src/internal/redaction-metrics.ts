import type { Attributes, Counter, Meter } from '@opentelemetry/api';

/** Counts kept in-process too, so `RedactionProcessor.stats()` works without a metrics SDK. */
export interface RedactionStats {
  /** Records the processor handled (passed on or dropped). */
  records: number;
  /** Redactions by rule, detector or processor outcome name. */
  redactions: Record<string, number>;
  /** Strings replaced by `[REDACTED:error]` because scanning them threw. */
  valueFailures: number;
  /** Records dropped because they could not be redacted (fail closed). */
  recordFailures: number;
}

const PREFIX = 'predlog.processor.redaction';

/** The processor's self-metrics; labels are rule names, never values. */
export class RedactionMetrics {
  readonly stats: RedactionStats = { records: 0, redactions: {}, valueFailures: 0, recordFailures: 0 };
  private readonly records: Counter;
  private readonly redactions: Counter;
  private readonly failures: Counter;
  private readonly attributes: Attributes;
  /** One attribute set per name, built once. */
  private readonly ruleAttributes: Attributes[];
  private readonly failureAttributes: { value: Attributes; record: Attributes };

  constructor(meter: Meter, componentId: string, names: readonly string[]) {
    this.attributes = { 'predlog.component.id': componentId };
    this.ruleAttributes = names.map((rule) => ({ ...this.attributes, rule }));
    this.failureAttributes = {
      value: { ...this.attributes, kind: 'value' },
      record: { ...this.attributes, kind: 'record' },
    };
    this.records = meter.createCounter(`${PREFIX}.records`, {
      description: 'Records the redaction processor handled',
    });
    this.redactions = meter.createCounter(`${PREFIX}.redactions`, {
      description: 'Values and matches redacted, by rule (rule, detector or processor outcome name)',
    });
    this.failures = meter.createCounter(`${PREFIX}.failures`, {
      description: 'Redaction failures handled fail closed: kind=value (replaced) or kind=record (dropped)',
    });
  }

  recordsHandled(count: number): void {
    this.stats.records += count;
    this.records.add(count, this.attributes);
  }

  redacted(nameIndex: number, name: string, count: number): void {
    this.stats.redactions[name] = (this.stats.redactions[name] ?? 0) + count;
    this.redactions.add(count, this.ruleAttributes[nameIndex]);
  }

  valueFailed(): void {
    this.stats.valueFailures++;
    this.failures.add(1, this.failureAttributes.value);
  }

  recordFailed(): void {
    this.stats.recordFailures++;
    this.failures.add(1, this.failureAttributes.record);
  }
}
