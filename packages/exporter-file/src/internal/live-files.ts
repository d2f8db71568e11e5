/**
 * Which files are in use right now. Another process is asked through its pid (the file name carries
 * it); this process keeps a registry, because a pid alone cannot tell our own open file from a stale
 * one left by an earlier process that had the same pid (pid 1 in every container restart).
 */

const ownLivePaths = new Set<string>();
let fileSeq = 0;

export function markLive(path: string): void {
  ownLivePaths.add(path);
}

export function unmarkLive(path: string): void {
  ownLivePaths.delete(path);
}

/** Sequence number of the next file this process opens, unique across exporter instances. */
export function nextFileSeq(): number {
  fileSeq += 1;
  return fileSeq;
}

function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else; it is alive all the same.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `path`, written by process `pid`, may still be written or compressed by its owner. */
export function isInUse(path: string, pid: number): boolean {
  if (pid === process.pid) return ownLivePaths.has(path);
  return isProcessAlive(pid);
}
