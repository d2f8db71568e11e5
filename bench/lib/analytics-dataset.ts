import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { constants, createGzip } from 'node:zlib';
import { DEMO_MODEL, DemoTraffic, type FlatDemoRecord } from './demo-record.ts';

/**
 * The analytics bench's logs: the demo fraud predictions of issue 2 (23 features, raw request,
 * score, label, ~1.2 KB a line) written in the file exporter's exact layout
 * (`model_name=<m>/date=<YYYY-MM-DD>/part-<time>-<pid>-<seq>.ndjson[.gz|.inprogress]`), over
 * `days` UTC days, with what the analytics commands look at:
 *
 * - every request has a champion prediction (`model_role: champion`); one in four also a shadow
 *   prediction of version 2.4.0 (`model_role: challenger`), written right after it;
 * - predictions scoring below 0.2 were kept by a 10% sampler: `sampling_weight` 10;
 * - from the second half of the days on, `amount_vs_avg_30d` is 1.5× larger (a known drift);
 * - 5 of every 8 champion requests get a label, drawn from the score (a calibrated model), in
 *   `labels.ndjson` and `labels.csv`.
 *
 * Files hold at most 50,000 records and alternate plain and gzip (level 1, for a fast setup);
 * the last one is left `.inprogress`, as a running exporter leaves it.
 */

export interface DatasetOptions {
  readonly root: string;
  readonly records: number;
  readonly days: number;
  readonly seed?: number;
}

export interface Dataset {
  readonly logs: string;
  readonly labelsNdjson: string;
  readonly labelsCsv: string;
  readonly records: number;
  readonly labels: number;
  readonly files: number;
  readonly days: string[];
  readonly firstDay: string;
}

const FILE_RECORDS = 50_000;
const START_MS = Date.UTC(2026, 1, 1);
const DAY_MS = 86_400_000;

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function finish(stream: Writable, file: WriteStream): Promise<void> {
  stream.end();
  await once(file, 'close');
}

class PartFile {
  private readonly file: WriteStream;
  private readonly out: Writable;
  readonly finalName: string;
  private readonly tempName: string;
  private buffer: string[] = [];

  constructor(dir: string, name: string, gzip: boolean) {
    this.finalName = path.join(dir, name);
    this.tempName = `${this.finalName}.writing`;
    this.file = createWriteStream(this.tempName);
    if (gzip) {
      const zip = createGzip({ level: constants.Z_BEST_SPEED });
      zip.pipe(this.file);
      this.out = zip;
    } else this.out = this.file;
  }

  async add(line: string): Promise<void> {
    this.buffer.push(line);
    if (this.buffer.length >= 512) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = `${this.buffer.join('\n')}\n`;
    this.buffer = [];
    await write(this.out, text);
  }

  async close(): Promise<void> {
    await this.flush();
    await finish(this.out, this.file);
    await rename(this.tempName, this.finalName);
  }
}

export async function writeDataset(options: DatasetOptions): Promise<Dataset> {
  const traffic = new DemoTraffic({ seed: options.seed ?? 20260314 });
  const random = mulberry32(options.seed ?? 7);
  const logs = path.join(options.root, 'logs');
  const labelsNdjson = path.join(options.root, 'labels.ndjson');
  const labelsCsv = path.join(options.root, 'labels.csv');
  await mkdir(options.root, { recursive: true });
  const labelJson = createWriteStream(labelsNdjson);
  const labelCsv = createWriteStream(labelsCsv);
  await write(labelCsv, 'request_id,label,timestamp\n');
  // Requests: champion + (1 in 4) challenger = 1.25 records a request.
  const requests = Math.round(options.records / 1.25);
  const perDay = Math.ceil(requests / options.days);
  const driftFrom = Math.floor(options.days / 2);
  const days: string[] = [];
  let records = 0;
  let labels = 0;
  let files = 0;
  let sequence = 0;
  let labelBuffer: string[] = [];
  let csvBuffer: string[] = [];
  for (let day = 0; day < options.days && records < options.records; day++) {
    const date = new Date(START_MS + day * DAY_MS).toISOString().slice(0, 10);
    days.push(date);
    const dir = path.join(logs, `model_name=${DEMO_MODEL.name}`, `date=${date}`);
    await mkdir(dir, { recursive: true });
    let part: PartFile | undefined;
    let inPart = 0;
    const firstRequest = day * perDay;
    const lastRequest = Math.min(requests, firstRequest + perDay);
    for (let r = firstRequest; r < lastRequest && records < options.records; r++) {
      if (part === undefined || inPart >= FILE_RECORDS) {
        await part?.close();
        sequence++;
        files++;
        const stamp = new Date(START_MS + day * DAY_MS + sequence * 1000)
          .toISOString()
          .replaceAll(':', '-')
          .replace('.', '-');
        part = new PartFile(
          dir,
          `part-${stamp}-4242-${String(sequence).padStart(6, '0')}.ndjson${files % 2 === 0 ? '.gz' : ''}`,
          files % 2 === 0,
        );
        inPart = 0;
      }
      const timeMs = START_MS + day * DAY_MS + Math.floor(((r - firstRequest) * DAY_MS) / perDay);
      const timestamp = new Date(timeMs).toISOString();
      const flat: FlatDemoRecord = traffic.flatRecord(r);
      const shifted = day >= driftFrom;
      const features = shifted
        ? {
            ...flat.input_features,
            amount_vs_avg_30d: Math.round(flat.input_features.amount_vs_avg_30d * 15000) / 10000,
          }
        : flat.input_features;
      const sampled = flat.score < 0.2;
      const champion = {
        ...flat,
        timestamp,
        request_id: `req-${r}`,
        prediction_id: `pred-${r}`,
        entity_id: `cust-${r % 50_000}`,
        segment: r % 3 === 0 ? 'new-customers' : 'returning',
        model_role: 'champion',
        input_features: features,
        ...(sampled ? { sampling_weight: 10, sampling_reason: 'base_rate' } : {}),
      };
      await part.add(JSON.stringify(champion));
      inPart++;
      records++;
      if (r % 4 === 0 && records < options.records) {
        const score = Math.min(1, Math.max(0, Math.round((flat.score * 0.9 + random() * 0.1) * 1e6) / 1e6));
        await part.add(
          JSON.stringify({
            ...champion,
            prediction_id: `pred-${r}-shadow`,
            model_version: '2.4.0',
            model_role: 'challenger',
            score,
            prediction: score >= flat.threshold ? 'fraud' : 'legit',
            latency_ms: Math.round(flat.latency_ms * 1300) / 1000,
          }),
        );
        inPart++;
        records++;
      }
      if (r % 8 < 5) {
        const label = random() < flat.score ? 'fraud' : 'legit';
        const labelTime = new Date(timeMs + 30 * DAY_MS).toISOString();
        labelBuffer.push(JSON.stringify({ request_id: `req-${r}`, label, timestamp: labelTime }));
        csvBuffer.push(`req-${r},${label},${labelTime}`);
        labels++;
        if (labelBuffer.length >= 2048) {
          await write(labelJson, `${labelBuffer.join('\n')}\n`);
          await write(labelCsv, `${csvBuffer.join('\n')}\n`);
          labelBuffer = [];
          csvBuffer = [];
        }
      }
    }
    const last = day === options.days - 1 || records >= options.records;
    if (part !== undefined) {
      await part.close();
      // The newest file of the last day is still being written by a live exporter.
      if (last && part.finalName.endsWith('.ndjson'))
        await rename(part.finalName, `${part.finalName}.inprogress`);
    }
  }
  if (labelBuffer.length > 0) {
    await write(labelJson, `${labelBuffer.join('\n')}\n`);
    await write(labelCsv, `${csvBuffer.join('\n')}\n`);
  }
  labelJson.end();
  labelCsv.end();
  await Promise.all([once(labelJson, 'close'), once(labelCsv, 'close')]);
  return { logs, labelsNdjson, labelsCsv, records, labels, files, days, firstDay: days[0] ?? '' };
}
