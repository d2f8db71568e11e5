import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isControlLine, type LineReadState, readLines } from '@predlog/exporter-file';
import type { SimulationSample } from '@predlog/processor-sampling';
import { fromStoredRecord, PREDICTION_EVENT, type StoredRecord } from '@predlog/schema';
import { UsageError } from '../command.ts';

/**
 * Longest sample line read, by default. A stored record is at most about the logger's
 * `maxRecordBytes` (1 MiB by default, raw input dropped beyond), so 16 MiB leaves room for configs
 * that raise it, while one line can never take more memory than this.
 */
export const DEFAULT_MAX_SAMPLE_LINE_BYTES = 16 * 1024 * 1024;

/** Why a line of the sample was not used. */
export const SAMPLE_SKIP_REASONS = [
  /** Longer than the line cap (`--max-line-bytes`): skipped without being held whole. */
  'line_too_long',
  /** Not JSON, or JSON that is not an object. */
  'not_a_record',
  /** A record of another event (feedback): expected in a part file, not a problem. */
  'other_event',
  /** The file ended inside a line (a part file still being written, or cut). */
  'unterminated_last_line',
] as const;
export type SampleSkipReason = (typeof SAMPLE_SKIP_REASONS)[number];

export interface PredictionSampleRead {
  /** Lines not used, by reason. Blank lines and the file exporter's control lines are not counted. */
  skipped: Record<SampleSkipReason, number>;
  /**
   * Most bytes of one line held at once while reading. At most the line cap: a line, even a
   * newline-free file of gigabytes, is never held whole past it.
   */
  longestLineHeldBytes: number;
}

/** Chunks of 64 KiB from the file and from gunzip: few enough calls, little memory each. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Streams a sample of logged predictions into `sample`, one line at a time: NDJSON in the stored
 * form (a file exporter's part file, plain or .gz, or `predlog query --json` output). A line's
 * `sampling_weight` says how many predictions it stands for; its size is measured without the
 * sampling annotations. Memory: one chunk, at most `maxLineBytes` of an unfinished line, and what
 * `sample` keeps per line (not the records).
 */
export async function readPredictionSample(
  cwd: string,
  file: string,
  sample: SimulationSample,
  maxLineBytes = DEFAULT_MAX_SAMPLE_LINE_BYTES,
): Promise<PredictionSampleRead> {
  const absolute = path.resolve(cwd, file);
  try {
    if (!(await stat(absolute)).isFile()) throw new UsageError(`${file} is not a file`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const raw = createReadStream(absolute, { highWaterMark: CHUNK_BYTES });
  let input: Readable = raw;
  if (absolute.endsWith('.gz')) {
    const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
    raw.on('error', (error) => gunzip.destroy(error));
    gunzip.on('close', () => raw.destroy());
    input = raw.pipe(gunzip);
  }
  const skipped: Record<SampleSkipReason, number> = {
    line_too_long: 0,
    not_a_record: 0,
    other_event: 0,
    unterminated_last_line: 0,
  };
  const state: LineReadState = { tornTail: false, oversizedLines: 0, longestHeldBytes: 0 };
  try {
    for await (const bytes of readLines(input, state, maxLineBytes)) {
      const line = bytes.toString('utf8');
      if (line.trim() === '' || isControlLine(line)) continue;
      let stored: unknown;
      try {
        stored = JSON.parse(line);
      } catch {
        skipped.not_a_record++;
        continue;
      }
      if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) {
        skipped.not_a_record++;
        continue;
      }
      const record = stored as StoredRecord;
      if (record.event !== PREDICTION_EVENT) {
        skipped.other_event++;
        continue;
      }
      const { sampling_weight: weight, sampling_reason: _reason, _seq, _prev, ...rest } = record;
      const parts = fromStoredRecord(rest as StoredRecord);
      sample.add({
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
  skipped.line_too_long = state.oversizedLines;
  // A last line that was also too long is counted as too long only.
  if (state.tornTail && state.tornTailOversized !== true) skipped.unterminated_last_line = 1;
  return { skipped, longestLineHeldBytes: state.longestHeldBytes ?? 0 };
}
