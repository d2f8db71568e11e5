import { ATTR } from '@predlog/schema';
import { describe, expect, it } from 'vitest';
import { type CaptureOptions, RecordCapture } from '../../src/internal/record-capture.ts';
import type { PredictionInput } from '../../src/prediction-input.ts';
import { proseOnly, valueAcross } from './personal-values.ts';

const OPTIONS: CaptureOptions = {
  maxStringLength: 8192,
  maxDepth: 8,
  maxArrayLength: 1024,
  maxObjectKeys: 512,
  maxRecordBytes: 1_048_576,
  captureTraceContext: false,
  model: { name: 'fraud', version: '1' },
  servingNode: 'node-1',
};

function recordCapture(options: Partial<CaptureOptions> = {}) {
  const warnings: string[] = [];
  const capture = new RecordCapture({ ...OPTIONS, ...options }, (code) => warnings.push(code));
  return { capture, warnings };
}

const CARD = '4111 1111 1111 1111';
const MB = 1024 * 1024;

/** A 10 MB string with a card straddling the 8,192-character limit. */
const huge = () => valueAcross(CARD, 8192, 9, 10 * MB);

describe('scalar fields are cut and counted on the caller’s thread', () => {
  const scalars = {
    segment: 'segment',
    channel: 'channel',
    region: 'region',
    sessionId: 'sessionId',
    entityId: 'entityId',
    role: 'role',
    batchId: 'batchId',
    servingNode: 'servingNode',
  } as const;

  it('a 10 MB scalar is cut before the hand-off, with its captured size in the snapshot', () => {
    for (const field of Object.values(scalars)) {
      const { capture } = recordCapture();
      const input = { requestId: 'r', latencyMs: 1, [field]: huge() } as PredictionInput;
      const snapshot = capture.predictionSnapshot(input, undefined, 1, undefined);
      const held = (snapshot as unknown as Record<string, unknown>)[field] as string;
      expect(held.length, field).toBeLessThan(8192 + 40);
      expect(snapshot.bytes, field).toBeGreaterThan(8000);
      expect(snapshot.bytes, field).toBeLessThan(8192 + 1024);
      expect(proseOnly(held.slice(0, held.indexOf('…[truncated')))).toBe(true);
    }
  });

  it('raw input, prediction, error message and model strings: cut once, counted once', () => {
    const { capture } = recordCapture();
    const error = new Error(huge());
    const snapshot = capture.predictionSnapshot(
      {
        requestId: 'r',
        latencyMs: 1,
        rawInput: huge(),
        prediction: huge(),
        error,
        model: { name: huge(), version: '1' },
      },
      undefined,
      1,
      undefined,
    );
    expect(snapshot.bytes).toBeLessThan(4 * (8192 + 64) + 512);
    const record = capture.predictionRecord(snapshot);
    for (const text of [
      record.body?.raw_input,
      record.body?.prediction,
      record.attributes[ATTR.errorMessage],
      record.attributes[ATTR.modelName],
    ] as string[]) {
      // One marker: the background half does not cut what the caller's thread already cut.
      expect(text.match(/…\[truncated/g)).toHaveLength(1);
      expect(proseOnly(text.slice(0, text.indexOf('…[truncated')))).toBe(true);
    }
    expect(record.approxBytes).toBe(snapshot.bytes);
  });

  it('a request id over 256 characters is cut the safe way; one that cuts to nothing is replaced', () => {
    const { capture, warnings } = recordCapture();
    const id = valueAcross(CARD, 256, 7);
    const record = capture.predictionRecord(
      capture.predictionSnapshot({ requestId: id, latencyMs: 1 }, undefined, 1, undefined),
    );
    const kept = record.attributes[ATTR.requestId] as string;
    expect(kept.length).toBeLessThanOrEqual(256);
    expect(id.startsWith(kept)).toBe(true);
    expect(proseOnly(kept)).toBe(true);
    const token = capture.predictionRecord(
      capture.predictionSnapshot({ requestId: 'x'.repeat(300), latencyMs: 1 }, undefined, 1, undefined),
    );
    expect(token.attributes[ATTR.requestId]).toMatch(/^[0-9a-f-]{36}$/);
    expect(warnings).toContain('invalid_field.request_id');
  });

  it('oversized trace ids and timestamps are not held: they are invalid and left out', () => {
    const { capture } = recordCapture();
    const snapshot = capture.predictionSnapshot(
      {
        requestId: 'r',
        latencyMs: 1,
        traceId: 'a'.repeat(MB),
        spanId: 'b'.repeat(MB),
        timestamp: '2'.repeat(MB),
      },
      undefined,
      1,
      undefined,
    );
    expect(String(snapshot.traceId).length).toBeLessThan(64);
    expect(String(snapshot.spanId).length).toBeLessThan(64);
    expect(String(snapshot.time).length).toBeLessThan(64);
    const record = capture.predictionRecord(snapshot);
    expect(record.traceId).toBeUndefined();
  });

  it('feedback strings are cut the safe way too', () => {
    const { capture } = recordCapture({ maxStringLength: 64 });
    const record = capture.feedback({
      requestId: 'r',
      label: valueAcross(CARD, 64, 6),
      source: 'chargeback',
    });
    const label = record?.attributes[ATTR.feedbackLabel] as string;
    expect(proseOnly(label.slice(0, label.indexOf('…[truncated')))).toBe(true);
  });
});
