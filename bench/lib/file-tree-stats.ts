import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface FileTreeStats {
  files: number;
  bytes: number;
  /** Newline characters: NDJSON records, since every line ends with one. */
  lines: number;
}

/** Sizes and line counts of every file under `root`, read back from disk. */
export async function fileTreeStats(root: string): Promise<FileTreeStats> {
  const stats: FileTreeStats = { files: 0, bytes: 0, lines: 0 };
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const handle = await open(path.join(entry.parentPath, entry.name), 'r');
    try {
      stats.files++;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        stats.bytes += bytesRead;
        const chunk = buffer.subarray(0, bytesRead);
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) stats.lines++;
      }
    } finally {
      await handle.close();
    }
  }
  return stats;
}

/** A fresh directory under the OS temp dir; the bench removes it with `removeTempDir`. */
export function makeTempDir(label: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `predlog-bench-${label}-`));
}

export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}
