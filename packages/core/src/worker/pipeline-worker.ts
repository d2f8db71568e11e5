/**
 * The pipeline worker's entry module (run by PipelineWorkerHost in a `node:worker_threads` Worker).
 * It loads the sink and the components by module ref, then loops: take a batch of frames from the
 * ring, decode them, free their ring space, hand them to the sink; nap while records flow, sleep
 * when idle. Flush and shutdown requests arrive as messages.
 *
 * Frames are freed before the sink sees them, so a worker that dies never has its frames sent
 * twice: what it took and did not acknowledge is what the host counts as `worker_died`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Diagnostics } from '../diagnostics.ts';
import { ByteRingReader } from './byte-ring-reader.ts';
import { readFrame } from './frame-reader.ts';
import { LedgerWriter } from './ledger-writer.ts';
import { loadModuleRef } from './module-ref.ts';
import { ShapeReader } from './shape-table.ts';
import { ValueDecoder } from './value-decoder.ts';
import type {
  DecodedFrame,
  HostToWorker,
  PipelineWorkerData,
  WorkerSink,
  WorkerSinkFactory,
  WorkerToHost,
} from './worker-protocol.ts';

/** Frames that did not decode are dropped under this reason (a bug, never input: the writer is ours). */
export const FRAME_CORRUPT_COUNTER = 'dropped:frame_corrupt';

const port = parentPort;
if (port === null)
  throw new Error('pipeline-worker.ts runs in a worker thread (PipelineWorkerHost starts it)');
const data = workerData as PipelineWorkerData;

const post = (message: WorkerToHost) => port.postMessage(message);
const pendingFlushes: Array<{ id: number; upTo: number }> = [];
let stopping = false;

const reader = new ByteRingReader(data.ring);
const decoder = new ValueDecoder(reader, new ShapeReader(data.shapes));
const ledger = new LedgerWriter(data.ledger);

port.on('message', (message: HostToWorker) => {
  if (message.type === 'flush') pendingFlushes.push({ id: message.id, upTo: message.upTo });
  else if (message.type === 'shutdown') stopping = true;
  reader.interrupt();
});

const warned = new Set<string>();
const diagnostics: Diagnostics = {
  warnOnce(code, message) {
    if (warned.has(code)) return;
    warned.add(code);
    post({ type: 'diagnostic', level: 'warn', code, message });
  },
  error: (code, message) => post({ type: 'diagnostic', level: 'error', code, message }),
  info: (code, message) => post({ type: 'diagnostic', level: 'info', code, message }),
};

// A module or factory that fails here ends the worker with its error, which the host reports (at
// start-up: start() rejects with it).
const components = [];
for (const ref of data.components) components.push(await loadModuleRef(ref));
const factory = await loadModuleRef(data.sink);
if (typeof factory !== 'function')
  throw new TypeError(`the worker sink ${data.sink.exportName} is not a function`);
const sink: WorkerSink = await (factory as WorkerSinkFactory)({
  options: data.sinkOptions,
  config: data.config,
  components,
  ledger,
  diagnostics,
  post: (message) => post({ type: 'sink', message }),
});
post({ type: 'ready' });
await run(sink);

async function run(sink: WorkerSink): Promise<void> {
  let idle = 0;
  for (;;) {
    const frames = takeBatch();
    if (frames.length > 0) {
      idle = 0;
      await sink.write(frames);
      if (pendingFlushes.length > 0) await settleFlushes(sink, false);
      // A turn of the event loop between batches, so messages and the sink's own I/O get theirs.
      await new Promise<void>((resolve) => setImmediate(resolve));
      continue;
    }
    if (pendingFlushes.length > 0) {
      await settleFlushes(sink, true);
      continue;
    }
    if (stopping) break;
    await reader.wait(data.napMs, idle++ >= data.napsBeforeSleep);
  }
  await sink.flush();
  await sink.close();
  post({ type: 'closed' });
  port?.close();
}

/** Decodes up to `batchSize` frames and frees their ring space; a frame that does not decode is counted. */
function takeBatch(): DecodedFrame[] {
  const frames: DecodedFrame[] = [];
  let corrupt = 0;
  for (
    let start = reader.next();
    start !== -1;
    start = frames.length + corrupt < data.batchSize ? reader.next() : -1
  ) {
    try {
      frames.push(readFrame(decoder, start, reader.frameLength));
    } catch {
      corrupt++;
    }
  }
  reader.release();
  if (corrupt > 0) {
    ledger.transaction(() => {
      ledger.add(FRAME_CORRUPT_COUNTER, corrupt);
      ledger.acknowledge(corrupt);
    });
    diagnostics.warnOnce('frame_corrupt', 'a ring frame did not decode; it was dropped and counted');
  }
  return frames;
}

/**
 * Answers the flushes whose frames are all taken (`empty`: the ring was seen empty after they
 * arrived, so every frame written before them is taken).
 */
async function settleFlushes(sink: WorkerSink, empty: boolean): Promise<void> {
  const taken = reader.framesTaken;
  const due = pendingFlushes.filter((f) => empty || ((taken - f.upTo) | 0) >= 0);
  if (due.length === 0) return;
  await sink.flush();
  for (const f of due) {
    pendingFlushes.splice(pendingFlushes.indexOf(f), 1);
    post({ type: 'flushed', id: f.id });
  }
}
