import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GraceSpill } from '../../src/internal/grace-spill.ts';
import type { SpillPartitions } from '../../src/internal/spill-partitions.ts';
import { removeDir, tempDir } from '../support/partition-files.ts';

/** Spilled lines carry their key first, as every join writes them. */
function line(key: string, side: 0 | 1): string {
  return JSON.stringify([key, side]);
}

async function linesOf(files: SpillPartitions, side: 0 | 1, partition: number): Promise<string[]> {
  const keys: string[] = [];
  await files.forEach(side, partition, (text) => {
    keys.push((JSON.parse(text) as [string])[0]);
  });
  return keys;
}

/** Runs `body` on a GraceSpill in a fresh directory, then checks that no file is left behind. */
async function withSpill(partitions: number, body: (spill: GraceSpill) => Promise<void>): Promise<void> {
  const parent = await tempDir('grace');
  try {
    await body(new GraceSpill({ maxKeysInMemory: 16, spillPartitions: partitions, spillDirectory: parent }));
    expect(await readdir(parent)).toEqual([]);
  } finally {
    await removeDir(parent);
  }
}

describe('GraceSpill', () => {
  it('joins every partition of the first level once, counts the bytes and removes the files', async () => {
    await withSpill(4, async (spill) => {
      for (let i = 0; i < 100; i++) spill.files.write(0, `k${i}`, line(`k${i}`, 0));
      // Lines written by writeLast are flushed before the partitions are joined.
      const writeLast = async () => {
        for (let i = 0; i < 100; i++) await spill.files.write(1, `k${i}`, line(`k${i}`, 1));
      };
      const seen: Array<{ partition: number; maySplit: boolean; build: string[]; probe: string[] }> = [];
      const counts = await spill.joinAll(async (files, partition, maySplit) => {
        seen.push({
          partition,
          maySplit,
          build: await linesOf(files, 0, partition),
          probe: await linesOf(files, 1, partition),
        });
        return true;
      }, writeLast);
      expect(seen.map((s) => s.partition)).toEqual([0, 1, 2, 3]);
      expect(seen.every((s) => s.maySplit)).toBe(true);
      for (const s of seen) expect(s.probe.sort()).toEqual(s.build.sort());
      expect(seen.flatMap((s) => s.build)).toHaveLength(100);
      expect(counts).toEqual({ partitions: 4, levels: 1, bytes: spill.files.bytesWritten });
    });
  });

  it('splits a partition its join gives up on with a new seed, down to the last level', async () => {
    await withSpill(2, async (spill) => {
      const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
      for (const key of keys) {
        spill.files.write(0, key, line(key, 0));
        spill.files.write(1, key, line(key, 1));
      }
      const target = spill.files.partitionOf('k0');
      const joined: string[] = [];
      const calls: Array<{ seed: number; maySplit: boolean }> = [];
      const counts = await spill.joinAll(async (files, partition, maySplit) => {
        const build = await linesOf(files, 0, partition);
        // Every level below the first holds only keys of the partition that was given up on.
        if (files.seed > 0) {
          calls.push({ seed: files.seed, maySplit });
          for (const key of build) expect(spill.files.partitionOf(key)).toBe(target);
          for (const key of build) expect(files.partitionOf(key)).toBe(partition);
          expect((await linesOf(files, 1, partition)).sort()).toEqual([...build].sort());
        }
        // Gives up on every partition that holds k0 while it may.
        if (maySplit && build.includes('k0')) return false;
        joined.push(...build);
        return true;
      });
      expect(counts.levels).toBe(4);
      expect(counts.bytes).toBeGreaterThan(spill.files.bytesWritten);
      // The last level may not split; each key was joined exactly once.
      expect(calls.filter((c) => !c.maySplit).every((c) => c.seed === 3)).toBe(true);
      expect(calls.some((c) => c.seed === 3 && !c.maySplit)).toBe(true);
      expect(joined.sort()).toEqual([...keys].sort());
    });
  });

  it('removes every file when a partition join fails', async () => {
    await withSpill(2, async (spill) => {
      for (let i = 0; i < 50; i++) spill.files.write(0, `k${i}`, line(`k${i}`, 0));
      let depth = 0;
      await expect(
        spill.joinAll(async () => {
          depth += 1;
          // Fails one level down, while a sub-level's files exist too.
          if (depth === 2) throw new Error('join failed');
          return false;
        }),
      ).rejects.toThrow('join failed');
    });
  });
});
