import { Worker } from 'node:worker_threads';
import { type Clock, systemClock, type TimerHandle } from '../contracts.ts';
import { type Diagnostics, DiagnosticsChannel } from '../diagnostics.ts';
import { type ByteRingOptions, createByteRing } from './byte-ring-layout.ts';
import { ByteRingWriter } from './byte-ring-writer.ts';
import { createLedger } from './ledger-layout.ts';
import { LedgerReader } from './ledger-reader.ts';
import { type ComponentModuleRef, resolveModuleRef } from './module-ref.ts';
import { createShapeTable, ShapeRegistry } from './shape-table.ts';
import type {
  HostToWorker,
  PipelineWorkerData,
  WorkerConfigSource,
  WorkerToHost,
} from './worker-protocol.ts';

export interface WorkerRestartPolicy {
  /** Wait before the first restart after a worker died. */
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
}

export interface PipelineWorkerHostOptions {
  /** The module export that builds the worker's sink (a `WorkerSinkFactory`). */
  sink: ComponentModuleRef;
  /** Handed to the sink factory (structured-cloned: plain data, SharedArrayBuffers). */
  sinkOptions?: unknown;
  /** Component factories the worker loads by module ref, for the sink to register. */
  components?: readonly ComponentModuleRef[];
  config?: WorkerConfigSource;
  /** Where relative and bare specifiers resolve from: a directory or a file. Default: the working directory. */
  resolveFrom?: string | URL;
  /** The hand-off; default 16 MiB and 65,536 frames. */
  ring?: Partial<ByteRingOptions>;
  /** Frames the worker decodes and hands to its sink at a time; default 256. */
  batchSize?: number;
  /** The worker's timed wait while records flow (default 1 ms), and how many empty ones before it sleeps (default 50). */
  napMs?: number;
  napsBeforeSleep?: number;
  restart?: Partial<WorkerRestartPolicy>;
  /** Timers of the restart backoff and the shutdown deadline. */
  clock?: Clock;
  diagnostics?: Diagnostics;
  /** Messages the sink posts (`context.post`). */
  onSinkMessage?: (message: unknown) => void;
  /** The worker's entry module; default pipeline-worker.ts (or .js, built) next to this file. */
  entry?: URL;
}

/**
 * The ledger at this moment, synchronously: `handedOff = ringDepth + held + acknowledged +
 * workerDied + abandoned`, exactly, at any instant (the worker's part is read from shared memory).
 */
export interface WorkerHostStats {
  /** Frames handed to the ring. */
  handedOff: number;
  /** Frames the ring refused (full by frames or by bytes): the caller's `queue_full`. */
  refused: number;
  /** Frames in the ring, not yet taken by a worker. */
  ringDepth: number;
  ringBytes: number;
  /** Frames the running worker took and has not acknowledged. */
  held: number;
  /** Frames the worker(s) settled; their fate is in `counters`. */
  acknowledged: number;
  /** What the worker(s) counted, by name (`exported:file`, `dropped:filtered@sampling`, ...). */
  counters: Record<string, number>;
  /** Frames a worker held when it died: dropped, reason `worker_died`. */
  workerDied: number;
  /** Frames left in the ring or held when shutdown ended (its deadline passed): dropped, reason `shutdown`. */
  abandoned: number;
  /** Workers started after one died. */
  restarts: number;
  running: boolean;
}

const DEFAULT_RING: ByteRingOptions = { capacityBytes: 16 * 1024 * 1024, maxRecords: 65_536 };
const DEFAULT_RESTART: WorkerRestartPolicy = { initialDelayMs: 100, maxDelayMs: 30_000, multiplier: 2 };

/** The worker entry next to this module: the TypeScript source when run from src/, the built file from dist/. */
export function defaultWorkerEntry(hostUrl: string = import.meta.url): URL {
  return new URL(hostUrl.endsWith('.ts') ? './pipeline-worker.ts' : './pipeline-worker.js', hostUrl);
}

interface PendingFlush {
  readonly upTo: number;
  readonly resolve: () => void;
}

/**
 * Runs the pipeline worker: owns the ring (the serving thread writes frames into `ring`), starts the
 * worker thread with the ring, the ledger, the config and the module refs, answers `stats()` from
 * shared memory, restarts a worker that dies (with backoff) and counts what it held as
 * `worker_died`. The worker never keeps the process alive on its own; a pending `flush()` or
 * `shutdown()` does.
 */
export class PipelineWorkerHost {
  /** Where the serving thread writes frames (through a frame writer). */
  readonly ring: ByteRingWriter;
  /** The object shapes frames may name (give it to the frame writers); the worker reads the same table. */
  readonly shapes: ShapeRegistry;
  private readonly data: PipelineWorkerData;
  private readonly ledger: LedgerReader;
  private readonly entry: URL;
  private readonly policy: WorkerRestartPolicy;
  private readonly clock: Clock;
  private readonly diagnostics: Diagnostics;
  private readonly onSinkMessage: ((message: unknown) => void) | undefined;
  private worker: Worker | undefined;
  private ready = false;
  private everReady = false;
  private lastError: Error | undefined;
  private startWaiter: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private restartTimer: TimerHandle | undefined;
  private failures = 0;
  private ackedAtSpawn = 0;
  private restarts = 0;
  private died = 0;
  private abandonedHeld = 0;
  private abandonedInRing = 0;
  private readonly flushes = new Map<number, PendingFlush>();
  /** Holds the process open while a flush waits (the worker and the restart timer never do). */
  private flushKeepAlive: TimerHandle | undefined;
  private nextFlushId = 1;
  private shutdownPromise: Promise<void> | undefined;
  private shuttingDown = false;
  private exited: (() => void) | undefined;

  constructor(options: PipelineWorkerHostOptions) {
    const from = options.resolveFrom ?? process.cwd();
    const ring = createByteRing({ ...DEFAULT_RING, ...options.ring });
    const ledger = createLedger();
    const shapes = createShapeTable();
    this.ring = new ByteRingWriter(ring);
    this.shapes = new ShapeRegistry(shapes);
    this.ledger = new LedgerReader(ledger);
    this.data = {
      ring,
      ledger,
      shapes,
      sink: resolveModuleRef(options.sink, from),
      components: (options.components ?? []).map((ref) => resolveModuleRef(ref, from)),
      sinkOptions: options.sinkOptions,
      config: options.config,
      batchSize: positive(options.batchSize, 256, 'batchSize'),
      napMs: positive(options.napMs, 1, 'napMs'),
      napsBeforeSleep: positive(options.napsBeforeSleep, 50, 'napsBeforeSleep'),
    };
    this.entry = options.entry ?? defaultWorkerEntry();
    this.policy = { ...DEFAULT_RESTART, ...options.restart };
    this.clock = options.clock ?? systemClock;
    this.diagnostics = options.diagnostics ?? new DiagnosticsChannel();
    this.onSinkMessage = options.onSinkMessage;
  }

  /** Starts the worker; resolves once it loaded its modules and built its sink, rejects (naming them) when it could not. */
  start(): Promise<void> {
    if (this.worker !== undefined || this.everReady) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.startWaiter = { resolve, reject };
      this.spawn();
    });
  }

  /** The worker thread running now, if any. */
  get thread(): Worker | undefined {
    return this.worker;
  }

  stats(): WorkerHostStats {
    // The worker's ledger first, the ring's cursor after it: a frame acknowledged is always seen
    // taken, so `held` is never negative and the sum is exact.
    const { acknowledged, counters } = this.ledger.snapshot();
    const depth = this.ring.depth();
    const handedOff = this.ring.framesWritten;
    const taken = handedOff - depth;
    const ringDepth = depth - this.abandonedInRing;
    return {
      handedOff,
      refused: this.ring.framesRefused,
      ringDepth,
      ringBytes: ringDepth === 0 ? 0 : this.ring.usedBytes(),
      held: taken - acknowledged - this.died - this.abandonedHeld,
      acknowledged,
      counters,
      workerDied: this.died,
      abandoned: this.abandonedHeld + this.abandonedInRing,
      restarts: this.restarts,
      running: this.worker !== undefined && this.ready,
    };
  }

  /**
   * Resolves once every frame handed off before the call is settled by the worker's sink (or
   * counted as lost by a worker that died meanwhile: its successor answers).
   */
  flush(): Promise<void> {
    if (this.shuttingDown) return this.shutdownPromise ?? Promise.resolve();
    const id = this.nextFlushId++;
    const upTo = this.ring.publishedFrames;
    return new Promise<void>((resolve) => {
      this.flushes.set(id, { upTo, resolve });
      this.flushKeepAlive ??= this.clock.setInterval(() => {}, 2 ** 30, { keepAlive: true });
      if (this.ready) this.send({ type: 'flush', id, upTo });
    });
  }

  /**
   * Lets the worker drain the ring and close its sink, for at most `deadlineMs`; then ends it. What
   * is left (in the ring, or held by a worker ended at the deadline) is counted in `abandoned`.
   */
  shutdown(deadlineMs = 10_000): Promise<void> {
    this.shutdownPromise ??= this.shutdownOnce(deadlineMs);
    return this.shutdownPromise;
  }

  private async shutdownOnce(deadlineMs: number): Promise<void> {
    this.shuttingDown = true;
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    const worker = this.worker;
    if (worker !== undefined) {
      const exited = new Promise<void>((resolve) => {
        this.exited = resolve;
      });
      worker.ref();
      if (this.ready) this.send({ type: 'shutdown' });
      const deadline = this.clock.setTimeout(() => void worker.terminate(), deadlineMs, { keepAlive: true });
      await exited;
      deadline.cancel();
    }
    this.abandonedInRing = this.ring.depth();
    for (const flush of this.flushes.values()) flush.resolve();
    this.flushes.clear();
    this.flushKeepAlive?.cancel();
    this.flushKeepAlive = undefined;
  }

  private spawn(): void {
    this.ready = false;
    this.lastError = undefined;
    this.ackedAtSpawn = this.ledger.snapshot().acknowledged;
    const worker = new Worker(this.entry, { workerData: this.data, name: 'predlog-pipeline' });
    worker.unref();
    this.worker = worker;
    worker.on('message', (message: WorkerToHost) => this.onMessage(worker, message));
    worker.on('error', (error) => {
      this.lastError = error;
    });
    worker.on('exit', (code) => this.onExit(worker, code));
  }

  private send(message: HostToWorker): void {
    this.worker?.postMessage(message);
  }

  private onMessage(worker: Worker, message: WorkerToHost): void {
    if (worker !== this.worker) return;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.everReady = true;
        this.startWaiter?.resolve();
        this.startWaiter = undefined;
        if (this.shuttingDown) this.send({ type: 'shutdown' });
        else for (const [id, flush] of this.flushes) this.send({ type: 'flush', id, upTo: flush.upTo });
        return;
      case 'flushed': {
        const flush = this.flushes.get(message.id);
        this.flushes.delete(message.id);
        if (this.flushes.size === 0) {
          this.flushKeepAlive?.cancel();
          this.flushKeepAlive = undefined;
        }
        flush?.resolve();
        return;
      }
      case 'closed':
        // Everything is settled; a sink that left a socket open must not keep the thread alive.
        void worker.terminate();
        return;
      case 'diagnostic':
        if (message.level === 'warn') this.diagnostics.warnOnce(message.code, message.message);
        else this.diagnostics[message.level](message.code, message.message);
        return;
      case 'sink':
        this.onSinkMessage?.(message.message);
        return;
    }
  }

  private onExit(worker: Worker, code: number): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.ready = false;
    const stats = this.stats();
    const held = stats.held;
    if (this.shuttingDown) {
      // Ended by shutdown: what it held at the deadline is a shutdown loss, not a crash.
      this.abandonedHeld += held;
      this.exited?.();
      return;
    }
    this.died += held;
    const reason =
      this.lastError === undefined ? `exit code ${code}` : `${this.lastError.name}, exit code ${code}`;
    if (!this.everReady) {
      const cause = this.lastError?.message ?? `it exited with code ${code}`;
      this.startWaiter?.reject(new Error(`the pipeline worker could not start: ${cause}`));
      this.startWaiter = undefined;
      return;
    }
    if (stats.acknowledged > this.ackedAtSpawn) this.failures = 0;
    this.failures++;
    const { initialDelayMs, maxDelayMs, multiplier } = this.policy;
    const delay = Math.min(maxDelayMs, initialDelayMs * multiplier ** (this.failures - 1));
    this.diagnostics.error(
      'worker_died',
      `the pipeline worker stopped (${reason}); the ${held} records it held are counted as dropped (worker_died); restarting in ${delay} ms`,
    );
    this.restartTimer = this.clock.setTimeout(() => {
      this.restartTimer = undefined;
      if (this.shuttingDown) return;
      this.restarts++;
      this.spawn();
    }, delay);
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`PipelineWorkerHost: ${name} must be a positive number (got ${value})`);
  return value;
}
