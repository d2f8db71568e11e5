import { rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseDataFileName } from './file-names.ts';
import { isInUse } from './live-files.ts';
import {
  DATE_LEVEL,
  escapePartitionValue,
  isPartitionDate,
  RETENTION_LEVEL,
  utcDate,
} from './partition-path.ts';
import { walkPartitions } from './partition-walk.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The oldest `date=` partition kept: a day is deleted once all of it lies more than `retentionDays`
 * days in the past, so `retentionDays: 1` keeps today and yesterday.
 */
export function oldestKeptDate(nowMs: number, retentionDays: number): string {
  return utcDate(nowMs - retentionDays * DAY_MS);
}

/** How long partitions live: by retention class, with a default for the rest. */
export interface RetentionRule {
  /** Days for partitions outside any listed class; undefined keeps them forever. */
  readonly defaultDays: number | undefined;
  /** Days by class name (as written in `ml.retention.class`). */
  readonly daysByClass: Readonly<Record<string, number>>;
}

/** True when the rule would ever delete anything. */
export function sweepsAnything(rule: RetentionRule): boolean {
  return rule.defaultDays !== undefined || Object.keys(rule.daysByClass).length > 0;
}

/**
 * Deletes every `date=` partition older than its retention window, at any depth (below
 * `model_name=`, `retention=`, ...), and then any parent left empty. The window of a partition
 * below `retention=<class>/` is that class's, else the default. A partition holding a file that is
 * still being written, by this process or another live one, is left for a later sweep.
 * Returns how many partitions were deleted.
 */
export async function sweepRetention(root: string, nowMs: number, rule: RetentionRule): Promise<number> {
  // Directory names hold escaped values; compare the configured class names the same way.
  const keepFromByClass = new Map<string, string>();
  for (const [name, days] of Object.entries(rule.daysByClass))
    keepFromByClass.set(escapePartitionValue(name), oldestKeptDate(nowMs, days));
  const defaultKeepFrom =
    rule.defaultDays === undefined ? undefined : oldestKeptDate(nowMs, rule.defaultDays);
  const expired: string[] = [];
  for await (const dir of walkPartitions(root)) {
    const date = dir.levels.get(DATE_LEVEL);
    if (date === undefined || !isPartitionDate(date)) continue;
    const retentionClass = dir.levels.get(RETENTION_LEVEL);
    const keepFrom =
      (retentionClass === undefined ? undefined : keepFromByClass.get(retentionClass)) ?? defaultKeepFrom;
    if (keepFrom === undefined || date >= keepFrom) continue;
    if (!dir.relative.endsWith(`${DATE_LEVEL}=${date}`)) continue;
    const busy = dir.fileNames.some((name) => {
      const parsed = parseDataFileName(name);
      return parsed?.state === 'inprogress' && isInUse(join(dir.path, name), parsed.pid);
    });
    if (!busy) expired.push(dir.path);
  }
  let deleted = 0;
  for (const path of expired) {
    await rm(path, { recursive: true, force: true });
    deleted += 1;
    await removeEmptyParents(dirname(path), root);
  }
  return deleted;
}

async function removeEmptyParents(path: string, root: string): Promise<void> {
  for (let dir = path; dir.length > root.length && dir.startsWith(root); dir = dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      // Not empty (other dates, other writers): stop here.
      return;
    }
  }
}
