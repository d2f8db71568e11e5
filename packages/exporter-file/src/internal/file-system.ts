import { mkdir, open, rename, unlink } from 'node:fs/promises';

/** What the partition writer does with an open file: the subset of node's `FileHandle` it uses. */
export interface WritableFile {
  /** May write fewer bytes than asked (a disk filling up); the caller writes the rest. */
  write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>;
  truncate(length: number): Promise<void>;
  datasync(): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file operations of the write path. node:fs in production; a test hands in one that runs out
 * of space after N bytes, to check what a failed write leaves behind.
 */
export interface FileSystem {
  open(path: string, flags: string, mode: number): Promise<WritableFile>;
  mkdir(path: string, options: { recursive: true; mode: number }): Promise<unknown>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export const nodeFileSystem: FileSystem = {
  open: (path, flags, mode) => open(path, flags, mode),
  mkdir: (path, options) => mkdir(path, options),
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
};
