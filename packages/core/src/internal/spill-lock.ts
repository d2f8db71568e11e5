import { open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';

export const SPILL_LOCK_FILE = 'spill.lock';

/** Locks held by queues of this process (two loggers in one process may share a config). */
const heldHere = new Set<string>();

export interface SpillLock {
  release(): Promise<void>;
}

export type SpillLockResult = { ok: true; lock: SpillLock } | { ok: false; ownerPid: number };

/**
 * Takes `<directory>/spill.lock` (it holds the pid). A lock left by a dead process (SIGKILL, OOM)
 * is taken over; a lock of a live process is refused, since two queues replaying and deleting the
 * same segments would send them twice. Our own pid in a lock we do not hold is stale too: a
 * container restarted as pid 1 finds the lock of its previous run.
 */
export async function acquireSpillLock(directory: string): Promise<SpillLockResult> {
  const file = path.join(directory, SPILL_LOCK_FILE);
  if (heldHere.has(file)) return { ok: false, ownerPid: process.pid };
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      heldHere.add(file);
      let released = false;
      return {
        ok: true,
        lock: {
          async release() {
            if (released) return;
            released = true;
            heldHere.delete(file);
            await unlink(file).catch(() => undefined);
          },
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = await spillLockOwner(directory);
      if (owner !== undefined || attempt >= 2) return { ok: false, ownerPid: owner ?? -1 };
      // Stale: its process is gone. Another process may race us to it; `wx` lets only one win.
      await unlink(file).catch(() => undefined);
    }
  }
}

/** Pid of the live process (other than a stale earlier run of ours) that holds the lock, if any. */
export async function spillLockOwner(directory: string): Promise<number | undefined> {
  const file = path.join(directory, SPILL_LOCK_FILE);
  if (heldHere.has(file)) return process.pid;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  return isAlive(pid) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
