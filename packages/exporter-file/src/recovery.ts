import { rm, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { compressFile } from './internal/compressor.ts';
import { CLOSED_SUFFIX, parseDataFileName, parseTempFileName } from './internal/file-names.ts';
import { isInUse } from './internal/live-files.ts';
import { walkPartitions } from './internal/partition-walk.ts';
import { recoverInprogressFile } from './internal/recover-file.ts';

export interface RecoveryOptions {
  /** Root of the exporter's partition tree. */
  readonly directory: string;
  /** Gzip the files closed by recovery and any closed file left uncompressed. Default true. */
  readonly compress?: boolean;
  /** Mode of the .gz files written. Default 0o600. */
  readonly fileMode?: number;
  /** fsync recovered and compressed files before renaming them. Default false. */
  readonly fsync?: boolean;
  /** Wall-clock time written to recovery trailers. Default `Date.now()`. */
  readonly nowMs?: number;
}

export interface RecoveryReport {
  /** In-progress files of dead processes that were closed (renamed to `.ndjson`). */
  recoveredFiles: number;
  /** Torn last lines cut off (at most one per recovered file). */
  tornLines: number;
  /** Bytes cut with them. */
  cutBytes: number;
  /** In-progress files that held no complete line and were removed. */
  removedEmptyFiles: number;
  /** In-progress files left alone because their writer is alive. */
  skippedLiveFiles: number;
  /** Leftover compression temp files removed. */
  removedTempFiles: number;
  /** Originals removed because their `.gz` was already complete. */
  removedDuplicates: number;
  /** Closed files gzipped (by `recoverDirectory`; the exporter compresses in the background). */
  compressedFiles: number;
}

export interface TreeRecovery {
  readonly report: RecoveryReport;
  /** Closed files still to be gzipped. */
  readonly toCompress: string[];
}

/**
 * Repairs what a crash (SIGKILL, power loss) leaves in a partition tree, without touching the
 * files of a live process. Used by the exporter at start; exported for the CLI.
 */
export async function recoverTree(
  root: string,
  options: { compress: boolean; fsync: boolean; nowMs: number },
): Promise<TreeRecovery> {
  const report: RecoveryReport = {
    recoveredFiles: 0,
    tornLines: 0,
    cutBytes: 0,
    removedEmptyFiles: 0,
    skippedLiveFiles: 0,
    removedTempFiles: 0,
    removedDuplicates: 0,
    compressedFiles: 0,
  };
  const toCompress: string[] = [];
  for await (const dir of walkPartitions(root)) {
    const names = new Set(dir.fileNames);
    for (const name of dir.fileNames) {
      const path = join(dir.path, name);
      const tempPid = parseTempFileName(name);
      if (tempPid !== undefined) {
        if (!isInUse(path, tempPid)) {
          await rm(path, { force: true });
          report.removedTempFiles += 1;
        }
        continue;
      }
      const parsed = parseDataFileName(name);
      if (parsed === undefined || parsed.state === 'gzip') continue;
      const closedName = parsed.base + CLOSED_SUFFIX;
      if (parsed.state === 'inprogress') {
        if (isInUse(path, parsed.pid)) {
          report.skippedLiveFiles += 1;
          continue;
        }
        const result = await recoverInprogressFile(path, join(dir.path, closedName), options);
        if (result.cutBytes > 0) {
          report.tornLines += 1;
          report.cutBytes += result.cutBytes;
        }
        if (result.removed) {
          report.removedEmptyFiles += 1;
          continue;
        }
        report.recoveredFiles += 1;
        if (options.compress) toCompress.push(join(dir.path, closedName));
      } else if (names.has(`${closedName}.gz`)) {
        // The .gz is renamed into place only when complete: the original is a leftover.
        await unlink(path).catch(() => undefined);
        report.removedDuplicates += 1;
      } else if (options.compress && (parsed.pid === process.pid || !isInUse(path, parsed.pid))) {
        // A live writer compresses its own closed files; ours (an earlier process with our pid) or a
        // dead one's are picked up here.
        toCompress.push(path);
      }
    }
  }
  return { report, toCompress };
}

/**
 * Recovers a partition tree after a crash: closes in-progress files of dead processes (cutting a
 * torn last line, keeping hash chains verifiable), removes compression leftovers and, unless
 * `compress` is false, gzips closed files. Safe to run beside a live exporter on the same tree.
 */
export async function recoverDirectory(options: RecoveryOptions): Promise<RecoveryReport> {
  const root = resolve(options.directory);
  const fsync = options.fsync ?? false;
  const { report, toCompress } = await recoverTree(root, {
    compress: options.compress ?? true,
    fsync,
    nowMs: options.nowMs ?? Date.now(),
  });
  for (const path of toCompress) {
    if ((await compressFile(path, options.fileMode ?? 0o600, fsync)) !== undefined)
      report.compressedFiles += 1;
  }
  return report;
}
