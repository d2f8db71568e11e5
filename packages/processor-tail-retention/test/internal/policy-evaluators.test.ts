import { consistentHash, type LogRecordLike } from '@predlog/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { PolicyConfigInput } from '../../src/index.ts';
import { Harness } from '../support/harness.ts';
import { feedback, outcome, prediction, retentionOf } from '../support/records.ts';

const open: Harness[] = [];

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

/** The decision one policy (class `standard`) makes on one group. */
function verdict(policy: PolicyConfigInput, records: LogRecordLike[]): 'kept' | 'dropped' {
  const h = new Harness({ policies: [{ class: 'standard', ...policy }] });
  open.push(h);
  h.push(...records);
  h.advance(30_000);
  if (h.kept.length === records.length && h.dropped === 0) return 'kept';
  if (h.kept.length === 0 && h.dropped === records.length) return 'dropped';
  throw new Error('a group was split');
}

describe('leaf policies', () => {
  it('always keeps', () => {
    expect(verdict({ type: 'always' }, [prediction('a')])).toBe('kept');
  });

  it('error: a failed prediction, an error.type on any record, or a record of severity ERROR or above', () => {
    const policy: PolicyConfigInput = { type: 'error' };
    expect(verdict(policy, [prediction('a', { error: true })])).toBe('kept');
    expect(verdict(policy, [prediction('a'), outcome('a', { attributes: { 'error.type': '500' } })])).toBe(
      'kept',
    );
    expect(verdict(policy, [prediction('a'), outcome('a', { severityNumber: 17 })])).toBe('kept');
    expect(verdict(policy, [prediction('a'), outcome('a', { severityNumber: 13 })])).toBe('dropped');
  });

  it('latency: a serving prediction slower than thresholdMs (shadows do not count)', () => {
    const policy: PolicyConfigInput = { type: 'latency', thresholdMs: 100 };
    expect(verdict(policy, [prediction('a', { latencyMs: 100.5 })])).toBe('kept');
    expect(verdict(policy, [prediction('a', { latencyMs: 100 })])).toBe('dropped');
    expect(
      verdict(policy, [
        prediction('a', { latencyMs: 5 }),
        prediction('a', { latencyMs: 500, role: 'shadow' }),
      ]),
    ).toBe('dropped');
  });

  it('numeric_attribute: any record with a number in [min, max]', () => {
    const policy: PolicyConfigInput = { type: 'numeric_attribute', key: 'http.status', min: 500, max: 599 };
    expect(verdict(policy, [prediction('a'), outcome('a', { attributes: { 'http.status': 503 } })])).toBe(
      'kept',
    );
    expect(verdict(policy, [prediction('a', { attributes: { 'http.status': 500 } })])).toBe('kept');
    expect(verdict(policy, [prediction('a', { attributes: { 'http.status': 599 } })])).toBe('kept');
    expect(verdict(policy, [prediction('a', { attributes: { 'http.status': 404 } })])).toBe('dropped');
    expect(verdict(policy, [prediction('a', { attributes: { 'http.status': '503' } })])).toBe('dropped');
    expect(
      verdict({ type: 'numeric_attribute', key: 'n', min: 10 }, [
        prediction('a', { attributes: { n: 1e9 } }),
      ]),
    ).toBe('kept');
  });

  it('string_attribute: exact values or regular expressions, on any record', () => {
    const exact: PolicyConfigInput = {
      type: 'string_attribute',
      key: 'ml.segment',
      values: ['vip', 'staff'],
    };
    expect(verdict(exact, [prediction('a', { attributes: { 'ml.segment': 'vip' } })])).toBe('kept');
    expect(verdict(exact, [prediction('a', { attributes: { 'ml.segment': 'vip-2' } })])).toBe('dropped');
    const regex: PolicyConfigInput = {
      type: 'string_attribute',
      key: 'ml.model.version',
      patterns: ['^2\\.'],
    };
    expect(verdict(regex, [prediction('a', { attributes: { 'ml.model.version': '2.3.1' } })])).toBe('kept');
    expect(verdict(regex, [prediction('a', { attributes: { 'ml.model.version': '1.2.0' } })])).toBe(
      'dropped',
    );
    // Numbers and booleans compare as their text.
    const code: PolicyConfigInput = { type: 'string_attribute', key: 'code', values: ['42'] };
    expect(verdict(code, [prediction('a'), outcome('a', { attributes: { code: 42 } })])).toBe('kept');
  });

  it('score_band: the primary prediction score in [min, max]', () => {
    const policy: PolicyConfigInput = { type: 'score_band', min: 0.4, max: 0.6 };
    expect(verdict(policy, [prediction('a', { score: 0.4 })])).toBe('kept');
    expect(verdict(policy, [prediction('a', { score: 0.6 })])).toBe('kept');
    expect(verdict(policy, [prediction('a', { score: 0.61 })])).toBe('dropped');
    // A shadow's score inside the band does not make the serving prediction interesting.
    expect(
      verdict(policy, [prediction('a', { score: 0.9 }), prediction('a', { score: 0.5, role: 'shadow' })]),
    ).toBe('dropped');
    expect(verdict({ type: 'score_band', min: 0.99 }, [prediction('a', { score: 1 })])).toBe('kept');
  });

  it('low_confidence: |score − threshold| < delta, with the record threshold or defaultThreshold', () => {
    const policy: PolicyConfigInput = { type: 'low_confidence', delta: 0.05 };
    expect(verdict(policy, [prediction('a', { score: 0.52 })])).toBe('kept');
    expect(verdict(policy, [prediction('a', { score: 0.56 })])).toBe('dropped');
    expect(verdict(policy, [prediction('a', { score: 0.71, threshold: 0.7 })])).toBe('kept');
    expect(verdict(policy, [prediction('a', { score: 0.52, threshold: 0.7 })])).toBe('dropped');
    expect(
      verdict({ type: 'low_confidence', defaultThreshold: 0.3 }, [prediction('a', { score: 0.31 })]),
    ).toBe('kept');
  });

  it('feedback: a label that disagrees with the prediction, or a complaint', () => {
    const policy: PolicyConfigInput = { type: 'feedback' };
    expect(verdict(policy, [prediction('a', { label: 'legit' }), feedback('a', { label: 'fraud' })])).toBe(
      'kept',
    );
    expect(verdict(policy, [prediction('a', { label: 'legit' }), feedback('a', { label: 'legit' })])).toBe(
      'dropped',
    );
    expect(verdict(policy, [prediction('a', { label: 1 }), feedback('a', { label: '1' })])).toBe('dropped');
    expect(verdict(policy, [prediction('a'), feedback('a', { complaint: true })])).toBe('kept');
    expect(verdict(policy, [prediction('a'), feedback('a', { complaint: false })])).toBe('dropped');
    expect(
      verdict({ type: 'feedback', onComplaint: false }, [
        prediction('a'),
        feedback('a', { complaint: true }),
      ]),
    ).toBe('dropped');
    expect(
      verdict({ type: 'feedback', onDisagreement: false }, [
        prediction('a'),
        feedback('a', { label: 'fraud' }),
      ]),
    ).toBe('dropped');
  });

  it('shadow_disagreement: a shadow (challenger) label that differs, or a score beyond scoreDelta', () => {
    const policy: PolicyConfigInput = { type: 'shadow_disagreement' };
    const serving = () => prediction('a', { label: 'legit', score: 0.2 });
    expect(verdict(policy, [serving(), prediction('a', { label: 'fraud', role: 'shadow' })])).toBe('kept');
    expect(verdict(policy, [serving(), prediction('a', { label: 'fraud', role: 'challenger' })])).toBe(
      'kept',
    );
    expect(
      verdict(policy, [serving(), prediction('a', { label: 'legit', score: 0.45, role: 'shadow' })]),
    ).toBe('dropped');
    expect(
      verdict({ type: 'shadow_disagreement', scoreDelta: 0.2 }, [
        serving(),
        prediction('a', { label: 'legit', score: 0.45, role: 'shadow' }),
      ]),
    ).toBe('kept');
    // Roles outside shadowRoles are serving predictions; no shadow, no disagreement.
    expect(verdict(policy, [serving(), prediction('a', { label: 'fraud', role: 'primary' })])).toBe(
      'dropped',
    );
    expect(verdict(policy, [prediction('a', { label: 'fraud', role: 'shadow' })])).toBe('dropped');
  });

  it('probabilistic: keeps exactly the requests the sampling processor keeps (consistentHash(requestId, seed) < rate)', () => {
    const h = new Harness({ policies: [{ type: 'probabilistic', rate: 0.25, seed: 7, class: 'debug' }] });
    open.push(h);
    const ids = Array.from({ length: 2000 }, (_, i) => `req-${i}`);
    h.push(...ids.map((id) => prediction(id)));
    h.advance(30_000);
    const kept = new Set(h.kept.map((r) => (r.attributes as Record<string, unknown>)['ml.request.id']));
    expect(kept).toEqual(new Set(ids.filter((id) => consistentHash(id, 7) < 0.25)));
    expect(kept.size).toBeGreaterThan(400);
    expect(kept.size).toBeLessThan(600);
    expect(verdict({ type: 'probabilistic', rate: 1 }, [prediction('x')])).toBe('kept');
    expect(verdict({ type: 'probabilistic', rate: 0 }, [prediction('x')])).toBe('dropped');
  });

  it('probabilistic: a record without a request id hashes its prediction id', () => {
    const h = new Harness({ policies: [{ type: 'probabilistic', rate: 0.5, class: 'debug' }] });
    open.push(h);
    const ids = Array.from({ length: 400 }, (_, i) => `pred-${i}`);
    const kept = ids.filter(
      (id) => h.push(prediction(undefined, { attributes: { 'ml.prediction.id': id } })).length === 1,
    );
    expect(kept).toEqual(ids.filter((id) => consistentHash(id, 0) < 0.5));
    expect(kept.length).toBeGreaterThan(150);
    expect(kept.length).toBeLessThan(250);
  });

  it('rate_limiting: keeps burstGroups at once, then groupsPerSecond', () => {
    const h = new Harness({
      policies: [{ type: 'rate_limiting', groupsPerSecond: 2, burstGroups: 3, class: 'debug' }],
    });
    open.push(h);
    h.push(...['a', 'b', 'c', 'd', 'e'].map((id) => prediction(id)));
    h.advance(1000);
    h.push(...['f', 'g', 'h'].map((id) => prediction(id)));
    h.advance(29_000);
    // a–e are due together: the burst of 3 is all there is.
    expect(h.kept).toHaveLength(3);
    h.advance(1000);
    // f–h come due one second later: 2 tokens have come back.
    expect(h.kept).toHaveLength(5);
    expect(h.dropped).toBe(3);
  });
});

describe('combinators', () => {
  const slowOrError: PolicyConfigInput = {
    type: 'or',
    policies: [{ type: 'error' }, { type: 'latency', thresholdMs: 100 }],
  };

  it('or keeps when any child matches', () => {
    expect(verdict(slowOrError, [prediction('a', { error: true })])).toBe('kept');
    expect(verdict(slowOrError, [prediction('a', { latencyMs: 200 })])).toBe('kept');
    expect(verdict(slowOrError, [prediction('a')])).toBe('dropped');
  });

  it('and keeps when every child matches', () => {
    const policy: PolicyConfigInput = {
      type: 'and',
      policies: [
        { type: 'string_attribute', key: 'ml.segment', values: ['vip'] },
        { type: 'score_band', min: 0.3 },
      ],
    };
    expect(verdict(policy, [prediction('a', { score: 0.5, attributes: { 'ml.segment': 'vip' } })])).toBe(
      'kept',
    );
    expect(verdict(policy, [prediction('a', { score: 0.1, attributes: { 'ml.segment': 'vip' } })])).toBe(
      'dropped',
    );
    expect(verdict(policy, [prediction('a', { score: 0.5 })])).toBe('dropped');
  });

  it('not inverts, and combinators nest', () => {
    expect(verdict({ type: 'not', policy: { type: 'error' } }, [prediction('a')])).toBe('kept');
    expect(verdict({ type: 'not', policy: { type: 'error' } }, [prediction('a', { error: true })])).toBe(
      'dropped',
    );
    const nested: PolicyConfigInput = {
      type: 'and',
      policies: [
        slowOrError,
        { type: 'not', policy: { type: 'string_attribute', key: 'ml.channel', values: ['test'] } },
      ],
    };
    expect(verdict(nested, [prediction('a', { error: true })])).toBe('kept');
    expect(verdict(nested, [prediction('a', { error: true, attributes: { 'ml.channel': 'test' } })])).toBe(
      'dropped',
    );
  });

  it('and short-circuits left to right: a rate limit after a condition only spends tokens on matches', () => {
    const h = new Harness({
      policies: [
        {
          name: 'some-errors',
          type: 'and',
          policies: [{ type: 'error' }, { type: 'rate_limiting', groupsPerSecond: 0.001, burstGroups: 2 }],
          class: 'standard',
        },
      ],
    });
    open.push(h);
    h.push(prediction('ok-1'), prediction('ok-2'), prediction('ok-3'));
    h.push(
      prediction('e-1', { error: true }),
      prediction('e-2', { error: true }),
      prediction('e-3', { error: true }),
    );
    h.advance(30_000);
    expect(h.kept.map((r) => (r.attributes as Record<string, unknown>)['ml.request.id'])).toEqual([
      'e-1',
      'e-2',
    ]);
  });
});

describe('evaluation order and the winning class', () => {
  it('evaluates by type in the stated order, combinators at their latest leaf, ties in config order', () => {
    const h = new Harness({
      policies: [
        { name: 'limit', type: 'rate_limiting', groupsPerSecond: 10, class: 'debug' },
        { name: 'sample', type: 'probabilistic', rate: 0.1, class: 'debug' },
        {
          name: 'capped-errors',
          type: 'and',
          policies: [{ type: 'error' }, { type: 'rate_limiting', groupsPerSecond: 1 }],
          class: 'debug',
        },
        { name: 'complaints', type: 'feedback', class: 'audit' },
        { name: 'slow', type: 'latency', thresholdMs: 10, class: 'debug' },
        { name: 'errors', type: 'error', class: 'standard' },
        { name: 'all', type: 'always', class: 'debug' },
        {
          name: 'not-vip',
          type: 'not',
          policy: { type: 'string_attribute', key: 's', values: ['vip'] },
          class: 'debug',
        },
      ],
    });
    open.push(h);
    expect(h.processor.evaluationOrder).toEqual([
      'all',
      'errors',
      'slow',
      'not-vip',
      'complaints',
      'sample',
      'limit',
      'capped-errors',
    ]);
  });

  it('keeps the longest class any policy grants, named after the first policy granting it', () => {
    const h = new Harness({
      policies: [
        { name: 'baseline', type: 'always', class: 'debug' },
        { name: 'errors', type: 'error', class: 'standard' },
        { name: 'slow', type: 'latency', thresholdMs: 10, class: 'standard' },
        { name: 'complaints', type: 'feedback', class: 'audit' },
      ],
    });
    open.push(h);
    h.push(prediction('plain'));
    h.push(prediction('slow-error', { error: true, latencyMs: 50 }));
    h.push(prediction('disputed', { error: true }), feedback('disputed', { complaint: true }));
    h.advance(30_000);
    const byRequest = Object.fromEntries(
      h.kept.map((r) => [(r.attributes as Record<string, unknown>)['ml.request.id'], retentionOf(r)]),
    );
    expect(byRequest).toEqual({
      plain: { class: 'debug', policy: 'baseline' },
      'slow-error': { class: 'standard', policy: 'errors' },
      disputed: { class: 'audit', policy: 'complaints' },
    });
    expect(h.processor.stats().kept).toEqual({
      baseline: { retentionClass: 'debug', groups: 1, records: 1 },
      errors: { retentionClass: 'standard', groups: 1, records: 1 },
      complaints: { retentionClass: 'audit', groups: 1, records: 2 },
    });
  });

  it('spends no rate-limit token on a group an earlier policy keeps for at least as long', () => {
    const h = new Harness({
      policies: [
        { name: 'errors', type: 'error', class: 'standard' },
        { name: 'limit', type: 'rate_limiting', groupsPerSecond: 0.001, burstGroups: 1, class: 'debug' },
      ],
    });
    open.push(h);
    h.push(prediction('e-1', { error: true }), prediction('e-2', { error: true }), prediction('plain'));
    h.advance(30_000);
    expect(h.kept.map(retentionOf)).toEqual([
      { class: 'standard', policy: 'errors' },
      { class: 'standard', policy: 'errors' },
      { class: 'debug', policy: 'limit' },
    ]);
  });

  it('uses the configured class names and durations', () => {
    const h = new Harness({
      retentionDaysByClass: { short: 1, forever: 36500 },
      policies: [
        { type: 'always', class: 'short' },
        { type: 'error', class: 'forever' },
      ],
    });
    open.push(h);
    h.push(prediction('a', { error: true }), prediction('b'));
    h.advance(30_000);
    expect(h.kept.map((r) => retentionOf(r).class)).toEqual(['forever', 'short']);
  });
});
