/**
 * Resolves after the event loop has gone round once (I/O callbacks, then the check phase), so the
 * background work a server would get between requests (predlog's drain, pino's writes, OTel's batch
 * timer) gets its turn between benchmark blocks.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
