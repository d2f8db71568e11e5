import { describe, expect, it } from 'vitest';
import { keyHash, SpillPartitions } from '../../src/internal/spill-partitions.ts';
import { removeDir, tempDir } from '../support/partition-files.ts';

describe('SpillPartitions', () => {
  it('sends equal keys of both sides to the same partition and reads every line back', async () => {
    const parent = await tempDir('spill');
    try {
      const spill = await SpillPartitions.create(parent, 8, 0);
      for (let i = 0; i < 5000; i++) {
        await spill.write(0, `k${i}`, `build ${i}`);
        await spill.write(1, `k${i}`, `probe ${i}`);
      }
      await spill.flush();
      let total = 0;
      for (let p = 0; p < 8; p++) {
        const build: string[] = [];
        const probe: string[] = [];
        await spill.forEach(0, p, (line) => {
          build.push(line.split(' ')[1] as string);
        });
        await spill.forEach(1, p, (line) => {
          probe.push(line.split(' ')[1] as string);
        });
        expect(probe).toEqual(build);
        for (const n of build) expect(spill.partitionOf(`k${n}`)).toBe(p);
        // Keys spread evenly: 5000/8 = 625 per partition, give or take.
        expect(build.length).toBeGreaterThan(500);
        expect(build.length).toBeLessThan(750);
        total += build.length;
      }
      expect(total).toBe(5000);
      expect(spill.linesWritten).toBe(10_000);
      await spill.remove();
    } finally {
      await removeDir(parent);
    }
  });

  it('a new seed splits keys anew', () => {
    const same = Array.from({ length: 1000 }, (_, i) => `req-${i}`).filter(
      (key) => keyHash(key, 0) % 8 === keyHash(key, 1) % 8,
    );
    // Independent hashes agree on 1/8 of keys.
    expect(same.length).toBeGreaterThan(80);
    expect(same.length).toBeLessThan(180);
  });
});
