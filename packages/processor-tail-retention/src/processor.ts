import {
  BaseProcessor,
  type Clock,
  type ComponentServices,
  type Diagnostics,
  type LogRecordLike,
  type TimerHandle,
} from '@predlog/core';
import { ATTR } from '@predlog/schema';
import type { TailRetentionConfig } from './config.ts';
import { DecisionTable } from './internal/decision-table.ts';
import { FingerprintMap, keyFingerprint } from './internal/fingerprint-map.ts';
import { GroupQueue } from './internal/group-queue.ts';
import { type Attributes, GroupView, requestIdOf } from './internal/group-view.ts';
import { type PendingGroup, traceIdOf } from './internal/pending-group.ts';
import { recordBytes } from './internal/record-size.ts';
import { type RetentionDecision, RetentionPolicies } from './internal/retention-policies.ts';
import {
  EARLY_REASONS,
  type EarlyReason,
  registerTailRetentionMetrics,
  TailRetentionCounters,
} from './internal/tail-retention-metrics.ts';

/** What `predlog.records.dropped{reason}` calls the records of groups no policy keeps. */
export const RETENTION_DROP_REASON = 'retention_policy';

const EARLY_INDEX: Readonly<Record<EarlyReason, number>> = Object.fromEntries(
  EARLY_REASONS.map((reason, i) => [reason, i]),
) as Record<EarlyReason, number>;

/** Counts since the processor started (the same figures as its metrics). */
export interface TailRetentionStats {
  bufferedGroups: number;
  bufferedRecords: number;
  bufferedBytes: number;
  decisionCacheEntries: number;
  /** Groups and records kept, by deciding policy (with the class it granted). */
  kept: Record<string, { retentionClass: string; groups: number; records: number }>;
  dropped: { groups: number; records: number };
  /** Groups decided before their wait was over, by reason. */
  earlyDecisions: Record<EarlyReason, number>;
  /** Records that arrived after their group's decision and followed it (decision cache hits). */
  lateArrivals: { kept: number; dropped: number };
  ungroupedRecords: number;
}

/**
 * Tail-based retention. Holds the records of each request (or trace) for `decisionWaitMs` after
 * its first record, so the policies see the prediction together with what followed it (errors,
 * feedback, shadow predictions); then keeps the group with the longest retention class any policy
 * grants (`ml.retention.class`, `ml.retention.policy`) or drops it. Memory is bounded by groups,
 * records per group and bytes: on overflow the oldest groups (or the group over its own limit) are
 * decided early with what is known, never dropped undecided. Decided keys are remembered, so later
 * records follow their group's decision.
 */
export class TailRetentionProcessor extends BaseProcessor {
  readonly holdsRecords = true;
  private readonly config: TailRetentionConfig;
  private readonly clock: Clock;
  private readonly diagnostics: Diagnostics;
  private readonly policies: RetentionPolicies;
  private readonly view: GroupView;
  /** Undecided groups by key fingerprint. */
  private readonly pending: FingerprintMap<PendingGroup>;
  /** The same groups, oldest first: start order is also due order. */
  private readonly queue = new GroupQueue();
  /** Remembered decisions by key fingerprint, for late arrivals. */
  private readonly decisions: DecisionTable;
  /** trace_id grouping: request id → the group of its trace, so feedback without a trace joins it. */
  private readonly aliases: Map<string, PendingGroup> | undefined;
  private readonly counters: TailRetentionCounters;
  private readonly timer: TimerHandle;
  private droppedSinceReport = 0;
  private ungroupedSequence = 0;
  private closed = false;

  constructor(config: TailRetentionConfig, services: ComponentServices) {
    super(services.id);
    this.config = config;
    this.clock = services.clock;
    this.diagnostics = services.diagnostics;
    this.policies = new RetentionPolicies(config.policies, config.retentionDaysByClass, {
      monotonicMs: () => services.clock.monotonic(),
    });
    this.view = new GroupView(new Set(config.shadowRoles), config.groupBy === 'request_id');
    this.aliases = config.groupBy === 'trace_id' ? new Map() : undefined;
    this.pending = new FingerprintMap(config.maxBufferedGroups);
    this.decisions = new DecisionTable(config.decisionCacheSize);
    this.counters = new TailRetentionCounters(this.policies.outcomes.length);
    registerTailRetentionMetrics(services.meter, services.id, this.counters, this.policies.outcomes);
    // On the component's clock, so a test moving a fake clock sees the ticks; the system clock's
    // timers are unref'd, so the interval never keeps the process alive.
    this.timer = services.clock.setInterval(() => this.decideDue(), config.checkIntervalMs);
  }

  /** Policy names in the order they are evaluated (see the README). */
  get evaluationOrder(): string[] {
    return this.policies.evaluationOrder;
  }

  process(records: LogRecordLike[]): LogRecordLike[] {
    const out: LogRecordLike[] = [];
    const now = this.clock.monotonic();
    for (const record of records) {
      try {
        this.ingest(record, now, out);
      } catch {
        // Reading the record failed (a throwing getter, a revoked Proxy) before it joined a group:
        // pass it on rather than lose it.
        this.diagnostics.warnOnce(
          'tail_retention.record_unreadable',
          'a record could not be read for grouping; it was kept as an evaluation error',
        );
        this.apply(this.policies.evaluationError, record, out);
        this.counters.decided(this.policies.evaluationError.slot, 1);
      }
    }
    this.collectDue(now, out);
    if (this.closed) this.collectAll(out);
    this.reportDroppedSoFar();
    return out;
  }

  /**
   * Decides every group whose wait is over and passes the kept records on. The interval timer on
   * `services.clock` calls it every `checkIntervalMs`; a caller may also call it directly. Returns
   * the number of groups decided.
   */
  decideDue(): number {
    const out: LogRecordLike[] = [];
    let decided = 0;
    try {
      decided = this.collectDue(this.clock.monotonic(), out);
    } catch {
      this.diagnostics.warnOnce('tail_retention.timer_failed', 'deciding due groups failed');
    }
    this.emitDownstream(out);
    this.reportDroppedSoFar();
    return decided;
  }

  /** Counts since start. */
  stats(): TailRetentionStats {
    const c = this.counters;
    const kept: TailRetentionStats['kept'] = {};
    for (const outcome of this.policies.outcomes) {
      if (!outcome.keep) continue;
      const groups = c.groups[outcome.slot] as number;
      if (groups === 0) continue;
      kept[outcome.policy as string] = {
        retentionClass: outcome.retentionClass as string,
        groups,
        records: c.records[outcome.slot] as number,
      };
    }
    const earlyDecisions = Object.fromEntries(
      EARLY_REASONS.map((reason, i) => [reason, c.early[i] as number]),
    ) as Record<EarlyReason, number>;
    return {
      bufferedGroups: c.bufferedGroups,
      bufferedRecords: c.bufferedRecords,
      bufferedBytes: c.bufferedBytes,
      decisionCacheEntries: this.decisions.size,
      kept,
      dropped: { groups: c.groups[0] as number, records: c.records[0] as number },
      earlyDecisions,
      lateArrivals: { kept: c.lateKept, dropped: c.lateDropped },
      ungroupedRecords: c.ungroupedRecords,
    };
  }

  override async shutdown(): Promise<void> {
    this.closed = true;
    this.timer.cancel();
    await super.shutdown();
  }

  /** forceFlush() and shutdown(): every buffered group is decided now and passed on. */
  protected override async flushHeld(): Promise<void> {
    const out: LogRecordLike[] = [];
    this.collectAll(out);
    this.emitDownstream(out);
    this.reportDroppedSoFar();
  }

  private ingest(record: LogRecordLike, now: number, out: LogRecordLike[]): void {
    const attributes = record.attributes as Attributes;
    const requestId = requestIdOf(attributes);
    const aliases = this.aliases;
    let key: string | undefined;
    let group: PendingGroup | undefined;
    let alias: string | undefined;
    if (aliases === undefined) {
      key = requestId;
    } else {
      const traceId = traceIdOf(record);
      if (traceId !== undefined) {
        key = traceId;
        alias = requestId;
      } else if (requestId !== undefined) {
        // Feedback and outcomes logged outside the request's trace join it through its request id.
        group = aliases.get(requestId);
        key = group === undefined ? requestId : group.key;
      }
    }
    if (key === undefined) {
      this.counters.ungroupedRecords++;
      this.decideAlone(record, out);
      return;
    }
    const fingerprint = group === undefined ? keyFingerprint(key) : group.fingerprint;
    group ??= this.pending.get(fingerprint);
    const counters = this.counters;
    if (group !== undefined && group.key !== key) {
      // Two keys with one fingerprint (p ≈ 2^-53): the newcomer cannot share the slot.
      counters.ungroupedRecords++;
      this.decideAlone(record, out);
      return;
    }
    if (group === undefined) {
      const remembered = this.decisions.get(fingerprint);
      if (remembered >= 0) {
        const decision = this.policies.outcomes[remembered] as RetentionDecision;
        if (decision.keep) counters.lateKept++;
        else counters.lateDropped++;
        this.apply(decision, record, out);
        return;
      }
      const bytes = recordBytes(record);
      if (counters.bufferedGroups >= this.config.maxBufferedGroups) {
        const oldest = this.queue.peek();
        if (oldest !== undefined) this.decide(oldest, out, 'max_groups');
      }
      group = this.queue.create(key, fingerprint, record, bytes, now + this.config.decisionWaitMs);
      this.pending.set(fingerprint, group);
      counters.bufferedGroups++;
      counters.bufferedRecords++;
      counters.bufferedBytes += bytes;
    } else {
      const bytes = recordBytes(record);
      group.add(record, bytes);
      counters.bufferedRecords++;
      counters.bufferedBytes += bytes;
    }
    if (alias !== undefined) this.addAlias(group, alias);
    this.enforceLimits(group, out);
  }

  private addAlias(group: PendingGroup, requestId: string): void {
    const aliases = this.aliases as Map<string, PendingGroup>;
    if (requestId === group.key || aliases.get(requestId) === group) return;
    aliases.set(requestId, group);
    if (group.aliases === undefined) group.aliases = [requestId];
    else group.aliases.push(requestId);
  }

  /**
   * A group at its own record or byte limit is decided at once (later records follow the cached
   * decision), so one huge request cannot take the byte budget from the others; past the total
   * byte budget the oldest groups are decided.
   */
  private enforceLimits(group: PendingGroup, out: LogRecordLike[]): void {
    if (group.count >= this.config.maxRecordsPerGroup) this.decide(group, out, 'max_group_records');
    else if (group.bytes >= this.config.maxBytesPerGroup) this.decide(group, out, 'max_group_bytes');
    while (this.counters.bufferedBytes > this.config.maxBufferedBytes) {
      const oldest = this.queue.peek();
      if (oldest === undefined) break;
      this.decide(oldest, out, 'max_bytes');
    }
  }

  private collectDue(now: number, out: LogRecordLike[]): number {
    let decided = 0;
    for (
      let group = this.queue.peek();
      group !== undefined && group.dueAtMs <= now;
      group = this.queue.peek()
    ) {
      this.decide(group, out, undefined);
      decided++;
    }
    return decided;
  }

  private collectAll(out: LogRecordLike[]): void {
    for (let group = this.queue.peek(); group !== undefined; group = this.queue.peek()) {
      this.decide(group, out, 'flush');
    }
  }

  /** Decides a group, remembers the decision, and passes its records on or counts them dropped. */
  private decide(group: PendingGroup, out: LogRecordLike[], early: EarlyReason | undefined): void {
    const counters = this.counters;
    counters.bufferedGroups--;
    counters.bufferedRecords -= group.count;
    counters.bufferedBytes -= group.bytes;
    if (early !== undefined) counters.decidedEarly(EARLY_INDEX[early]);
    const first = group.first as LogRecordLike;
    const rest = group.rest;
    group.first = undefined;
    group.rest = undefined;
    const view = this.view;
    let decision: RetentionDecision;
    try {
      view.load(group.key, first, rest);
      decision = this.policies.decide(view);
    } catch {
      decision = this.policies.evaluationError;
      this.diagnostics.warnOnce(
        'tail_retention.evaluation_failed',
        'a retention policy failed on a group; it was kept with the longest class (policy evaluation_error)',
      );
    }
    view.clear();
    // The queue drops decided groups as it meets them at its head.
    group.decided = true;
    this.pending.delete(group.fingerprint);
    this.decisions.set(group.fingerprint, decision.slot);
    const aliases = this.aliases;
    if (aliases !== undefined && group.aliases !== undefined) {
      for (const alias of group.aliases) {
        if (aliases.get(alias) === group) aliases.delete(alias);
        // A group of its own under the request id (records that came without the trace) decides itself.
        const fingerprint = keyFingerprint(alias);
        if (this.pending.get(fingerprint) === undefined) this.decisions.set(fingerprint, decision.slot);
      }
    }
    counters.decisionCacheEntries = this.decisions.size;
    counters.decided(decision.slot, group.count);
    this.apply(decision, first, out);
    if (rest !== undefined) for (const record of rest) this.apply(decision, record, out);
  }

  /** A record without the grouping key is a group of one, decided at once. */
  private decideAlone(record: LogRecordLike, out: LogRecordLike[]): void {
    const view = this.view;
    let decision: RetentionDecision;
    try {
      // Without a request id, `probabilistic` hashes the prediction id, else a running number, so
      // ungrouped records are not all kept or all dropped together.
      const predictionId = (record.attributes as Attributes)[ATTR.predictionId];
      const key = typeof predictionId === 'string' ? predictionId : `#${this.ungroupedSequence++}`;
      view.load(key, record, undefined);
      decision = this.policies.decide(view);
    } catch {
      decision = this.policies.evaluationError;
    }
    view.clear();
    this.counters.decided(decision.slot, 1);
    this.apply(decision, record, out);
  }

  private apply(decision: RetentionDecision, record: LogRecordLike, out: LogRecordLike[]): void {
    if (!decision.keep) {
      this.droppedSinceReport++;
      return;
    }
    try {
      // Written into the attribute map itself, not through setAttribute(): an OTel SDK record is
      // read-only once its onEmit() has returned, and this processor releases it later.
      const attributes = record.attributes as Record<string, unknown>;
      attributes[ATTR.retentionClass] = decision.retentionClass;
      attributes[ATTR.retentionPolicy] = decision.policy;
    } catch {
      this.diagnostics.warnOnce(
        'tail_retention.annotate_failed',
        'a kept record could not take its retention class (frozen attributes); it was passed on without',
      );
    }
    out.push(record);
  }

  private reportDroppedSoFar(): void {
    const dropped = this.droppedSinceReport;
    if (dropped === 0) return;
    this.droppedSinceReport = 0;
    this.reportDropped(dropped, RETENTION_DROP_REASON);
  }
}
