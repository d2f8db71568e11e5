import { access, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../src/index.ts';

describe('tempDir', () => {
  it('makes a fresh, prefixed directory each time and removes it with its contents', async () => {
    const a = await tempDir('predlog-kit-');
    const b = await tempDir('predlog-kit-');
    try {
      expect(a.path).not.toBe(b.path);
      expect(dirname(a.path)).toBe(tmpdir());
      expect(basename(a.path).startsWith('predlog-kit-')).toBe(true);
      await writeFile(join(a.path, 'data.ndjson'), '{}\n');
    } finally {
      await a.remove();
      await b.remove();
    }
    await expect(access(a.path)).rejects.toThrow();
    await expect(access(b.path)).rejects.toThrow();
  });
});
