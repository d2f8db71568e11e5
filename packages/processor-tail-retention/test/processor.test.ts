import { LoggerProvider } from '@opentelemetry/sdk-logs';
import type { LogRecordLike } from '@predlog/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { TailRetentionConfigInput } from '../src/index.ts';
import { Harness, testEnv } from './support/harness.ts';
import { feedback, outcome, prediction, requestIds, retentionOf } from './support/records.ts';

const open: Harness[] = [];

function harness(config: TailRetentionConfigInput = {}): Harness {
  const h = new Harness(config);
  open.push(h);
  return h;
}

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

const keepErrorsAuditElseDrop: TailRetentionConfigInput = {
  policies: [{ name: 'errors', type: 'error', class: 'audit' }],
};

describe('grouping and the decision timeline', () => {
  it('holds a request until decisionWaitMs after its first record, then decides it with what came later', () => {
    const h = harness({ decisionWaitMs: 30_000, ...keepErrorsAuditElseDrop });
    expect(h.push(prediction('r1'))).toEqual([]);
    h.advance(10_000);
    // The outcome of the same request arrives later: it is what makes the group worth keeping.
    expect(h.push(outcome('r1', { attributes: { 'error.type': 'PaymentDeclined' } }))).toEqual([]);
    expect(h.advance(19_999)).toBe(0);
    expect(h.kept).toEqual([]);
    expect(h.processor.stats()).toMatchObject({ bufferedGroups: 1, bufferedRecords: 2, bufferedBytes: 1000 });

    expect(h.advance(1)).toBe(1);
    expect(h.released.map((r) => r.eventName)).toEqual(['ml.prediction', 'app.outcome']);
    for (const record of h.released)
      expect(retentionOf(record)).toEqual({ class: 'audit', policy: 'errors' });
    expect(h.processor.stats()).toMatchObject({ bufferedGroups: 0, bufferedRecords: 0, bufferedBytes: 0 });
  });

  it('drops a group no policy keeps and reports its records as retention_policy drops', () => {
    const h = harness(keepErrorsAuditElseDrop);
    h.push(prediction('ok-1'), feedback('ok-1', { label: 'legit' }), prediction('ok-2'));
    h.advance(30_000);
    expect(h.kept).toEqual([]);
    expect(h.drops).toEqual(new Map([['retention_policy', 3]]));
    expect(h.processor.stats().dropped).toEqual({ groups: 2, records: 3 });
  });

  it('decides groups in the order they started, each at its own deadline', () => {
    const h = harness({ decisionWaitMs: 1000, policies: [{ type: 'always', class: 'debug' }] });
    h.push(prediction('a'));
    h.advance(400);
    h.push(prediction('b'));
    h.advance(400);
    h.push(prediction('c'), prediction('a', { role: 'shadow' }));
    expect(h.advance(200)).toBe(1);
    expect(requestIds(h.kept)).toEqual(['a', 'a']);
    expect(h.advance(400)).toBe(1);
    expect(requestIds(h.kept)).toEqual(['a', 'a', 'b']);
    expect(h.advance(400)).toBe(1);
    expect(requestIds(h.kept)).toEqual(['a', 'a', 'b', 'c']);
  });

  it('decides due groups when the next batch arrives, and on its own interval timer', () => {
    const h = harness({ decisionWaitMs: 1000, policies: [{ type: 'always', class: 'debug' }] });
    h.push(prediction('a'));
    h.env.clock.advance(1000);
    expect(requestIds(h.push(prediction('b')))).toEqual(['a']);

    const timed = harness({
      decisionWaitMs: 1000,
      checkIntervalMs: 300,
      policies: [{ type: 'always', class: 'debug' }],
    });
    timed.push(prediction('t'));
    // The interval runs on the component's clock: at 300, 600 and 900 ms nothing is due yet.
    timed.env.clock.advance(999);
    expect(timed.released).toEqual([]);
    // Due at 1000 ms, decided by the tick at 1200 ms.
    timed.env.clock.advance(201);
    expect(requestIds(timed.released)).toEqual(['t']);
  });

  it('cancels its interval timer at shutdown', async () => {
    const h = harness({ checkIntervalMs: 1000 });
    expect(h.env.clock.pendingTimers).toBe(1);
    await h.close();
    expect(h.env.clock.pendingTimers).toBe(0);
  });

  it('decides a record without a request id on its own, at once', () => {
    const h = harness({ policies: [{ type: 'always', class: 'debug' }] });
    const passed = h.push(prediction(undefined));
    expect(passed).toHaveLength(1);
    expect(retentionOf(passed[0] as LogRecordLike)).toEqual({ class: 'debug', policy: 'always' });
    expect(h.processor.stats().ungroupedRecords).toBe(1);
  });

  it('groups by trace id when configured, joining feedback logged outside the trace by its request id', () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const h = harness({
      groupBy: 'trace_id',
      policies: [{ name: 'disputed', type: 'feedback', class: 'audit' }],
    });
    // Two requests of one trace, and a feedback record (no span context) for the second one.
    h.push(prediction('r1', { traceId: trace }), prediction('r2', { traceId: trace, label: 'fraud' }));
    h.push(feedback('r2', { label: 'legit' }));
    h.push(prediction('r3', { traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }));
    expect(h.processor.stats().bufferedGroups).toBe(2);
    h.advance(30_000);
    expect(requestIds(h.kept)).toEqual(['r1', 'r2', 'r2']);
    expect(h.dropped).toBe(1);
    // A late feedback for r1 (again without a trace) follows the trace's decision.
    expect(requestIds(h.push(feedback('r1', { label: 'legit' })))).toEqual(['r1']);
    expect(h.processor.stats().lateArrivals).toEqual({ kept: 1, dropped: 0 });
  });

  it('overwrites a retention class set upstream with its own decision', () => {
    const h = harness({ policies: [{ type: 'always', class: 'debug' }] });
    h.push(prediction('a', { attributes: { 'ml.retention.class': 'audit' } }));
    h.advance(30_000);
    expect(retentionOf(h.kept[0] as LogRecordLike).class).toBe('debug');
  });
});

describe('late arrivals', () => {
  it('with the decision cache, a record arriving after its decision follows it at once', () => {
    const h = harness({
      policies: [
        { name: 'errors', type: 'error', class: 'standard' },
        { name: 'complaints', type: 'feedback', class: 'audit' },
      ],
    });
    h.push(prediction('kept', { error: true }), prediction('dropped'));
    h.advance(30_000);
    expect(requestIds(h.kept)).toEqual(['kept']);

    // A complaint on its own would be kept by `complaints` (audit): it follows the group's decision.
    const late = h.push(feedback('kept', { complaint: true }), feedback('dropped', { complaint: true }));
    expect(requestIds(late)).toEqual(['kept']);
    expect(retentionOf(late[0] as LogRecordLike)).toEqual({ class: 'standard', policy: 'errors' });
    expect(h.processor.stats()).toMatchObject({
      bufferedGroups: 0,
      lateArrivals: { kept: 1, dropped: 1 },
      dropped: { groups: 1, records: 1 },
    });
    expect(h.dropped).toBe(2);
  });

  it('without the cache, a late record starts a group of its own and may be decided differently', () => {
    const h = harness({
      decisionCacheSize: 0,
      policies: [
        { name: 'errors', type: 'error', class: 'standard' },
        { name: 'complaints', type: 'feedback', class: 'audit' },
      ],
    });
    h.push(prediction('dropped'));
    h.advance(30_000);
    expect(h.dropped).toBe(1);
    expect(h.push(feedback('dropped', { complaint: true }))).toEqual([]);
    expect(h.processor.stats().bufferedGroups).toBe(1);
    h.advance(30_000);
    expect(requestIds(h.kept)).toEqual(['dropped']);
    expect(retentionOf(h.kept[0] as LogRecordLike).class).toBe('audit');
    expect(h.processor.stats().lateArrivals).toEqual({ kept: 0, dropped: 0 });
  });

  it('remembers only decisionCacheSize decisions, oldest forgotten first', () => {
    const h = harness({ decisionCacheSize: 2, policies: [{ type: 'always', class: 'debug' }] });
    h.push(prediction('a'), prediction('b'), prediction('c'));
    h.advance(30_000);
    expect(h.processor.stats().decisionCacheEntries).toBe(2);
    expect(requestIds(h.push(outcome('b'), outcome('c')))).toEqual(['b', 'c']);
    expect(h.push(outcome('a'))).toEqual([]);
    expect(h.processor.stats().bufferedGroups).toBe(1);
  });
});

describe('bounded memory', () => {
  const always: TailRetentionConfigInput['policies'] = [{ type: 'always', class: 'debug' }];

  it('past maxBufferedGroups, decides the oldest group early and passes it on', () => {
    const h = harness({ maxBufferedGroups: 3, policies: always });
    h.push(prediction('a'), prediction('b'), prediction('c'));
    const passed = h.push(prediction('d'), outcome('b'));
    expect(requestIds(passed)).toEqual(['a']);
    expect(h.processor.stats()).toMatchObject({
      bufferedGroups: 3,
      bufferedRecords: 4,
      earlyDecisions: { max_groups: 1, max_bytes: 0 },
    });
    h.advance(30_000);
    expect(requestIds(h.kept)).toEqual(['a', 'b', 'b', 'c', 'd']);
    expect(h.dropped).toBe(0);
  });

  it('decides a group at maxRecordsPerGroup; its later records follow the decision', () => {
    const h = harness({ maxRecordsPerGroup: 3, policies: always });
    expect(h.push(prediction('big'), outcome('big'))).toEqual([]);
    expect(requestIds(h.push(outcome('big')))).toEqual(['big', 'big', 'big']);
    expect(requestIds(h.push(outcome('big')))).toEqual(['big']);
    expect(h.processor.stats()).toMatchObject({
      earlyDecisions: { max_group_records: 1 },
      lateArrivals: { kept: 1 },
      bufferedGroups: 0,
    });
  });

  it('decides a group at maxBytesPerGroup', () => {
    const h = harness({ maxBytesPerGroup: 1500, policies: always });
    h.push(prediction('a', { approxBytes: 1000 }));
    expect(requestIds(h.push(outcome('a', { approxBytes: 600 })))).toEqual(['a', 'a']);
    expect(h.processor.stats().earlyDecisions.max_group_bytes).toBe(1);
  });

  it('past maxBufferedBytes, decides the oldest groups until the rest fits', () => {
    const h = harness({ maxBufferedBytes: 2000, maxBytesPerGroup: 2000, policies: always });
    h.push(prediction('a', { approxBytes: 800 }), prediction('b', { approxBytes: 800 }));
    const passed = h.push(prediction('c', { approxBytes: 1300 }));
    expect(requestIds(passed)).toEqual(['a', 'b']);
    expect(h.processor.stats()).toMatchObject({
      bufferedBytes: 1300,
      bufferedGroups: 1,
      earlyDecisions: { max_bytes: 2 },
    });
  });

  it('estimates the size of records that carry no approxBytes (OTel SDK records)', () => {
    const h = harness({ maxBufferedBytes: 10_000, maxBytesPerGroup: 10_000, policies: always });
    const record = prediction('a', { body: { raw_input: 'x'.repeat(4000) } });
    (record as { approxBytes?: number }).approxBytes = undefined;
    h.push(record);
    const bytes = h.processor.stats().bufferedBytes;
    expect(bytes).toBeGreaterThan(4000);
    expect(bytes).toBeLessThan(5000);
  });

  it('a huge single request does not starve the others', () => {
    const h = harness({
      maxRecordsPerGroup: 100,
      maxBytesPerGroup: 100 * 500,
      maxBufferedBytes: 1000 * 500,
      maxBufferedGroups: 1000,
      policies: always,
    });
    for (let i = 0; i < 200; i++) h.push(prediction(`small-${i}`));
    // A runaway request logging 50,000 records: 50 MB at 1 KB each if it were all held.
    for (let batch = 0; batch < 100; batch++)
      h.push(...Array.from({ length: 500 }, () => outcome('runaway', { approxBytes: 1000 })));
    const stats = h.processor.stats();
    expect(stats.bufferedGroups).toBe(200);
    expect(stats.earlyDecisions).toMatchObject({ max_groups: 0, max_bytes: 0, max_group_bytes: 1 });
    expect(stats.bufferedBytes).toBe(200 * 500);
    expect(stats.lateArrivals.kept).toBe(50_000 - 50);
    h.advance(30_000);
    expect(h.kept.filter((r) => requestIds([r])[0]?.startsWith('small-'))).toHaveLength(200);
  });
});

describe('forceFlush and shutdown', () => {
  it('forceFlush decides and passes on every buffered group', async () => {
    const h = harness({ policies: [{ type: 'error', class: 'standard' }] });
    h.push(prediction('a', { error: true }), prediction('b'), outcome('a'));
    await h.processor.forceFlush();
    expect(requestIds(h.released)).toEqual(['a', 'a']);
    expect(h.dropped).toBe(1);
    expect(h.processor.stats()).toMatchObject({ bufferedGroups: 0, earlyDecisions: { flush: 2 } });
  });

  it('shutdown decides everything, and records arriving afterwards are decided at once', async () => {
    const h = harness({ policies: [{ type: 'always', class: 'debug' }] });
    h.push(prediction('a'), prediction('b'));
    await h.processor.shutdown();
    expect(requestIds(h.released)).toEqual(['a', 'b']);
    expect(requestIds(h.push(prediction('c')))).toEqual(['c']);
    expect(h.processor.stats().bufferedGroups).toBe(0);
  });

  it('works inside a plain OTel LoggerProvider, annotating records it releases after onEmit', async () => {
    const h = harness({ policies: [{ type: 'error', class: 'audit' }] });
    const seen: LogRecordLike[] = [];
    const provider = new LoggerProvider({
      processors: [
        h.processor.pipeTo({
          onEmit: (record) => seen.push(record),
          forceFlush: async () => {},
          shutdown: async () => {},
        }),
      ],
    });
    const logger = provider.getLogger('app');
    logger.emit({ eventName: 'ml.prediction', attributes: { 'ml.request.id': 'x' } });
    logger.emit({ eventName: 'ml.prediction', attributes: { 'ml.request.id': 'y' } });
    logger.emit({ eventName: 'app.outcome', attributes: { 'ml.request.id': 'x', 'error.type': 'E' } });
    expect(seen).toEqual([]);
    await provider.forceFlush();
    expect(requestIds(seen)).toEqual(['x', 'x']);
    expect(retentionOf(seen[0] as LogRecordLike)).toEqual({ class: 'audit', policy: 'error' });
    await provider.shutdown();
  });
});

describe('self-metrics', () => {
  it('reports buffered groups and bytes, decisions by policy and class, early decisions and late arrivals', async () => {
    const env = testEnv('tail_retention/main');
    const h = new Harness(
      {
        maxBufferedGroups: 2,
        policies: [
          { name: 'errors', type: 'error', class: 'audit' },
          { name: 'baseline', type: 'always', class: 'debug' },
        ],
      },
      env,
    );
    open.push(h);
    h.push(prediction('a', { error: true }), prediction('b'), prediction('c'));
    h.push(outcome('a'));
    const metrics = await env.readMetrics();
    const point = (name: string, attributes: Record<string, unknown> = {}) =>
      metrics.get(name)?.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
        ?.value;
    const component = { 'predlog.component.id': 'tail_retention/main' };
    expect(point('predlog.tail_retention.buffered.groups', component)).toBe(2);
    expect(point('predlog.tail_retention.buffered.bytes')).toBe(1000);
    expect(point('predlog.tail_retention.buffered.records')).toBe(2);
    expect(
      point('predlog.tail_retention.decisions', { decision: 'kept', policy: 'errors', class: 'audit' }),
    ).toBe(1);
    expect(point('predlog.tail_retention.early_decisions', { reason: 'max_groups' })).toBe(1);
    expect(point('predlog.tail_retention.late_arrivals', { decision: 'kept' })).toBe(1);
    expect(point('predlog.tail_retention.decision_cache.entries')).toBe(1);
    h.advance(30_000);
    const after = await env.readMetrics();
    expect(
      after.get('predlog.tail_retention.decided_records')?.find((p) => p.attributes.policy === 'baseline')
        ?.value,
    ).toBe(2);
  });
});

describe('failures', () => {
  it('keeps a group whose evaluation throws, with the longest class, and says so once', () => {
    const h = harness({
      policies: [{ type: 'numeric_attribute', key: 'amount', min: 100, class: 'debug' }],
    });
    const hostile = prediction('a');
    Object.defineProperty(hostile, 'attributes', {
      value: new Proxy(
        { 'ml.request.id': 'a' },
        {
          get: (target, key) => {
            if (key === 'amount') throw new Error('boom');
            return (target as Record<string | symbol, unknown>)[key];
          },
          set: (target, key, value) => {
            (target as Record<string | symbol, unknown>)[key] = value;
            return true;
          },
        },
      ),
    });
    h.push(hostile);
    h.advance(30_000);
    expect(retentionOf(h.kept[0] as LogRecordLike)).toEqual({ class: 'audit', policy: 'evaluation_error' });
    expect(h.env.events.map((e) => e.code)).toContain('tail_retention.evaluation_failed');
    expect(JSON.stringify(h.env.events)).not.toContain('boom');
  });

  it('passes a kept record on even when its attributes are frozen', () => {
    const h = harness({ policies: [{ type: 'always', class: 'debug' }] });
    const frozen = prediction('a');
    Object.freeze(frozen.attributes);
    h.push(frozen);
    h.advance(30_000);
    expect(h.kept).toEqual([frozen]);
    expect(h.env.events.map((e) => e.code)).toContain('tail_retention.annotate_failed');
  });
});
