import type { Diagnostics } from '../diagnostics.ts';
import type { ByteRingShared } from './byte-ring-layout.ts';
import type { FrameKind } from './frame-kinds.ts';
import type { WorkerLedger } from './ledger-writer.ts';
import type { ComponentModuleRef } from './module-ref.ts';

/** The config the worker builds its pipelines from: a file it loads itself, or the parsed object. */
export type WorkerConfigSource = { readonly file: string } | { readonly value: unknown };

/** One frame as the worker decoded it: a `PredictionSnapshot` for FRAME_PREDICTION, a value for FRAME_VALUE. */
export interface DecodedFrame {
  readonly kind: FrameKind;
  readonly value: unknown;
}

/** What a worker sink is given (in the worker thread). */
export interface WorkerSinkContext {
  /** `sinkOptions` as given to the host (structured-cloned). */
  readonly options: unknown;
  readonly config: WorkerConfigSource | undefined;
  /** The exports the host's `components` refs named, loaded in the worker, in their order. */
  readonly components: readonly unknown[];
  readonly ledger: WorkerLedger;
  /** Reported by the host's diagnostics (codes and messages only: never record values). */
  readonly diagnostics: Diagnostics;
  /** Sends a message to the host's `onSinkMessage`. */
  post(message: unknown): void;
}

/**
 * Where the worker hands decoded frames: the pipelines (processors, exporters) once integrated, a
 * counting sink in tests. It must acknowledge every frame it was given through the ledger once that
 * frame's fate is counted (at once, or after an export); frames given and not acknowledged are what a
 * worker holds, counted as `worker_died` if it dies.
 */
export interface WorkerSink {
  write(frames: DecodedFrame[]): void | Promise<void>;
  /** Everything written so far is settled (sent, or counted as dropped). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export type WorkerSinkFactory = (context: WorkerSinkContext) => WorkerSink | Promise<WorkerSink>;

/** `workerData` of the pipeline worker. */
export interface PipelineWorkerData {
  readonly ring: ByteRingShared;
  readonly ledger: SharedArrayBuffer;
  /** The shape table frames name object shapes in (shape-table.ts). */
  readonly shapes: SharedArrayBuffer;
  /** Resolved (absolute) refs. */
  readonly sink: ComponentModuleRef;
  readonly components: readonly ComponentModuleRef[];
  readonly sinkOptions: unknown;
  readonly config: WorkerConfigSource | undefined;
  /** Frames decoded and handed to the sink at a time. */
  readonly batchSize: number;
  /** A timed wait while records flow; after `napsBeforeSleep` empty ones in a row, an untimed one. */
  readonly napMs: number;
  readonly napsBeforeSleep: number;
}

export type HostToWorker =
  /** Settle everything up to frame `upTo` (mod 2^32, the producer's count when it asked). */
  { readonly type: 'flush'; readonly id: number; readonly upTo: number } | { readonly type: 'shutdown' };

export type WorkerToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'flushed'; readonly id: number }
  | { readonly type: 'closed' }
  | {
      readonly type: 'diagnostic';
      readonly level: 'warn' | 'error' | 'info';
      readonly code: string;
      readonly message: string;
    }
  | { readonly type: 'sink'; readonly message: unknown };
