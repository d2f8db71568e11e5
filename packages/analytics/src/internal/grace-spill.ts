import { type Side, SpillPartitions } from './spill-partitions.ts';

/** Re-partitioning levels before a partition that is still too large is loaded whole (one hot key). */
const MAX_DEPTH = 4;

export interface KeyJoinSettings {
  readonly maxKeysInMemory: number;
  readonly spillPartitions: number;
  readonly spillDirectory?: string | undefined;
}

export interface SpillCounts {
  partitions: number;
  /** Levels of partitioning: 1, plus one per re-partitioning of an oversized partition. */
  levels: number;
  bytes: number;
}

/**
 * Joins partition `partition` of `files` in memory: side 0 (the build side) loaded first, then side 1
 * streamed past it. With `maySplit`, a build side found to hold more than the join's cap may be
 * given up half-way: the join returns false having emitted nothing, and the partition is split
 * again with a new hash seed. Without it (at the last level) the partition is joined whole.
 */
export type JoinPartition = (
  files: SpillPartitions,
  partition: number,
  maySplit: boolean,
) => Promise<boolean>;

/**
 * The disk phase of a Grace hash join, for a join past its memory cap: the first level of partition
 * files (`files`, which the join writes both sides to), then, once the input has ended, every
 * partition joined in memory by the join's own `JoinPartition`; one still over the cap is split again
 * with a new seed, up to 4 levels. Counts levels and bytes written; removes every file it made.
 */
export class GraceSpill {
  readonly files: SpillPartitions;
  private levels = 1;
  private bytes = 0;

  /** Synchronous (see SpillPartitions.create): the join switches to spilling between two records. */
  constructor(settings: KeyJoinSettings) {
    this.files = SpillPartitions.create(settings.spillDirectory, settings.spillPartitions, 0);
  }

  /**
   * Runs `writeLast` (the join's last lines to disk, if any), flushes, joins every partition and
   * removes the files, also when any of that fails.
   */
  async joinAll(join: JoinPartition, writeLast?: () => Promise<void>): Promise<SpillCounts> {
    const files = this.files;
    try {
      if (writeLast !== undefined) await writeLast();
      await files.flush();
      this.bytes += files.bytesWritten;
      await this.joinLevel(files, 1, join);
    } finally {
      await files.remove();
    }
    return { partitions: files.partitions, levels: this.levels, bytes: this.bytes };
  }

  /** Removes the files after an error part-way (joinAll removes them otherwise). */
  remove(): Promise<void> {
    return this.files.remove();
  }

  private async joinLevel(files: SpillPartitions, depth: number, join: JoinPartition): Promise<void> {
    for (let p = 0; p < files.partitions; p++) {
      if (!(await join(files, p, depth < MAX_DEPTH))) await this.split(files, p, depth, join);
    }
  }

  private async split(
    files: SpillPartitions,
    partition: number,
    depth: number,
    join: JoinPartition,
  ): Promise<void> {
    const sub = SpillPartitions.create(files.directory, files.partitions, files.seed + 1);
    this.levels = Math.max(this.levels, depth + 1);
    try {
      for (const side of [0, 1] as Side[]) {
        // The key is the first element of every spilled line.
        await files.forEach(side, partition, (line) =>
          sub.write(side, (JSON.parse(line) as [string])[0], line),
        );
      }
      await sub.flush();
      this.bytes += sub.bytesWritten;
      await this.joinLevel(sub, depth + 1, join);
    } finally {
      await sub.remove();
    }
  }
}
