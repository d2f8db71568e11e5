import type { FileSystem, WritableFile } from '../../src/internal/file-system.ts';
import { nodeFileSystem } from '../../src/internal/file-system.ts';

function errno(code: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: injected by the test`);
  error.code = code;
  return error;
}

/**
 * A real disk (node:fs underneath) with a finite amount of free space, as the exporter's write
 * path sees it. A write that does not fit writes what fits and reports it, and the next one fails
 * with ENOSPC, as write(2) does on a full disk; truncating or removing a file gives its space back.
 * Only bytes written through this file system count (the exporter only appends to new files).
 */
export class FailingFileSystem implements FileSystem {
  /** Bytes that may still be written; Infinity is a disk that never fills. */
  freeBytes: number;
  /** Error code of failed writes: ENOSPC, EDQUOT, EIO... */
  writeErrorCode = 'ENOSPC';
  /** When set, `truncate` fails with this code (a disk that cannot even cut back). */
  truncateErrorCode: string | undefined;
  /** Renames that fail (EIO) before renames work again. */
  failingRenames = 0;
  /** Called before each write; lets a test act mid-batch (abort a signal, free space). */
  beforeWrite: (() => void) | undefined;
  writeCalls = 0;
  failedWrites = 0;
  private readonly sizes = new Map<string, number>();

  constructor(freeBytes = Number.POSITIVE_INFINITY) {
    this.freeBytes = freeBytes;
  }

  async open(path: string, flags: string, mode: number): Promise<WritableFile> {
    const handle = await nodeFileSystem.open(path, flags, mode);
    this.sizes.set(path, 0);
    return {
      write: async (buffer, offset, length) => {
        this.writeCalls += 1;
        this.beforeWrite?.();
        const fits = Math.min(length, this.freeBytes);
        if (fits <= 0) {
          this.failedWrites += 1;
          throw errno(this.writeErrorCode);
        }
        const result = await handle.write(buffer, offset, fits);
        this.freeBytes -= result.bytesWritten;
        this.sizes.set(path, (this.sizes.get(path) ?? 0) + result.bytesWritten);
        return result;
      },
      truncate: async (length) => {
        if (this.truncateErrorCode !== undefined) throw errno(this.truncateErrorCode);
        await handle.truncate(length);
        this.freeBytes += (this.sizes.get(path) ?? 0) - length;
        this.sizes.set(path, length);
      },
      datasync: () => handle.datasync(),
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
  }

  mkdir(path: string, options: { recursive: true; mode: number }): Promise<unknown> {
    return nodeFileSystem.mkdir(path, options);
  }

  async rename(from: string, to: string): Promise<void> {
    if (this.failingRenames > 0) {
      this.failingRenames -= 1;
      throw errno('EIO');
    }
    await nodeFileSystem.rename(from, to);
    const size = this.sizes.get(from);
    this.sizes.delete(from);
    if (size !== undefined) this.sizes.set(to, size);
  }

  async unlink(path: string): Promise<void> {
    await nodeFileSystem.unlink(path);
    this.freeBytes += this.sizes.get(path) ?? 0;
    this.sizes.delete(path);
  }
}
