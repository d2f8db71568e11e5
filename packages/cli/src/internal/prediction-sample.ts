import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { isControlLine } from '@predlog/exporter-file';
import type { SimulationRecord } from '@predlog/processor-sampling';
import { fromStoredRecord, PREDICTION_EVENT, type StoredRecord } from '@predlog/schema';
import { UsageError } from '../command.ts';

export interface PredictionSample {
  records: SimulationRecord[];
  /** Lines that are not JSON objects. */
  invalidLines: number;
  /** Records of other events (feedback), skipped. */
  otherEvents: number;
}

/**
 * Reads a sample of logged predictions: NDJSON in the stored form (a file exporter's part file,
 * plain or .gz, or `predlog query --json` output). A line's `sampling_weight` says how many
 * predictions it stands for; its size is measured without the sampling annotations.
 */
export async function readPredictionSample(cwd: string, file: string): Promise<PredictionSample> {
  const absolute = path.resolve(cwd, file);
  try {
    if (!(await stat(absolute)).isFile()) throw new UsageError(`${file} is not a file`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const raw = createReadStream(absolute);
  const input = absolute.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const sample: PredictionSample = { records: [], invalidLines: 0, otherEvents: 0 };
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      if (line.trim() === '' || isControlLine(line)) continue;
      let stored: unknown;
      try {
        stored = JSON.parse(line);
      } catch {
        sample.invalidLines++;
        continue;
      }
      if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) {
        sample.invalidLines++;
        continue;
      }
      const record = stored as StoredRecord;
      if (record.event !== PREDICTION_EVENT) {
        sample.otherEvents++;
        continue;
      }
      const { sampling_weight: weight, sampling_reason: _reason, _seq, _prev, ...rest } = record;
      const parts = fromStoredRecord(rest as StoredRecord);
      sample.records.push({
        attributes: parts.attributes,
        body: parts.body,
        bytes: Buffer.byteLength(JSON.stringify(rest)) + 1,
        ...(typeof weight === 'number' && weight > 0 ? { weight } : {}),
      });
    }
  } catch (error) {
    throw new UsageError(
      `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  return sample;
}
