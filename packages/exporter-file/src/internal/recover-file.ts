import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import {
  type ChainState,
  hashLine,
  isHeaderLine,
  isTrailerLine,
  readChainFields,
  trailerLine,
} from './hash-chain.ts';

const BLOCK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/** Offset of the last `\n` before `end`, or -1, reading backwards block by block. */
async function lastNewlineBefore(handle: FileHandle, end: number): Promise<number> {
  const block = Buffer.allocUnsafe(BLOCK_BYTES);
  let blockEnd = end;
  while (blockEnd > 0) {
    const blockStart = Math.max(0, blockEnd - BLOCK_BYTES);
    const length = blockEnd - blockStart;
    const { bytesRead } = await handle.read(block, 0, length, blockStart);
    const at = block.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (at !== -1) return blockStart + at;
    blockEnd = blockStart;
  }
  return -1;
}

async function readRange(handle: FileHandle, start: number, end: number): Promise<Buffer> {
  const buffer = Buffer.alloc(end - start);
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, start + offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
  return buffer.subarray(0, offset);
}

export interface FileRecovery {
  /** Bytes of a torn last line that were cut off. */
  readonly cutBytes: number;
  /** The file held no complete line and was removed instead of closed. */
  readonly removed: boolean;
}

/**
 * Closes an in-progress file left by a process that died: cuts a torn last line, writes a trailer
 * noting the cut when the file is hash-chained (so it still verifies), and renames it closed.
 */
export async function recoverInprogressFile(
  inprogressPath: string,
  closedPath: string,
  options: { fsync: boolean; nowMs: number },
): Promise<FileRecovery> {
  const handle = await open(inprogressPath, 'r+');
  let cutBytes = 0;
  let removed = false;
  try {
    const { size } = await handle.stat();
    const lastNewline = await lastNewlineBefore(handle, size);
    const validEnd = lastNewline + 1;
    cutBytes = size - validEnd;
    if (cutBytes > 0) await handle.truncate(validEnd);
    if (validEnd === 0) {
      removed = true;
    } else {
      const trailer = await recoveryTrailer(handle, validEnd, cutBytes, options.nowMs);
      if (trailer !== undefined) await handle.write(Buffer.from(`${trailer}\n`), 0, undefined, validEnd);
      if (options.fsync) await handle.sync();
    }
  } finally {
    await handle.close();
  }
  if (removed) await unlink(inprogressPath);
  else await rename(inprogressPath, closedPath);
  return { cutBytes, removed };
}

/** The trailer a chained file needs, or undefined when it is not chained or already has one. */
async function recoveryTrailer(
  handle: FileHandle,
  validEnd: number,
  cutBytes: number,
  nowMs: number,
): Promise<string | undefined> {
  const firstBytes = await readRange(handle, 0, Math.min(validEnd, 64));
  if (!isHeaderLine(firstBytes.toString('utf8'))) return undefined;
  const lineStart = (await lastNewlineBefore(handle, validEnd - 1)) + 1;
  const lastLine = await readRange(handle, lineStart, validEnd - 1);
  const text = lastLine.toString('utf8');
  if (isTrailerLine(text)) return undefined;
  const state: ChainState = {
    seq: isHeaderLine(text) ? 0 : (readChainFields(text)?.seq ?? 0),
    prevHash: hashLine(lastLine),
  };
  return trailerLine(state, nowMs, { cutBytes });
}
