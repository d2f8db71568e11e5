/**
 * The worker sink of the hand-off bench, run in predlog's pipeline worker: it settles each batch of
 * decoded frames at once (`exported:count`), so the bench measures the hand-off, not a sink.
 * Loaded by module ref, as a third-party sink would be.
 */
import type { WorkerSink, WorkerSinkContext } from '../../packages/core/src/worker/worker-protocol.ts';

export function countingWorkerSink(context: WorkerSinkContext): WorkerSink {
  const ledger = context.ledger;
  return {
    write(frames) {
      ledger.transaction(() => {
        ledger.add('exported:count', frames.length);
        ledger.acknowledge(frames.length);
      });
    },
    async flush() {},
    async close() {},
  };
}
