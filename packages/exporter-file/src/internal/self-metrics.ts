import type { Attributes, Counter, Meter } from '@opentelemetry/api';

/** Counts kept in-process too, so `FileExporter.stats()` works without a metrics SDK. */
export interface FileExporterStats {
  recordsWritten: number;
  bytesWritten: number;
  filesRotated: number;
  filesCompressed: number;
  partitionsDeleted: number;
  /** `date=` partitions (or late files of one) compacted to Parquet by the `compaction` option. */
  partitionsCompacted: number;
  tornLinesCut: number;
  filesRecovered: number;
  encodeFallbacks: number;
  writeErrors: number;
}

/** Why a file was closed: the `reason` attribute of `files_rotated`. */
export type RotationReason = 'size' | 'age' | 'date' | 'evicted' | 'shutdown' | 'error';

const PREFIX = 'predlog.exporter.file';

/** The exporter's self-metrics, through the application's meter. */
export class FileExporterMetrics {
  readonly stats: FileExporterStats = {
    recordsWritten: 0,
    bytesWritten: 0,
    filesRotated: 0,
    filesCompressed: 0,
    partitionsDeleted: 0,
    partitionsCompacted: 0,
    tornLinesCut: 0,
    filesRecovered: 0,
    encodeFallbacks: 0,
    writeErrors: 0,
  };
  private readonly attributes: Attributes;
  private readonly records: Counter;
  private readonly bytes: Counter;
  private readonly rotated: Counter;
  private readonly compressed: Counter;
  private readonly deleted: Counter;
  private readonly compacted: Counter;
  private readonly torn: Counter;
  private readonly recovered: Counter;
  private readonly fallbacks: Counter;
  private readonly errors: Counter;

  constructor(meter: Meter, componentId: string) {
    this.attributes = { 'predlog.component.id': componentId };
    this.records = meter.createCounter(`${PREFIX}.records_written`, {
      description: 'Records written to files',
    });
    this.bytes = meter.createCounter(`${PREFIX}.bytes_written`, {
      description: 'Bytes written to uncompressed files',
      unit: 'By',
    });
    this.rotated = meter.createCounter(`${PREFIX}.files_rotated`, {
      description: 'Files closed, by reason (size, age, date, evicted, shutdown, error)',
    });
    this.compressed = meter.createCounter(`${PREFIX}.files_compressed`, {
      description: 'Closed files gzipped',
    });
    this.deleted = meter.createCounter(`${PREFIX}.partitions_deleted`, {
      description: 'date= partitions deleted by the retention sweep',
    });
    this.compacted = meter.createCounter(`${PREFIX}.partitions_compacted`, {
      description: 'date= partitions compacted to Parquet',
    });
    this.torn = meter.createCounter(`${PREFIX}.torn_lines_cut`, {
      description: 'Partial last lines cut from files left by a crash',
    });
    this.recovered = meter.createCounter(`${PREFIX}.files_recovered`, {
      description: 'In-progress files of a dead process closed at start',
    });
    this.fallbacks = meter.createCounter(`${PREFIX}.encode_fallbacks`, {
      description:
        'Records holding values JSON cannot encode (bigint, bytes, cycles), written in a safe form',
    });
    this.errors = meter.createCounter(`${PREFIX}.write_errors`, { description: 'Failed batch writes' });
  }

  written(records: number, bytes: number): void {
    this.stats.recordsWritten += records;
    this.stats.bytesWritten += bytes;
    this.records.add(records, this.attributes);
    this.bytes.add(bytes, this.attributes);
  }

  fileRotated(reason: RotationReason): void {
    this.stats.filesRotated += 1;
    this.rotated.add(1, { ...this.attributes, reason });
  }

  fileCompressed(): void {
    this.stats.filesCompressed += 1;
    this.compressed.add(1, this.attributes);
  }

  partitionsDeleted(count: number): void {
    if (count === 0) return;
    this.stats.partitionsDeleted += count;
    this.deleted.add(count, this.attributes);
  }

  partitionsCompacted(count: number): void {
    if (count === 0) return;
    this.stats.partitionsCompacted += count;
    this.compacted.add(count, this.attributes);
  }

  recovery(files: number, tornLines: number): void {
    this.stats.filesRecovered += files;
    this.stats.tornLinesCut += tornLines;
    if (files > 0) this.recovered.add(files, this.attributes);
    if (tornLines > 0) this.torn.add(tornLines, this.attributes);
  }

  encodeFallbacks(count: number): void {
    this.stats.encodeFallbacks += count;
    this.fallbacks.add(count, this.attributes);
  }

  writeError(): void {
    this.stats.writeErrors += 1;
    this.errors.add(1, this.attributes);
  }
}
