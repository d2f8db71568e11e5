import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * What `predlog replay` has finished, per source (a spill segment or a file-exporter partition):
 * how many of its records, in read order, the sink acknowledged or rejected. A record counts only
 * once every record before it has, so a rerun skips exactly that many and sends the rest.
 */
export interface ReplayCheckpoint {
  version: 1;
  exporter: string;
  input: string;
  updated: string;
  sources: Record<string, number>;
}

/** Default place: beside the records, one file per exporter replayed into. */
export function defaultCheckpointFile(input: string, exporterId: string): string {
  return path.join(input, `.predlog-replay.${encodeURIComponent(exporterId)}.json`);
}

export class CheckpointMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointMismatchError';
  }
}

/** The positions saved for this input and exporter; empty when there is no checkpoint yet. */
export async function loadCheckpoint(
  file: string,
  input: string,
  exporter: string,
): Promise<Map<string, number>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  let parsed: Partial<ReplayCheckpoint>;
  try {
    parsed = JSON.parse(text) as Partial<ReplayCheckpoint>;
  } catch {
    throw new CheckpointMismatchError(
      `${file} is not a replay checkpoint (not JSON); remove it to start over`,
    );
  }
  if (parsed.version !== 1 || parsed.sources === null || typeof parsed.sources !== 'object')
    throw new CheckpointMismatchError(`${file} is not a replay checkpoint this version reads`);
  if (parsed.exporter !== exporter || parsed.input !== input)
    throw new CheckpointMismatchError(
      `${file} records a replay of ${parsed.input} into exporter ${parsed.exporter}; use --checkpoint <file> for another one`,
    );
  const positions = new Map<string, number>();
  for (const [key, value] of Object.entries(parsed.sources))
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) positions.set(key, value);
  return positions;
}

/** Writes atomically (temp file, then rename), so a crash leaves the old or the new checkpoint. */
export async function saveCheckpoint(
  file: string,
  input: string,
  exporter: string,
  positions: ReadonlyMap<string, number>,
): Promise<void> {
  const checkpoint: ReplayCheckpoint = {
    version: 1,
    exporter,
    input,
    updated: new Date().toISOString(),
    sources: Object.fromEntries(positions),
  };
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(checkpoint, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}
