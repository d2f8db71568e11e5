import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePartitionSegment } from './partition-path.ts';

/** Deeper trees are not ours; the cap also stops a symlink loop. */
const MAX_DEPTH = 8;

export interface PartitionDir {
  readonly path: string;
  /** `/`-separated path below the root, e.g. `model_name=fraud/date=2026-01-31`. */
  readonly relative: string;
  /** The `key=value` levels from the root down to this directory. */
  readonly levels: ReadonlyMap<string, string>;
  /** Names of the regular files in the directory, sorted (= creation order for data files). */
  readonly fileNames: readonly string[];
}

export interface WalkOptions {
  /** Return false to prune a `key=value` directory and everything below it. */
  readonly accept?: (key: string, value: string, levels: ReadonlyMap<string, string>) => boolean;
  /** Called with each pruned directory. */
  readonly onPruned?: (path: string) => void;
  /** Also yield the root when it holds files (walking one partition). */
  readonly includeRoot?: boolean;
}

async function listDir(path: string): Promise<Dirent[] | undefined> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (error) {
    // Removed under us (retention sweep, another process): nothing to walk.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Walks the Hive partition tree below `root` in name order, descending only into `key=value`
 * directories, and yields each one that holds files. The root itself must exist.
 */
export async function* walkPartitions(root: string, options: WalkOptions = {}): AsyncGenerator<PartitionDir> {
  const entries = await readdir(root, { withFileTypes: true });
  if (options.includeRoot === true) {
    const fileNames = entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
    if (fileNames.length > 0)
      yield { path: root, relative: '', levels: new Map(), fileNames: fileNames.sort() };
  }
  yield* walkEntries(root, '', entries, new Map(), options, 0);
}

async function* walkEntries(
  path: string,
  relative: string,
  entries: Dirent[],
  levels: ReadonlyMap<string, string>,
  options: WalkOptions,
  depth: number,
): AsyncGenerator<PartitionDir> {
  entries.sort(byName);
  if (relative !== '') {
    const fileNames = entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
    if (fileNames.length > 0) yield { path, relative, levels, fileNames };
  }
  if (depth >= MAX_DEPTH) return;
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const segment = parsePartitionSegment(entry.name);
    if (segment === undefined) continue;
    const childPath = join(path, entry.name);
    const childLevels = new Map(levels).set(segment.key, segment.value);
    if (options.accept !== undefined && !options.accept(segment.key, segment.value, childLevels)) {
      options.onPruned?.(childPath);
      continue;
    }
    const childEntries = await listDir(childPath);
    if (childEntries === undefined) continue;
    const childRelative = relative === '' ? entry.name : `${relative}/${entry.name}`;
    yield* walkEntries(childPath, childRelative, childEntries, childLevels, options, depth + 1);
  }
}
