import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { spillLockOwner } from './internal/spill-lock.ts';
import { parseSegmentFileName, readSegmentFile } from './internal/spill-segment-file.ts';
import type { PredlogLogRecord } from './log-record.ts';

/** One segment file of an export queue's disk spill. */
export interface SpillSegmentFile {
  readonly file: string;
  /** Orders the segments of one folder, oldest first. */
  readonly seq: number;
  /** The exporter folder it is in (`<spill.directory>/<exporter id>`). */
  readonly folder: string;
}

/** What one segment file holds. */
export interface SpillSegmentContents {
  /** The exporter id its header names; `undefined` when the header is unreadable. */
  exporter: string | undefined;
  /** Rebuilt exactly as they were queued (resource, scope, times, span context, ...). */
  records: PredlogLogRecord[];
  /** Complete lines that are not records. */
  invalidLines: number;
  /** The file ends in a partial line, cut by a crash; it was skipped. */
  tornTail: boolean;
}

/**
 * The segment files of a disk spill, for tools such as `predlog replay`. `directory` is an exporter's
 * spill folder or the spill root holding one folder per exporter; folders in name order, each
 * folder's segments oldest first.
 */
export async function listSpillSegments(directory: string): Promise<SpillSegmentFile[]> {
  const root = path.resolve(directory);
  const entries = await readdir(root, { withFileTypes: true });
  const own = segmentsIn(
    root,
    entries.filter((entry) => entry.isFile()).map((entry) => entry.name),
  );
  if (own.length > 0) return own;
  const folders = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const found: SpillSegmentFile[] = [];
  for (const name of folders) {
    const folder = path.join(root, name);
    const names = await readdir(folder).catch(() => [] as string[]);
    found.push(...segmentsIn(folder, names));
  }
  return found;
}

function segmentsIn(folder: string, names: readonly string[]): SpillSegmentFile[] {
  const segments: SpillSegmentFile[] = [];
  for (const name of names) {
    const seq = parseSegmentFileName(name);
    if (seq !== undefined) segments.push({ file: path.join(folder, name), seq, folder });
  }
  return segments.sort((a, b) => a.seq - b.seq);
}

/** Reads one segment file whole (a segment holds at most one batch). */
export async function readSpillSegment(file: string): Promise<SpillSegmentContents> {
  const parsed = await readSegmentFile(file);
  return {
    exporter: parsed.header?.exporter,
    records: parsed.records,
    invalidLines: parsed.invalidLines,
    tornTail: parsed.tornTail,
  };
}

/**
 * The pid of a live process whose export queue is using this spill folder, if any: its queue
 * replays and deletes these segments itself, so a second reader would send them twice.
 */
export function spillFolderOwner(folder: string): Promise<number | undefined> {
  return spillLockOwner(path.resolve(folder));
}
