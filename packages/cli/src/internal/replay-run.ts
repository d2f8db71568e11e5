import { unlink } from 'node:fs/promises';
import { createNoopMeter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  type Clock,
  type ComponentRegistry,
  DiagnosticsChannel,
  ExportQueue,
  type LogRecordLike,
  loadConfigFile,
  systemClock,
} from '@predlog/core';
import { type OutputStream, UsageError } from '../command.ts';
import { defaultCheckpointFile, loadCheckpoint, saveCheckpoint } from './replay-checkpoint.ts';
import {
  matchesFilter,
  openReplayInput,
  type ReplayFilter,
  type ReplayInput,
  type ReplayInputStats,
} from './replay-input.ts';
import { type ReplayCounters, ReplayProgress } from './replay-progress.ts';

export interface ReplayOptions {
  /** Absolute: a spill (exporter folder or root) or a file exporter's directory. */
  readonly directory: string;
  readonly configFile: string;
  readonly exporterId: string;
  readonly filter: ReplayFilter;
  readonly checkpointFile?: string | undefined;
  /** Spill only: delete each segment once every record in it was acknowledged or rejected. */
  readonly consume: boolean;
  readonly registry: ComponentRegistry;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stderr: OutputStream;
  readonly tty: boolean;
  /** Stops reading; what was handed to the sink is finished, the rest left for the next run. */
  readonly signal?: AbortSignal | undefined;
  /** How long an interrupted run waits for the batch in flight. Default 5 s. */
  readonly interruptDeadlineMs?: number;
  /**
   * Time for the exporter, its queue (batch age, retry backoff, timeouts, the shutdown deadline),
   * the progress and checkpoint ticker and the wait for room in the queue. Default `systemClock`.
   */
  readonly clock?: Clock;
}

export interface ReplaySummary {
  kind: ReplayInput['kind'];
  sources: number;
  /** Records read this run (after those the checkpoint marks done). */
  read: number;
  /** Records the checkpoint marked done, not read again. */
  alreadyDone: number;
  skippedByFilter: number;
  sent: number;
  /** Rejected by the sink or given up on after retries, by reason. */
  failed: Record<string, number>;
  /** Read and queued, but not sent when the run was interrupted: the next run sends them. */
  unsent: number;
  interrupted: boolean;
  input: ReplayInputStats;
  checkpointFile: string;
  segmentsDeleted: number;
}

const SHUTDOWN_DEADLINE_MS = 10_000;
const SAVE_INTERVAL_MS = 1000;
/** How often progress is redrawn and the checkpoint considered for saving. */
const TICK_MS = 50;
/** How often a reader that is two batches ahead of the sink looks again for room in the queue. */
const ROOM_POLL_MS = 5;

/**
 * Backfills a sink from disk through a configured exporter, behind core's export queue (batching,
 * retries, timeouts as configured; the queue's own spill is off). Progress per source is
 * checkpointed only as far as the sink has finished with every record before it, so a rerun after
 * an interruption or a crash continues where this one stopped.
 */
export async function runReplay(options: ReplayOptions): Promise<ReplaySummary> {
  const config = await loadConfigFile(options.configFile, options.registry, options.env);
  const entry = config.exporters.get(options.exporterId);
  if (entry === undefined) {
    const known = [...config.exporters.keys()].join(', ') || 'none';
    throw new UsageError(`exporter "${options.exporterId}" is not defined in the config (defined: ${known})`);
  }
  const { filter } = options;
  const filtered = filter.since !== undefined || filter.until !== undefined || filter.model !== undefined;
  if (options.consume && filtered)
    throw new UsageError(
      '--consume cannot be combined with --since, --until or --model (it would delete what they leave out)',
    );
  const input = await openReplayInput(options.directory, filter, config.resource);
  if (options.consume && input.kind !== 'spill')
    throw new UsageError('--consume applies to a spill directory only');
  const checkpointFile =
    options.checkpointFile ?? defaultCheckpointFile(options.directory, options.exporterId);
  const positions = await loadCheckpoint(checkpointFile, options.directory, options.exporterId);

  const clock = options.clock ?? systemClock;
  const stderr = options.stderr;
  const diagnostics = new DiagnosticsChannel((event) => {
    stderr.write(
      `${options.tty ? '\r\x1b[2K' : ''}predlog ${event.level} [${event.code}] ${event.message}\n`,
    );
  });
  const exporter = await entry.factory.create(entry.config, {
    id: options.exporterId,
    diagnostics,
    meter: createNoopMeter(),
    clock,
    resource: resourceFromAttributes(config.resource),
    baseDir: config.baseDir,
  });
  // Replay keeps its own position; a spill here would only copy the input a second time.
  const queueConfig = { ...entry.queue, spill: { ...entry.queue.spill, enabled: false } };
  const queue = new ExportQueue(exporter, queueConfig, { diagnostics, clock });
  const { maxBatchSize } = queueConfig;
  // Reading stays at most two batches ahead of the sink: bounded memory, and an interruption only
  // has to wait for those to finish.
  const maxAhead = Math.min(queueConfig.maxQueueRecords, 2 * maxBatchSize);

  const counters: ReplayCounters = {
    sourcesDone: 0,
    sourcesTotal: input.sources.length,
    read: 0,
    sent: 0,
    failed: 0,
    skipped: 0,
  };
  let alreadyDone = 0;
  let segmentsDeleted = 0;
  const progress = new ReplayProgress(stderr, options.tty, () => clock.monotonic());
  const signal = options.signal;

  /** Where a source stands once the first `through` records handed to the queue are finished. */
  const marks: Array<{ key: string; position: number; through: number }> = [];
  const fullyRead = new Map<string, { records: number; path: string }>();
  const deleting: Array<Promise<void>> = [];
  let enqueued = 0;
  // The queue sends in order, so the records it finished (sent, rejected or given up on) are
  // exactly the first ones handed to it; only `shutdown` drops, at an interruption, are not finished.
  const finished = () => {
    const stats = queue.stats();
    let n = stats.exported;
    for (const [reason, k] of Object.entries(stats.dropped)) if (reason !== 'shutdown') n += k;
    return n;
  };
  const advance = () => {
    const done = finished();
    while (marks.length > 0 && (marks[0]?.through ?? Number.POSITIVE_INFINITY) <= done) {
      const mark = marks.shift() as (typeof marks)[number];
      positions.set(mark.key, mark.position);
      const read = fullyRead.get(mark.key);
      if (options.consume && read !== undefined && mark.position >= read.records) {
        fullyRead.delete(mark.key);
        positions.delete(mark.key);
        segmentsDeleted++;
        deleting.push(unlink(read.path).catch(() => undefined));
      }
    }
    const stats = queue.stats();
    counters.sent = stats.exported;
    counters.failed = Object.entries(stats.dropped)
      .filter(([reason]) => reason !== 'shutdown')
      .reduce((sum, [, n]) => sum + n, 0);
  };
  // Saves run one after another, each writing the positions as they are when it starts.
  let saves: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    saves = saves
      .then(() => saveCheckpoint(checkpointFile, options.directory, options.exporterId, positions))
      .catch(() =>
        diagnostics.warnOnce('checkpoint_failed', `cannot write the checkpoint ${checkpointFile}`),
      );
    return saves;
  };
  let savedAt = clock.monotonic();
  // Unref'd on the system clock: the replay's own work keeps the process alive, the ticker does not.
  const ticker = clock.setInterval(() => {
    advance();
    progress.update(counters);
    if (clock.monotonic() - savedAt >= SAVE_INTERVAL_MS) {
      savedAt = clock.monotonic();
      void save();
    }
  }, TICK_MS);

  try {
    for (const source of input.sources) {
      if (signal?.aborted) break;
      const skip = positions.get(source.key) ?? 0;
      let position = 0;
      let chunk: LogRecordLike[] = [];
      let sinceMark = 0;
      const hand = async (): Promise<boolean> => {
        // Never past the queue's bound either, so it never drops for being full.
        while (queue.queued + chunk.length > maxAhead) {
          if (signal?.aborted) return false;
          // Kept alive: while the queue waits out a retry backoff (an unref'd timer), this wait is
          // what keeps the command running.
          await new Promise<void>((resolve) => clock.setTimeout(resolve, ROOM_POLL_MS, { keepAlive: true }));
        }
        if (chunk.length > 0) queue.enqueue(chunk);
        enqueued += chunk.length;
        marks.push({ key: source.key, position: Math.max(position, skip), through: enqueued });
        chunk = [];
        sinceMark = 0;
        return true;
      };
      let complete = true;
      for await (const record of source.read()) {
        position++;
        if (position <= skip) {
          alreadyDone++;
          continue;
        }
        counters.read++;
        sinceMark++;
        if (matchesFilter(record, filter)) chunk.push(record);
        else counters.skipped++;
        if ((sinceMark >= maxBatchSize && !(await hand())) || signal?.aborted) {
          complete = false;
          break;
        }
      }
      if (!complete || !(await hand())) break;
      fullyRead.set(source.key, { records: position, path: source.path });
      counters.sourcesDone++;
      progress.update(counters);
    }
    if (!signal?.aborted) {
      const stopped = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve()));
      await Promise.race([queue.forceFlush(), stopped]);
    }
  } finally {
    await queue.shutdown(signal?.aborted ? (options.interruptDeadlineMs ?? 5000) : SHUTDOWN_DEADLINE_MS);
    ticker.cancel();
    advance();
    await Promise.all(deleting);
    await save();
    progress.finish(counters);
  }
  const stats = queue.stats();
  const failed: Record<string, number> = {};
  for (const [reason, n] of Object.entries(stats.dropped)) if (reason !== 'shutdown') failed[reason] = n;
  return {
    kind: input.kind,
    sources: input.sources.length,
    read: counters.read,
    alreadyDone,
    skippedByFilter: counters.skipped,
    sent: stats.exported,
    failed,
    unsent: stats.dropped.shutdown ?? 0,
    interrupted: signal?.aborted === true,
    input: input.stats,
    checkpointFile,
    segmentsDeleted,
  };
}
