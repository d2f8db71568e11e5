import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  type LogRecordLike,
  listSpillSegments,
  millisToHrTime,
  PredlogLogRecord,
  readSpillSegment,
  spillFolderOwner,
} from '@predlog/core';
import { queryRecords } from '@predlog/exporter-file';
import { ATTR, fromStoredRecord, RESOURCE_ATTR, type StoredRecord } from '@predlog/schema';

/** One file (a spill segment) or partition directory (a file exporter's `.../date=…/`) to replay. */
export interface ReplaySource {
  /** Path relative to the input directory, `/`-separated: the checkpoint's key. */
  readonly key: string;
  readonly path: string;
  /** Records in order; lines that are not records are counted in the input's stats, not yielded. */
  read(): AsyncIterable<LogRecordLike>;
}

export interface ReplayInputStats {
  /** Partitions not read because `--since`, `--until` or `--model` excludes all of them. */
  partitionsPruned: number;
  invalidLines: number;
  tornLines: number;
  unreadableFiles: number;
}

export interface ReplayInput {
  readonly kind: 'spill' | 'file-exporter';
  readonly sources: readonly ReplaySource[];
  readonly stats: ReplayInputStats;
}

export interface ReplayFilter {
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
  readonly model?: string | undefined;
}

/** A directory that holds nothing replayable, or a spill a live process is still using. */
export class ReplayInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayInputError';
  }
}

const SCOPE = { name: '@predlog/cli', version: '0.1.0' } as const;

/**
 * Finds what `directory` holds: an export queue's disk spill (an exporter folder, or the spill root
 * with one folder per exporter), or a file exporter's partition tree.
 */
export async function openReplayInput(
  directory: string,
  filter: ReplayFilter,
  fallbackResource: Record<string, string>,
): Promise<ReplayInput> {
  const stats: ReplayInputStats = { partitionsPruned: 0, invalidLines: 0, tornLines: 0, unreadableFiles: 0 };
  const segments = await listSpillSegments(directory);
  if (segments.length > 0) {
    for (const folder of new Set(segments.map((s) => s.folder))) {
      const owner = await spillFolderOwner(folder);
      if (owner !== undefined)
        throw new ReplayInputError(
          `${path.relative(directory, folder) || '.'} is the live spill of process ${owner}, which sends it itself; stop that process first`,
        );
    }
    return {
      kind: 'spill',
      stats,
      sources: segments.map((segment) => ({
        key: relativeKey(directory, segment.file),
        path: segment.file,
        async *read() {
          let contents: Awaited<ReturnType<typeof readSpillSegment>>;
          try {
            contents = await readSpillSegment(segment.file);
          } catch {
            // Deleted since it was listed (the queue sent it), or unreadable.
            stats.unreadableFiles++;
            return;
          }
          stats.invalidLines += contents.invalidLines;
          if (contents.tornTail) stats.tornLines++;
          yield* contents.records;
        },
      })),
    };
  }
  const partitions = await findPartitions(directory, filter, stats);
  if (partitions.length === 0)
    throw new ReplayInputError(
      'found neither spill segments (seg-*.ndjson) nor file-exporter partitions (model_name=…/date=…/) there',
    );
  const resources = new Map<string, ReturnType<typeof resourceFromAttributes>>();
  const fallback = resourceFromAttributes(fallbackResource);
  const resourceOf = (stored: StoredRecord) => {
    const name = stored.service_name;
    if (typeof name !== 'string') return fallback;
    let resource = resources.get(name);
    if (resource === undefined) {
      resource = resourceFromAttributes({ ...fallbackResource, [RESOURCE_ATTR.serviceName]: name });
      resources.set(name, resource);
    }
    return resource;
  };
  return {
    kind: 'file-exporter',
    stats,
    sources: partitions.map((partition) => ({
      key: relativeKey(directory, partition),
      path: partition,
      async *read() {
        const records = queryRecords({
          directory: partition,
          onStats: (s) => {
            stats.invalidLines += s.invalidLines;
            stats.tornLines += s.tornLines;
            stats.unreadableFiles += s.unreadableFiles;
          },
        });
        for await (const stored of records) {
          const record = fromStored(stored, resourceOf(stored));
          if (record === undefined) stats.invalidLines++;
          else yield record;
        }
      },
    })),
  };
}

/** Whether a record passes `--since`, `--until` and `--model`. */
export function matchesFilter(record: LogRecordLike, filter: ReplayFilter): boolean {
  if (filter.model !== undefined && record.attributes[ATTR.modelName] !== filter.model) return false;
  if (filter.since !== undefined || filter.until !== undefined) {
    const ms = record.hrTime[0] * 1000 + record.hrTime[1] / 1e6;
    if (filter.since !== undefined && ms < filter.since.getTime()) return false;
    if (filter.until !== undefined && ms >= filter.until.getTime()) return false;
  }
  return true;
}

function fromStored(
  stored: StoredRecord,
  resource: ReturnType<typeof resourceFromAttributes>,
): PredlogLogRecord | undefined {
  const parts = fromStoredRecord(stored);
  if (!Number.isFinite(parts.timeUnixMs)) return undefined;
  const record = new PredlogLogRecord({
    hrTime: millisToHrTime(parts.timeUnixMs),
    resource,
    instrumentationScope: SCOPE,
    attributes: parts.attributes as PredlogLogRecord['attributes'],
    body: parts.body as PredlogLogRecord['body'],
    eventName: parts.eventName,
    // Batching needs a size; the stored line's length is the record's size as JSON.
    approxBytes: JSON.stringify(stored).length,
    // Every value came from JSON.
    jsonSafe: true,
  });
  if (parts.traceId !== undefined)
    record.spanContext = {
      traceId: parts.traceId,
      spanId: parts.spanId ?? '0000000000000000',
      traceFlags: 1,
    };
  return record;
}

function relativeKey(root: string, target: string): string {
  return path.relative(root, target).split(path.sep).join('/') || '.';
}

const PARTITION_DIR = /^([A-Za-z0-9_]+)=(.*)$/;
/** The file exporter's escaped values longer than its limit end in `~<hash>` and cannot be decoded. */
const HASHED_VALUE = /~[0-9a-f]{16}$/;
const MAX_DEPTH = 8;
/** The file exporter's data files: in progress, closed or compressed. */
const DATA_FILE = /^part-.+\.ndjson(\.inprogress|\.gz)?$/;

/**
 * Partition directories holding data files, in name order (the file exporter's read order), pruned
 * by the `date=` and `model_name=` levels when the filter excludes everything below them.
 */
async function findPartitions(
  root: string,
  filter: ReplayFilter,
  stats: ReplayInputStats,
): Promise<string[]> {
  const firstDate = filter.since === undefined ? undefined : filter.since.toISOString().slice(0, 10);
  // `until` is exclusive: a record at exactly midnight belongs to the previous day.
  const lastDate =
    filter.until === undefined ? undefined : new Date(filter.until.getTime() - 1).toISOString().slice(0, 10);
  const keep = (key: string, value: string): boolean => {
    if (key === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
      if (firstDate !== undefined && value < firstDate) return false;
      if (lastDate !== undefined && value > lastDate) return false;
    }
    if (key === 'model_name' && filter.model !== undefined && !HASHED_VALUE.test(value)) {
      return decodePartitionValue(value) === filter.model;
    }
    return true;
  };
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const children = entries.filter((e) => e.isDirectory() && PARTITION_DIR.test(e.name));
    if (children.length === 0 && entries.some((e) => e.isFile() && DATA_FILE.test(e.name))) found.push(dir);
    if (depth >= MAX_DEPTH) return;
    for (const child of children) {
      const [, key = '', value = ''] = PARTITION_DIR.exec(child.name) ?? [];
      if (!keep(key, value)) {
        stats.partitionsPruned++;
        continue;
      }
      await walk(path.join(dir, child.name), depth + 1);
    }
  };
  if ((await stat(root)).isDirectory()) await walk(root, 0);
  return found;
}

function decodePartitionValue(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
