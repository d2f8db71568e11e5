import type { Attributes, Meter } from '@opentelemetry/api';
import type { RetentionDecision } from './retention-policies.ts';

/** Why a group was decided before its wait was over. */
export const EARLY_REASONS = [
  'max_groups',
  'max_bytes',
  'max_group_records',
  'max_group_bytes',
  'flush',
] as const;
export type EarlyReason = (typeof EARLY_REASONS)[number];

/** Plain counters the processor increments; the observable instruments read them at collection. */
export class TailRetentionCounters {
  bufferedGroups = 0;
  bufferedRecords = 0;
  bufferedBytes = 0;
  decisionCacheEntries = 0;
  /** Groups and records per outcome slot (see `RetentionDecision.slot`). */
  readonly groups: Float64Array;
  readonly records: Float64Array;
  /** By index in EARLY_REASONS. */
  readonly early = new Float64Array(EARLY_REASONS.length);
  lateKept = 0;
  lateDropped = 0;
  ungroupedRecords = 0;

  constructor(slots: number) {
    this.groups = new Float64Array(slots);
    this.records = new Float64Array(slots);
  }

  decided(slot: number, records: number): void {
    this.groups[slot] = (this.groups[slot] as number) + 1;
    this.records[slot] = (this.records[slot] as number) + records;
  }

  decidedEarly(reasonIndex: number): void {
    this.early[reasonIndex] = (this.early[reasonIndex] as number) + 1;
  }
}

/** Registers the processor's self-metrics on the meter core hands it. */
export function registerTailRetentionMetrics(
  meter: Meter,
  componentId: string,
  counters: TailRetentionCounters,
  outcomes: readonly RetentionDecision[],
): void {
  const base: Attributes = { 'predlog.component.id': componentId };
  const outcomeAttributes = outcomes.map(
    (outcome): Attributes =>
      outcome.keep
        ? {
            ...base,
            decision: 'kept',
            policy: outcome.policy as string,
            class: outcome.retentionClass as string,
          }
        : { ...base, decision: 'dropped' },
  );
  const gauge = (name: string, description: string, unit: string, read: () => number) =>
    meter.createObservableGauge(name, { description, unit }).addCallback((result) => {
      result.observe(read(), base);
    });
  gauge('predlog.tail_retention.buffered.groups', 'Groups waiting for their decision', '{group}', () => {
    return counters.bufferedGroups;
  });
  gauge('predlog.tail_retention.buffered.records', 'Records held in undecided groups', '{record}', () => {
    return counters.bufferedRecords;
  });
  gauge(
    'predlog.tail_retention.buffered.bytes',
    'Approximate bytes of the records held in undecided groups',
    'By',
    () => counters.bufferedBytes,
  );
  gauge(
    'predlog.tail_retention.decision_cache.entries',
    'Decisions remembered for late arrivals',
    '{group}',
    () => counters.decisionCacheEntries,
  );
  const bySlot = (name: string, description: string, unit: string, values: Float64Array) =>
    meter.createObservableCounter(name, { description, unit }).addCallback((result) => {
      for (let slot = 0; slot < values.length; slot++) {
        const n = values[slot] as number;
        if (n > 0) result.observe(n, outcomeAttributes[slot]);
      }
    });
  bySlot(
    'predlog.tail_retention.decisions',
    'Groups decided, by decision, deciding policy and retention class',
    '{group}',
    counters.groups,
  );
  bySlot(
    'predlog.tail_retention.decided_records',
    'Records of decided groups (late arrivals not included), by decision, policy and class',
    '{record}',
    counters.records,
  );
  meter
    .createObservableCounter('predlog.tail_retention.early_decisions', {
      description: 'Groups decided before their wait was over, by reason',
      unit: '{group}',
    })
    .addCallback((result) => {
      EARLY_REASONS.forEach((reason, i) => {
        const n = counters.early[i] as number;
        if (n > 0) result.observe(n, { ...base, reason });
      });
    });
  meter
    .createObservableCounter('predlog.tail_retention.late_arrivals', {
      description: 'Records that arrived after their group was decided and followed the cached decision',
      unit: '{record}',
    })
    .addCallback((result) => {
      if (counters.lateKept > 0) result.observe(counters.lateKept, { ...base, decision: 'kept' });
      if (counters.lateDropped > 0) result.observe(counters.lateDropped, { ...base, decision: 'dropped' });
    });
  meter
    .createObservableCounter('predlog.tail_retention.ungrouped_records', {
      description: 'Records without the grouping key, decided on their own at once',
      unit: '{record}',
    })
    .addCallback((result) => {
      result.observe(counters.ungroupedRecords, base);
    });
}
