import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** What one model's logs of one UTC day hold, from the files on disk. */
export interface ModelDayVolume {
  readonly model: string;
  readonly date: string;
  /** Prediction records stored. */
  readonly records: number;
  /** Σ sampling_weight (1 when absent): the predictions they stand for. */
  readonly predictions: number;
  /** Bytes of every stored line, as plain NDJSON (newlines included). */
  readonly plainBytes: number;
  /** Bytes of the files on disk (compressed where gzipped). */
  readonly diskBytes: number;
  /** Plain bytes and disk bytes of the gzipped files alone, for the compression ratio. */
  readonly gzipPlainBytes: number;
  readonly gzipDiskBytes: number;
}

export interface LogVolumeReport {
  readonly days: ModelDayVolume[];
  /** Lines that were not JSON objects (a torn last line of a file being written). */
  readonly skippedLines: number;
  /** Files that could not be read to the end (a corrupt gzip); their sizes still count. */
  readonly unreadableFiles: number;
}

const DATA_FILE = /\.ndjson(\.gz)?(\.inprogress)?$/;

/**
 * Reads a file exporter's tree (`model_name=<m>/date=<YYYY-MM-DD>/part-*.ndjson[.gz]`): per
 * partition, the sizes of its files and, line by line, its prediction records and their weights.
 * The model is the one the records name (the directory name is an escaped form of it).
 */
export async function readLogVolumes(root: string): Promise<LogVolumeReport> {
  const days: ModelDayVolume[] = [];
  let skippedLines = 0;
  let unreadableFiles = 0;
  for (const modelDir of await subdirectories(root, 'model_name=')) {
    for (const dateDir of await subdirectories(modelDir, 'date=')) {
      const date = path.basename(dateDir).slice('date='.length);
      const totals = {
        records: 0,
        predictions: 0,
        plainBytes: 0,
        diskBytes: 0,
        gzipPlainBytes: 0,
        gzipDiskBytes: 0,
      };
      let model: string | undefined;
      for (const name of (await readdir(dateDir)).filter((n) => DATA_FILE.test(n)).sort()) {
        const file = path.join(dateDir, name);
        const size = (await stat(file)).size;
        const gzip = await isGzip(file);
        let plain = 0;
        try {
          for await (const line of lines(file, gzip)) {
            plain += Buffer.byteLength(line) + 1;
            let value: unknown;
            try {
              value = JSON.parse(line);
            } catch {
              skippedLines++;
              continue;
            }
            if (typeof value !== 'object' || value === null) {
              skippedLines++;
              continue;
            }
            const record = value as Record<string, unknown>;
            if (model === undefined && typeof record.model_name === 'string') model = record.model_name;
            if (record.event !== 'ml.prediction') continue;
            totals.records++;
            const weight = record.sampling_weight;
            totals.predictions += typeof weight === 'number' && weight > 0 ? weight : 1;
          }
        } catch {
          unreadableFiles++;
        }
        totals.plainBytes += plain;
        totals.diskBytes += size;
        if (gzip) {
          totals.gzipPlainBytes += plain;
          totals.gzipDiskBytes += size;
        }
      }
      if (totals.plainBytes > 0)
        days.push({ model: model ?? path.basename(modelDir).slice('model_name='.length), date, ...totals });
    }
  }
  return { days, skippedLines, unreadableFiles };
}

async function subdirectories(dir: string, prefix: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && e.name.startsWith(prefix))
    .map((e) => path.join(dir, e.name))
    .sort();
}

/** The gzip magic number decides, not the name: a file may be caught mid-rename. */
async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

function lines(file: string, gzip: boolean): AsyncIterable<string> {
  const raw = createReadStream(file);
  const input: Readable = gzip ? raw.pipe(createGunzip()) : raw;
  return createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
}
