import { createTraceState, SeverityNumber } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import {
  decodeSpillHeader,
  encodeSpillHeader,
  encodeSpillRecord,
  SpillDecoder,
} from '../../src/internal/spill-codec.ts';
import { PredlogLogRecord } from '../../src/log-record.ts';

const resource = resourceFromAttributes(
  { 'service.name': 'fraud-api', 'host.name': 'node-7', 'deployment.replicas': 3 },
  { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' },
);

function fullRecord(): PredlogLogRecord {
  const record = new PredlogLogRecord({
    hrTime: [1_767_225_600, 123_456_789],
    hrTimeObserved: [1_767_225_601, 5],
    resource,
    instrumentationScope: { name: '@predlog/core', version: '0.1.0', schemaUrl: 'https://example.com/s' },
    attributes: {
      'ml.prediction.id': 'p-1',
      'ml.prediction.score': 0.9123456789012345,
      'ml.model.name': 'fraud',
      'ml.sampling.weight': 10,
      tags: ['a', 'b'],
    },
    body: {
      input_features: { amount: 129.5, country: 'NL', card_present: false, missing: null },
      raw_input: { nested: { deep: [1, 2, { x: 'y' }] }, text: 'line\nbreak "quoted" ü' },
      prediction: 'fraud',
    },
    eventName: 'ml.prediction',
    spanContext: {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
      isRemote: true,
      traceState: createTraceState('vendor=abc,other=1'),
    },
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    approxBytes: 1234,
    jsonSafe: true,
  });
  record.droppedAttributesCount = 2;
  return record;
}

function roundTrip(record: PredlogLogRecord, decoder = new SpillDecoder()): PredlogLogRecord {
  const line = encodeSpillRecord(record);
  expect(line.endsWith('\n')).toBe(true);
  expect(line.slice(0, -1)).not.toContain('\n');
  const decoded = decoder.decode(line.slice(0, -1));
  if (decoded === undefined) throw new Error('did not decode');
  return decoded;
}

describe('spill codec', () => {
  it('round-trips every field of a record exactly', () => {
    const original = fullRecord();
    const decoded = roundTrip(original);
    expect(decoded.hrTime).toEqual(original.hrTime);
    expect(decoded.hrTimeObserved).toEqual(original.hrTimeObserved);
    expect(decoded.attributes).toEqual(original.attributes);
    expect(decoded.body).toEqual(original.body);
    expect(decoded.eventName).toBe('ml.prediction');
    expect(decoded.severityNumber).toBe(SeverityNumber.WARN);
    expect(decoded.severityText).toBe('WARN');
    expect(decoded.approxBytes).toBe(1234);
    expect(decoded.jsonSafe).toBe(true);
    expect(decoded.droppedAttributesCount).toBe(2);
    expect(decoded.instrumentationScope).toEqual(original.instrumentationScope);
    expect(decoded.resource.attributes).toEqual(resource.attributes);
    expect(decoded.resource.schemaUrl).toBe(resource.schemaUrl);
    const span = decoded.spanContext;
    expect(span?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span?.spanId).toBe('00f067aa0ba902b7');
    expect(span?.traceFlags).toBe(1);
    expect(span?.isRemote).toBe(true);
    expect(span?.traceState?.get('vendor')).toBe('abc');
    expect(span?.traceState?.serialize()).toBe('vendor=abc,other=1');
  });

  it('leaves absent optional fields absent', () => {
    const bare = new PredlogLogRecord({
      hrTime: [1, 2],
      resource,
      instrumentationScope: { name: 's' },
      attributes: {},
    });
    const decoded = roundTrip(bare);
    expect(decoded.body).toBeUndefined();
    expect(decoded.eventName).toBeUndefined();
    expect(decoded.spanContext).toBeUndefined();
    expect(decoded.severityNumber).toBeUndefined();
    expect(decoded.severityText).toBeUndefined();
    expect(decoded.hrTimeObserved).toEqual([1, 2]);
    expect(decoded.instrumentationScope).toEqual({ name: 's' });
    expect(decoded.jsonSafe).toBe(false);
  });

  it('carries values JSON cannot hold when the record is not jsonSafe', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const record = new PredlogLogRecord({
      hrTime: [1, 0],
      resource,
      instrumentationScope: { name: 'foreign' },
      attributes: { big: 12345678901234567890n, nan: Number.NaN, inf: Number.NEGATIVE_INFINITY },
      body: {
        bytes: new Uint8Array([0, 1, 254, 255]),
        tagLookalike: { $predlog: 'bigint', v: '1' },
        cyclic,
        when: new Date('2026-01-31T12:00:00.000Z'),
      },
      jsonSafe: false,
    });
    const decoded = roundTrip(record);
    expect(decoded.attributes.big).toBe(12345678901234567890n);
    expect(decoded.attributes.nan).toBeNaN();
    expect(decoded.attributes.inf).toBe(Number.NEGATIVE_INFINITY);
    const body = decoded.body as Record<string, unknown>;
    expect(body.bytes).toEqual(new Uint8Array([0, 1, 254, 255]));
    // A caller's map that looks like a tag stays a map.
    expect(body.tagLookalike).toEqual({ $predlog: 'bigint', v: '1' });
    expect(body.cyclic).toEqual({ name: 'loop', self: '[Circular]' });
    expect(body.when).toBe('2026-01-31T12:00:00.000Z');
  });

  it('shares one Resource between the decoded records of a segment', () => {
    const decoder = new SpillDecoder();
    const a = roundTrip(fullRecord(), decoder);
    const b = roundTrip(fullRecord(), decoder);
    expect(a.resource).toBe(b.resource);
  });

  it('refuses lines that are not whole records', () => {
    const decoder = new SpillDecoder();
    const line = encodeSpillRecord(fullRecord()).slice(0, -1);
    expect(decoder.decode(line.slice(0, line.length - 10))).toBeUndefined();
    expect(decoder.decode('{"time":[1,2]}')).toBeUndefined();
    expect(decoder.decode('not json')).toBeUndefined();
  });

  it('writes a header naming the format version and exporter, and reads only its own version', () => {
    const header = encodeSpillHeader('loki/main', Date.parse('2026-01-31T00:00:00Z'));
    expect(decodeSpillHeader(header.trim())).toMatchObject({
      predlog: 'spill',
      version: 1,
      exporter: 'loki/main',
      created: '2026-01-31T00:00:00.000Z',
      pid: process.pid,
    });
    expect(decodeSpillHeader('{"predlog":"spill","version":99,"exporter":"x"}')).toBeUndefined();
    expect(decodeSpillHeader('{"time":[1,2]}')).toBeUndefined();
  });
});
