import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ComponentServices, LogRecordLike, TimerHandle } from '@predlog/core';
import { BaseExporter, ExportError } from '@predlog/core';
import type { FileExporterConfig } from './config.ts';
import { BatchWrite } from './internal/batch-write.ts';
import { CompactionSchedule } from './internal/compaction-schedule.ts';
import { Compressor } from './internal/compressor.ts';
import { type FileSystem, nodeFileSystem } from './internal/file-system.ts';
import { OpenFiles } from './internal/open-files.ts';
import { type EncodedRecord, RecordEncoder } from './internal/record-encoder.ts';
import { type RetentionRule, sweepRetention, sweepsAnything } from './internal/retention-sweep.ts';
import { FileExporterMetrics, type FileExporterStats } from './internal/self-metrics.ts';
import type { compactDirectory } from './parquet-compaction.ts';
import { recoverTree } from './recovery.ts';

/** Records encoded between two yields to the event loop (see encode). */
const ENCODE_SLICE = 256;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How often idle files are checked for age and date rotation, at most. */
const MAINTENANCE_MAX_INTERVAL_MS = 60_000;
const MAINTENANCE_MIN_INTERVAL_MS = 1_000;

/** Internal seams, for tests: what the write path goes through. */
export interface FileExporterSeams {
  /** Default node:fs. */
  readonly fileSystem?: FileSystem;
  /** What the `compaction` option runs; default `compactDirectory`. */
  readonly compact?: typeof compactDirectory;
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'unknown';
}

/** Directories get the execute bit wherever the file mode grants read: 0o600 -> 0o700. */
function directoryModeFor(fileMode: number): number {
  return fileMode | ((fileMode & 0o444) >> 2);
}

/**
 * Writes records as NDJSON (the stored form, one record a line) into a Hive-partitioned tree
 * `[retention=<class>/]model_name=<name>/date=<YYYY-MM-DD>/`, one open file per partition.
 *
 * Each batch is encoded into one string per partition and written with one call, through async
 * FileHandles: the event loop keeps serving requests. Files are rotated by size, age and date,
 * renamed from `.ndjson.inprogress` to `.ndjson` when closed, then gzipped in the background. At
 * start the exporter recovers the in-progress files of dead processes and sweeps expired dates.
 *
 * A batch is kept whole or not at all (see `BatchWrite`): a send that fails or is aborted leaves
 * none of its lines in any file and rejects as retryable with nothing accepted, so the export
 * queue's retry never writes a line twice.
 *
 * Calls to `send` are serialised internally, so the exporter is also safe behind OTel's
 * `SimpleLogRecordProcessor`, which exports records concurrently.
 */
export class FileExporter extends BaseExporter {
  /** Resolves once start-up recovery and the first retention sweep are done (never rejects). */
  readonly ready: Promise<void>;
  private readonly config: FileExporterConfig;
  private readonly services: ComponentServices;
  private readonly root: string;
  private readonly directoryMode: number;
  private readonly encoder: RecordEncoder;
  private readonly metrics: FileExporterMetrics;
  private readonly compressor: Compressor | undefined;
  private readonly files: OpenFiles;
  private tail: Promise<unknown>;
  private readonly timers: TimerHandle[] = [];
  /** Periodic tasks queued or running. */
  private readonly periodic = new Set<() => Promise<void>>();
  private readonly retention: RetentionRule;
  private readonly compaction: CompactionSchedule | undefined;
  private shutdownPromise: Promise<void> | undefined;

  constructor(config: FileExporterConfig, services: ComponentServices, seams: FileExporterSeams = {}) {
    super(services.id);
    this.config = config;
    this.services = services;
    this.root = resolve(services.baseDir, config.directory);
    this.directoryMode = directoryModeFor(config.fileMode);
    this.encoder = new RecordEncoder(() => services.clock.now());
    this.metrics = new FileExporterMetrics(services.meter, services.id);
    this.compressor = config.compress
      ? new Compressor({
          fileMode: config.fileMode,
          fsync: config.fsync,
          onCompressed: () => this.metrics.fileCompressed(),
          onError: (error) =>
            services.diagnostics.warnOnce(
              'file.compress_failed',
              `gzip of a closed file failed (${errorCode(error)}); the file stays uncompressed until the next start`,
            ),
        })
      : undefined;
    this.files = new OpenFiles({
      root: this.root,
      fs: seams.fileSystem ?? nodeFileSystem,
      clock: services.clock,
      maxOpenFiles: config.maxOpenFiles,
      maxFileAgeMs: config.maxFileAgeMs,
      fileMode: config.fileMode,
      directoryMode: this.directoryMode,
      integrity: config.integrity,
      fsync: config.fsync,
      metrics: this.metrics,
      compressor: this.compressor,
      onError: (code, error) => this.reportWriteError(code, error),
    });
    this.retention = { defaultDays: config.retentionDays, daysByClass: config.retentionDaysByClass };
    this.ready = this.start();
    this.tail = this.ready;
    const maintenanceMs = Math.min(
      MAINTENANCE_MAX_INTERVAL_MS,
      Math.max(MAINTENANCE_MIN_INTERVAL_MS, config.maxFileAgeMs),
    );
    this.every(maintenanceMs, () => this.maintain());
    if (sweepsAnything(this.retention)) this.every(config.sweepIntervalMs, () => this.sweep());
    this.compaction =
      config.compaction === undefined
        ? undefined
        : new CompactionSchedule({
            root: this.root,
            config: config.compaction,
            clock: services.clock,
            diagnostics: services.diagnostics,
            onReport: (report) => this.metrics.partitionsCompacted(report.compacted.length),
            ...(seams.compact === undefined ? {} : { compact: seams.compact }),
          });
    // After recovery, so the closed files of a crash are compacted too; never on the send path.
    const compaction = this.compaction;
    if (compaction !== undefined) {
      void this.ready.then(() => {
        if (this.shutdownPromise === undefined) compaction.start();
      });
    }
  }

  /** Counts since this exporter started (the same as its metrics). */
  stats(): FileExporterStats {
    return { ...this.metrics.stats };
  }

  /** The resolved root directory of the partition tree. */
  get directory(): string {
    return this.root;
  }

  send(records: readonly LogRecordLike[], signal: AbortSignal): Promise<void> {
    if (this.shutdownPromise !== undefined) {
      return Promise.reject(new ExportError('file exporter is shut down', { retryable: false }));
    }
    if (records.length === 0) return Promise.resolve();
    return this.serial(async () => {
      if (signal.aborted) throw new ExportError('export aborted before writing', { retryable: true });
      await this.writeBatch(records, signal);
    });
  }

  /**
   * Resolves when every batch handed to `send` so far is written; with `fsync`, also synced to disk.
   */
  override async forceFlush(): Promise<void> {
    await this.serial(async () => {
      await this.files.settle();
      if (this.config.fsync) await this.files.sync();
    });
  }

  /**
   * Closes (renames) every open file, removing those that hold no record, then waits for pending
   * compression. No `.inprogress` file is left, unless a file could not be closed or cut back.
   */
  override shutdown(): Promise<void> {
    if (this.shutdownPromise === undefined) {
      for (const timer of this.timers) timer.cancel();
      this.shutdownPromise = this.serial(async () => {
        const left = await this.files.closeAll();
        if (left > 0) {
          this.services.diagnostics.error(
            'file.left_inprogress',
            `${left} file(s) could not be closed or cut back after failed writes; they keep their .inprogress name and are recovered at the next start`,
          );
        }
      }).then(() => Promise.all([this.compressor?.drain(), this.compaction?.stop()]).then(() => undefined));
    }
    return this.shutdownPromise;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** A periodic task on the injected clock (unref'd: it never keeps the process alive). */
  private every(intervalMs: number, task: () => Promise<void>): void {
    const timer = this.services.clock.setInterval(() => {
      // The previous run is still queued or running (a slow sweep): do not pile up more.
      if (this.shutdownPromise !== undefined || this.periodic.has(task)) return;
      this.periodic.add(task);
      void this.serial(task)
        .catch(() => undefined)
        .finally(() => this.periodic.delete(task));
    }, intervalMs);
    this.timers.push(timer);
  }

  private async start(): Promise<void> {
    const { diagnostics } = this.services;
    try {
      await mkdir(this.root, { recursive: true, mode: this.directoryMode });
      if (sweepsAnything(this.retention)) await this.sweep();
      const { report, toCompress } = await recoverTree(this.root, {
        compress: this.config.compress,
        fsync: this.config.fsync,
        nowMs: this.services.clock.now(),
      });
      this.metrics.recovery(report.recoveredFiles, report.tornLines);
      if (report.recoveredFiles > 0 || report.removedEmptyFiles > 0) {
        diagnostics.info(
          'file.recovered',
          `closed ${report.recoveredFiles} file(s) left by a crash, cut ${report.tornLines} torn line(s)`,
        );
      }
      for (const path of toCompress) this.compressor?.enqueue(path);
    } catch (error) {
      // Writing can still work (each new file creates its directory); report and carry on.
      diagnostics.error(
        'file.start_failed',
        `start-up recovery of the file exporter failed (${errorCode(error)})`,
      );
    }
  }

  private async sweep(): Promise<void> {
    try {
      this.metrics.partitionsDeleted(
        await sweepRetention(this.root, this.services.clock.now(), this.retention),
      );
    } catch (error) {
      this.services.diagnostics.warnOnce('file.sweep_failed', `retention sweep failed (${errorCode(error)})`);
    }
  }

  private async writeBatch(records: readonly LogRecordLike[], signal: AbortSignal): Promise<void> {
    await this.files.settle();
    if (this.files.blocked) {
      throw new ExportError('a file still holds part of an earlier failed batch; nothing was written', {
        retryable: true,
      });
    }
    const groups = await this.encode(records);
    const batch = new BatchWrite();
    let failure: unknown;
    try {
      for (const [partition, lines] of groups) {
        if (signal.aborted) break;
        await this.writePartition(partition, lines, batch);
      }
    } catch (error) {
      failure = error;
    }
    if (failure === undefined && !signal.aborted) {
      // The batch is in. Nothing awaits from here until `send` resolves, so an abort (the queue's
      // timeout) cannot land between this check and the answer: the queue never retries a batch
      // that was kept.
      this.files.commit(batch);
      this.metrics.written(batch.records, batch.bytes);
      // Close what the batch filled or evicted right after, not at the next send.
      if (this.shutdownPromise === undefined) void this.serial(() => this.files.settle());
      return;
    }
    await this.files.undo(batch);
    if (failure === undefined) {
      throw new ExportError('export aborted while writing; nothing of the batch was kept', {
        retryable: true,
      });
    }
    this.reportWriteError('file.write_failed', failure);
    throw new ExportError(`file write failed (${errorCode(failure)}); nothing of the batch was kept`, {
      retryable: true,
      cause: failure,
    });
  }

  /** Encodes records into lines per partition, yielding to the event loop as it goes. */
  private async encode(records: readonly LogRecordLike[]): Promise<Map<string, string[]>> {
    const groups = new Map<string, string[]>();
    let fallbacks = 0;
    let sinceYield = 0;
    for (const record of records) {
      // Serialising is the exporter's CPU cost and runs on the event loop that also serves
      // requests: hand the loop back every few hundred records so a 2048-record batch never
      // pauses request handling for more than about a millisecond.
      if (++sinceYield > ENCODE_SLICE) {
        sinceYield = 1;
        await yieldToEventLoop();
      }
      let encoded: EncodedRecord;
      try {
        encoded = this.encoder.encode(record);
      } catch {
        // Not expected (the encoder repairs what it can); one unreadable record must not fail the batch.
        fallbacks += 1;
        this.services.diagnostics.warnOnce(
          'file.record_unreadable',
          'a record could not be read and was skipped',
        );
        continue;
      }
      if (encoded.fallback) fallbacks += 1;
      const lines = groups.get(encoded.partition);
      if (lines === undefined) groups.set(encoded.partition, [encoded.json]);
      else lines.push(encoded.json);
    }
    if (fallbacks > 0) {
      this.metrics.encodeFallbacks(fallbacks);
      this.services.diagnostics.warnOnce(
        'file.encode_fallback',
        'records held values JSON cannot encode (bigint, binary data, cycles); they were written in a safe form',
      );
    }
    return groups;
  }

  /** Appends lines to a partition, splitting them across files at the size limit. */
  private async writePartition(
    partition: string,
    lines: readonly string[],
    batch: BatchWrite,
  ): Promise<void> {
    const maxBytes = this.config.maxFileBytes;
    let from = 0;
    while (from < lines.length) {
      const file = await this.files.fileFor(partition, batch);
      const room = maxBytes - file.bytes;
      let chunk = file.prepare(lines, from, lines.length);
      let to = lines.length;
      if (chunk.data.length > room) {
        to = from;
        let size = 0;
        while (to < lines.length) {
          const bytes = file.lineBytes(lines[to] ?? '', to - from);
          // A fresh file takes at least one line, however large, or a huge record would loop.
          if (size + bytes > room && (to > from || file.records > 0)) break;
          size += bytes;
          to += 1;
        }
        if (to === from) {
          await this.files.retire(file, 'size', batch);
          continue;
        }
        chunk = file.prepare(lines, from, to);
      }
      batch.touch(file);
      await file.append(chunk);
      batch.wrote(chunk);
      from = to;
      if (file.bytes >= maxBytes) await this.files.retire(file, 'size', batch);
    }
  }

  /** The periodic check: finish what earlier batches left, close files due by age or date. */
  private async maintain(): Promise<void> {
    await this.files.settle();
    await this.files.closeDue();
  }

  private reportWriteError(code: string, error: unknown): void {
    this.metrics.writeError();
    this.services.diagnostics.warnOnce(code, `file exporter I/O failed (${errorCode(error)})`);
  }
}
