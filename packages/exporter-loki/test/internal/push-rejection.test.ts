import { describe, expect, it } from 'vitest';
import type { StreamSegment } from '../../src/internal/batch-planner.ts';
import type { LokiEntry } from '../../src/internal/line-encoder.ts';
import { attributeRejection, parseGoTime } from '../../src/internal/push-rejection.ts';
import { goTime, grouped, ingesterReport, lineTooLong, tooOld } from '../support/loki-answers.ts';

const LABELS = '{model_name="fraud", service_name="fraud-service"}';
const entry = (seconds: number, nanos: number, lineBytes = 100): LokiEntry => ({
  seconds,
  nanos,
  line: 'x'.repeat(lineBytes),
  lineBytes,
  metadata: undefined,
  size: lineBytes + 12,
});
function segment(entries: LokiEntry[]): StreamSegment {
  return {
    labels: LABELS,
    labelBytes: LABELS.length,
    labelPairs: [],
    entries,
    indexes: entries.map((_, i) => 100 + i),
  };
}
const T = 1_769_860_800;
const five = () =>
  segment([entry(T, 1), entry(T, 2), entry(T + 1, 0, 300_000), entry(T + 2, 5), entry(T + 3, 0)]);

describe('parseGoTime', () => {
  it("reads Go's time.Time.String() to the nanosecond, in any offset, with or without a monotonic part", () => {
    expect(parseGoTime('2026-01-31 12:00:00.000000005 +0000 UTC')).toBe(1_769_860_800_000_000_005n);
    expect(parseGoTime('2026-01-31 13:00:00.5 +0100 CET')).toBe(1_769_860_800_500_000_000n);
    expect(parseGoTime('2026-01-31 07:00:00 -0500 EST m=+0.000123456')).toBe(1_769_860_800_000_000_000n);
    expect(parseGoTime(goTime(T, 123))).toBe(1_769_860_800_000_000_123n);
    for (const bad of ['2026-01-31T12:00:00Z', 'yesterday', '', '2026-01-31 12:00:00'])
      expect(parseGoTime(bad)).toBeUndefined();
  });
});

describe('attributeRejection', () => {
  it('matches grouped validation errors (Loki 3.x) to the entries they name, one for one', () => {
    const body = grouped([
      [1, tooOld(LABELS, T, 1)],
      [1, lineTooLong(LABELS, 262_144, 300_000)],
      [1, tooOld(LABELS, T + 2, 5)],
    ]);
    expect(attributeRejection(`${body}\n`, five())).toEqual({
      exact: true,
      positions: [0, 2, 3],
      reasons: ['timestamp too old', 'line over max_line_size', 'timestamp too old'],
    });
  });

  it("matches the ingester's report for the stream when it lists every entry it ignored", () => {
    const body = ingesterReport(
      LABELS,
      [
        [T, 2],
        [T + 3, 0],
      ],
      'entry too far behind, oldest acceptable timestamp is: x',
      2,
      5,
    );
    expect(attributeRejection(body, five())).toMatchObject({ exact: true, positions: [1, 4] });
    const attribution = attributeRejection(body, five());
    const reason = attribution.exact ? attribution.reasons[0] : undefined;
    expect(reason).toBe('entry too far behind, oldest acceptable timestamp is: x');
  });

  it('is not exact when the answer may leave refused entries out', () => {
    // A single ungrouped message: older Lokis report only the last invalid entry.
    expect(attributeRejection(tooOld(LABELS, T, 1), five())).toEqual({ exact: false, namedEntries: true });
    // The ingester lists at most max_returned_stream_errors of them.
    expect(
      attributeRejection(ingesterReport(LABELS, [[T, 2]], 'entry too far behind', 3, 5), five()),
    ).toEqual({ exact: false, namedEntries: true });
    // It saw fewer entries than were sent: the distributor refused some and did not say.
    expect(
      attributeRejection(ingesterReport(LABELS, [[T, 2]], 'entry too far behind', 1, 4), five()),
    ).toEqual({ exact: false, namedEntries: true });
    // A group that names no entry (a stream-level problem) beside one that does.
    const mixed = grouped([
      [1, tooOld(LABELS, T, 1)],
      [2, `stream '${LABELS}' has structured metadata too large: '70000' bytes, limit: '65536' bytes.`],
    ]);
    expect(attributeRejection(mixed, five())).toEqual({ exact: false, namedEntries: true });
  });

  it('is not exact when what it names cannot be matched one for one', () => {
    // Another stream (a shard label the distributor added, say).
    const sharded = '{__stream_shard__="1", model_name="fraud", service_name="fraud-service"}';
    expect(attributeRejection(grouped([[1, tooOld(sharded, T, 1)]]), five()).exact).toBe(false);
    // No entry at that instant.
    expect(attributeRejection(grouped([[1, tooOld(LABELS, T + 9, 0)]]), five()).exact).toBe(false);
    // Two entries at the same instant and one refused: which one is not said.
    const twins = segment([entry(T, 7), entry(T, 7), entry(T + 1, 0)]);
    expect(attributeRejection(grouped([[1, tooOld(LABELS, T, 7)]]), twins).exact).toBe(false);
    expect(attributeRejection(grouped([[2, tooOld(LABELS, T, 7)]]), twins)).toMatchObject({
      exact: true,
      positions: [0, 1],
    });
  });

  it('reads an answer about the whole push (labels, an empty push, anything else) as naming no entry', () => {
    for (const body of [
      "stream '{model_name=\"fraud\"}' has label value too long: 'xxxx'",
      'error at least one valid stream is required for ingestion',
      '',
      'entry for stream has timestamp too old: 2020-01-01T00:00:00Z',
    ])
      expect(attributeRejection(body, five())).toEqual({ exact: false, namedEntries: false });
  });

  it('stays linear on a long hostile answer', () => {
    const hostile = `${"entry for stream '".repeat(3000)}${"' has timestamp too old: ".repeat(3000)}`;
    expect(attributeRejection(hostile, five()).exact).toBe(false);
    const groups = `1 errors like: ${'; 1 errors like: x'.repeat(5000)}`;
    expect(attributeRejection(groups, five()).exact).toBe(false);
  });
});
