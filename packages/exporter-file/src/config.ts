import { z } from 'zod';

const MiB = 1024 * 1024;
const HOUR_MS = 60 * 60 * 1000;
/** setInterval fires at once for longer delays. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const octalMode = /^(?:0o?)?([0-7]{3})$/;
const modeRule = 'must be a file mode from 0o000 to 0o777, as a number or an octal string such as "0640"';

/**
 * A POSIX file mode. YAML 1.2 reads `0o640` as a number; JSON cannot write octal numbers, so an
 * octal string ("0640", "0o640", "640") is accepted too.
 */
const fileModeSchema = z
  .union([
    z.number().int(modeRule).min(0, modeRule).max(0o777, modeRule),
    z
      .string()
      .regex(octalMode, modeRule)
      .transform((text) => Number.parseInt(octalMode.exec(text)?.[1] ?? '600', 8)),
  ])
  .refine((mode) => (mode & 0o600) === 0o600, {
    message: 'must let the owner read and write (include 0o600), or the exporter cannot use its own files',
  });

/** Background compaction of closed days into Parquet (see the README's Parquet compaction). */
const compactionSchema = z.strictObject({
  /** Days a UTC day must have been over before it is compacted: 0 right after midnight. */
  afterDays: z.number().int('must be a whole number of days').min(0, 'must be 0 or more days').default(1),
  intervalMs: z
    .number()
    .int()
    .min(60_000, 'must be at least 60000 ms (one minute)')
    .max(MAX_TIMER_MS, 'must be at most 2147483647 ms (about 24.8 days)')
    .default(HOUR_MS),
  /** DuckDB's memory limit while compacting; past it, DuckDB spills to disk. */
  memoryLimit: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i, 'must be a size such as 256MB')
    .default('256MB'),
});

export const fileExporterConfigSchema = z.strictObject({
  /** Root of the partitioned tree; a relative path is resolved against the config file's directory. */
  directory: z.string().min(1, 'must name a directory'),
  maxFileBytes: z
    .number()
    .int()
    .positive()
    .default(64 * MiB),
  maxFileAgeMs: z.number().int().positive().default(HOUR_MS),
  maxOpenFiles: z.number().int().positive().max(4096).default(32),
  compress: z.boolean().default(true),
  retentionDays: z.number().int().positive().optional(),
  /**
   * Per retention class (the `retention=<class>/` level, from `ml.retention.class`): days its
   * `date=` partitions are kept. A class not listed here falls back to `retentionDays`.
   */
  retentionDaysByClass: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-" (a retention class)'),
      z.number().int('must be a whole number of days').positive('must be a positive number of days'),
    )
    .default({}),
  sweepIntervalMs: z
    .number()
    .int()
    .positive()
    .max(MAX_TIMER_MS, 'must be at most 2147483647 ms (about 24.8 days)')
    .default(HOUR_MS),
  integrity: z.boolean().default(false),
  fsync: z.boolean().default(false),
  fileMode: fileModeSchema.default(0o600),
  /** Compact closed days to Parquet in the background; off unless given (`compaction: {}` for the defaults). */
  compaction: compactionSchema.optional(),
});

export type CompactionConfig = z.output<typeof compactionSchema>;

export type FileExporterConfig = z.output<typeof fileExporterConfigSchema>;
/** What a config file may contain: every key but `directory` has a default. */
export type FileExporterConfigInput = z.input<typeof fileExporterConfigSchema>;
