import { rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseDataFileName } from './file-names.ts';
import { isInUse } from './live-files.ts';
import { DATE_LEVEL, isPartitionDate, utcDate } from './partition-path.ts';
import { walkPartitions } from './partition-walk.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The oldest `date=` partition kept: a day is deleted once all of it lies more than `retentionDays`
 * days in the past, so `retentionDays: 1` keeps today and yesterday.
 */
export function oldestKeptDate(nowMs: number, retentionDays: number): string {
  return utcDate(nowMs - retentionDays * DAY_MS);
}

/**
 * Deletes every `date=` partition older than the retention window, at any depth (below
 * `model_name=`, `retention=`, ...), and then any parent left empty. A partition holding a file that
 * is still being written, by this process or another live one, is left for a later sweep.
 * Returns how many partitions were deleted.
 */
export async function sweepRetention(root: string, nowMs: number, retentionDays: number): Promise<number> {
  const keepFrom = oldestKeptDate(nowMs, retentionDays);
  const expired: string[] = [];
  for await (const dir of walkPartitions(root)) {
    const date = dir.levels.get(DATE_LEVEL);
    if (date === undefined || !isPartitionDate(date) || date >= keepFrom) continue;
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
