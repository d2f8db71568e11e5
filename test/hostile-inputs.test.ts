import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import {
  createPredictionLogger,
  type DiagnosticEvent,
  DiagnosticsChannel,
  type LogRecordLike,
  type PredictionLogger,
} from '@predlog/core';
import { instrumentHttpServer } from '@predlog/instrumentation-http';
import { redactionProcessorFactory } from '@predlog/processor-redaction';
import {
  close,
  findLeaks,
  listen,
  type MemoryExporter,
  memoryExporterFactory,
  piecesIn,
  prose,
  type StraddleCase,
  send,
  straddleCases,
  straddleShifts,
  straddling,
} from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Cross-package: every cut predlog makes before a detector sees a whole value (core's string limit,
// the map key limit, the HTTP body cap), with each kind of personal value placed across it, through
// the three ways records come in (record(), an application's own OTel LoggerProvider, an HTTP body),
// with the redaction processor's detectors in the pipeline. A cut that kept `4111 1111 1111` or
// `ann.lee@exa` would leak what no detector recognises; no piece may reach the exporter. Then the
// hostile shapes record() must survive with a defined outcome.

/** Core's default `maxStringLength`, also applied to map keys. */
const STRING_LIMIT = 8192;
/** A small body cap, so a value straddles it without megabyte bodies. */
const BODY_CAP = 4096;
const MARKER = /…\[truncated \d+ chars\]$/;

const cases = straddleCases();

interface Pipeline {
  predlog: PredictionLogger;
  exporter: MemoryExporter;
  diagnostics: DiagnosticEvent[];
}

async function pipeline(): Promise<Pipeline> {
  const exporters: MemoryExporter[] = [];
  const diagnostics: DiagnosticEvent[] = [];
  const predlog = await createPredictionLogger({
    config: {
      // Every detector on, with its default action (replace).
      processors: { 'redaction/pii': {} },
      exporters: { memory: {} },
      pipelines: {
        all: { events: ['ml.prediction', 'app.note'], processors: ['redaction/pii'], exporters: ['memory'] },
      },
    },
    components: [redactionProcessorFactory, memoryExporterFactory(exporters)],
    model: { name: 'fraud', version: '1.0.0' },
    diagnostics: new DiagnosticsChannel((event) => diagnostics.push(event)),
  });
  return { predlog, exporter: exporters[0] as MemoryExporter, diagnostics };
}

/** Every string of a value (keys included), each read on its own, with where it was. */
function strings(value: unknown, where: string, out: Array<[string, string]>): void {
  if (typeof value === 'string') out.push([where, value]);
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) strings(value[i], `${where}[${i}]`, out);
  } else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      out.push([`${where} key`, key]);
      strings(item, `${where}.${key.slice(0, 24)}`, out);
    }
}

/**
 * Every piece of `pii` in the exported records' bodies and their `app.*` attributes, each string
 * searched alone and without core's truncation marker (its count is digits of no value). Ids and
 * timestamps are left out: their digits are no value's either, and a 4-digit window would match
 * them by chance.
 */
function pieces(records: readonly LogRecordLike[], pii: StraddleCase): string[] {
  const found: string[] = [];
  records.forEach((record, r) => {
    const texts: Array<[string, string]> = [];
    strings(record.body, `record ${r} body`, texts);
    for (const [key, value] of Object.entries(record.attributes))
      if (key.startsWith('app.')) strings(value, `record ${r} ${key}`, texts);
    for (const [where, text] of texts)
      for (const piece of piecesIn(text.replace(MARKER, ''), pii)) found.push(`${where}: ${piece}`);
  });
  return found;
}

/** The whole corpus, whole values in every written form, anywhere in what was exported or reported. */
function wholeLeaks(p: Pipeline): unknown[] {
  return findLeaks([
    { where: 'exported', text: JSON.stringify(p.exporter.records.map((r) => [r.attributes, r.body])) },
    { where: 'diagnostics', text: JSON.stringify(p.diagnostics) },
  ]);
}

/** Shift n of a value: a field or key starting `shift` characters before the string limit. */
const across = (pii: StraddleCase, shift: number) => straddling(pii.value, STRING_LIMIT, shift);

let p: Pipeline;
const servers: Server[] = [];
beforeEach(async () => {
  p = await pipeline();
});
afterEach(async () => {
  for (const server of servers.splice(0)) await close(server);
  await p.predlog.shutdown();
});

describe('a personal value across a cut leaves no piece in what is exported', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s, through record()', async (_name, pii) => {
    const raw: Record<string, unknown> = {};
    const features: Record<string, unknown> = {};
    for (const shift of straddleShifts(pii.value)) {
      raw[`s${shift}`] = across(pii, shift);
      raw[across(pii, shift)] = shift;
      features[across(pii, shift)] = shift;
    }
    expect(
      p.predlog.record({ requestId: 'r', rawInput: raw, features, prediction: 1, latencyMs: 1 }),
    ).toBeTypeOf('string');
    await p.predlog.forceFlush();
    expect(p.exporter.records).toHaveLength(1);
    const body = p.exporter.records[0]?.body as { raw_input: Record<string, unknown> };
    // The cuts happened (a test that cut nothing would find nothing).
    expect(Object.values(body.raw_input).filter((v) => typeof v === 'string' && MARKER.test(v))).toHaveLength(
      pii.value.length - 1,
    );
    expect(pieces(p.exporter.records, pii)).toEqual([]);
    expect(wholeLeaks(p)).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s, through an application’s own LoggerProvider',
    async (_name, pii) => {
      const provider = new LoggerProvider({ processors: [p.predlog.logRecordProcessor()] });
      const logger = provider.getLogger('app');
      for (const shift of straddleShifts(pii.value))
        logger.emit({
          eventName: 'app.note',
          attributes: { 'app.note': across(pii, shift) },
          body: { note: across(pii, shift), [across(pii, shift)]: shift },
        });
      await provider.forceFlush();
      await p.predlog.forceFlush();
      expect(p.exporter.records).toHaveLength(pii.value.length - 1);
      expect(String(p.exporter.records[0]?.attributes['app.note'])).toMatch(MARKER);
      expect(pieces(p.exporter.records, pii)).toEqual([]);
      expect(wholeLeaks(p)).toEqual([]);
    },
  );

  /** A node:http service whose /predict route is instrumented, answering whatever the body holds. */
  async function service(maxRequestBodyBytes: number): Promise<string> {
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"label":"legit","score":0.1}');
      });
    });
    servers.push(server);
    instrumentHttpServer(server, {
      logger: p.predlog,
      routes: { 'POST /predict': { model: 'fraud' } },
      maxRequestBodyBytes,
    });
    return listen(server);
  }

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s, in an HTTP body: across the string limit, a key, the body cap, and in UTF-16',
    async (_name, pii) => {
      const url = await service(BODY_CAP * 8);
      const capped = await service(BODY_CAP);
      const json = { 'content-type': 'application/json' };
      const shifts = straddleShifts(pii.value);
      for (const shift of shifts) {
        await send(url, 'POST', '/predict', JSON.stringify({ note: across(pii, shift) }), json);
        await send(url, 'POST', '/predict', JSON.stringify({ [across(pii, shift)]: 1 }), json);
        // The value starts `shift` bytes before the cap (its prose and JSON are ASCII).
        const lead = '{"note":"';
        const body = `${lead}${prose(BODY_CAP - shift - lead.length)}${pii.value} ${prose(64)}"}`;
        expect(Buffer.byteLength(body.slice(0, body.indexOf(pii.value)))).toBe(BODY_CAP - shift);
        await send(capped, 'POST', '/predict', body, json);
        // UTF-16 (BOM): decoded before the detectors, whole and across the string limit.
        const utf16 = JSON.stringify({ whole: `pay with ${pii.value} now`, note: across(pii, shift) });
        await send(
          url,
          'POST',
          '/predict',
          Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(utf16, 'utf16le')]),
          json,
        );
      }
      await p.predlog.forceFlush();
      const records = p.exporter.records;
      expect(records).toHaveLength(shifts.length * 4);
      const rawInputs = records.map((r) => JSON.stringify((r.body as { raw_input: unknown }).raw_input));
      expect(rawInputs.filter((raw) => raw.includes('raw_input not logged'))).toHaveLength(shifts.length);
      expect(rawInputs.filter((raw) => raw.includes('"whole":"pay with [REDACTED:'))).toHaveLength(
        shifts.length,
      );
      expect(pieces(records, pii)).toEqual([]);
      expect(wholeLeaks(p)).toEqual([]);
    },
  );
});

describe('hostile shapes through record(): a defined outcome, a returned id, never an exception', () => {
  const recordRaw = async (rawInput: unknown): Promise<unknown> => {
    let id: string | undefined;
    expect(() => {
      id = p.predlog.record({ requestId: 'hostile', rawInput, prediction: 1, latencyMs: 1 });
    }).not.toThrow();
    expect(id).toBeTypeOf('string');
    await p.predlog.forceFlush();
    const record = p.exporter.records.at(-1) as LogRecordLike;
    expect(record.attributes['ml.prediction.id']).toBe(id);
    return (record.body as { raw_input: unknown }).raw_input;
  };

  it('NaN, BigInt, cycles and throwing getters', async () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(await recordRaw({ nan: Number.NaN, big: 2n ** 70n, cyclic })).toEqual({
      nan: 'NaN',
      big: '1180591620717411303424',
      cyclic: { name: 'loop', self: '[Circular]' },
    });
    const getter = {
      get boom(): never {
        throw new Error('getter');
      },
    };
    const trap = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('trap');
        },
      },
    );
    expect(await recordRaw(getter)).toBe('[unreadable]');
    expect(await recordRaw(trap)).toBe('[unreadable]');
    expect(p.predlog.stats().sanitized).toMatchObject({
      non_finite_number: 1,
      bigint: 1,
      circular: 1,
      unreadable: 2,
    });
  });

  it('a 10M-element typed array, a 1M-key object, 10 MB strings and a 10 MB key', async () => {
    const tensor = await recordRaw(new Float32Array(10_000_000));
    expect(tensor).toHaveLength(1025);
    expect((tensor as unknown[])[1024]).toBe('…[9998976 more items]');

    const wide: Record<string, number> = {};
    for (let i = 0; i < 1_000_000; i++) wide[`k${i}`] = i;
    const keys = (await recordRaw(wide)) as Record<string, unknown>;
    expect(Object.keys(keys)).toHaveLength(513);
    expect(keys['…']).toBe('more keys');

    const big = Buffer.alloc(10 * 1024 * 1024, 'ten megabytes of text ').toString();
    const strings = (await recordRaw({ note: big, [big]: 1 })) as Record<string, unknown>;
    expect(String(strings.note)).toMatch(MARKER);
    expect(String(strings.note).length).toBeLessThan(STRING_LIMIT + 40);
    const [, key] = Object.keys(strings) as [string, string];
    expect(key).toMatch(MARKER);
    expect(key.length).toBeLessThan(STRING_LIMIT + 40);

    expect(await recordRaw(big)).toMatch(MARKER);
    // What crossed the boundary was the cut values: every record exported, none dropped.
    expect(p.predlog.stats().dropped).toEqual({});
    expect(p.exporter.records).toHaveLength(4);
  });
});
