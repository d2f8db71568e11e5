import { z } from 'zod';

const positiveInt = 'must be a positive whole number';

/** Limits and queue of the PredictionLogger façade (the part that runs on the caller's thread). */
export const loggerConfigSchema = z.strictObject({
  /** Records the async boundary holds before it drops (and counts) new ones. */
  maxQueueRecords: z.number().int(positiveInt).positive(positiveInt).default(65_536),
  /** Approximate bytes the async boundary holds before it drops new records. */
  maxQueueBytes: z
    .number()
    .int(positiveInt)
    .positive(positiveInt)
    .default(64 * 1024 * 1024),
  /** Records moved across the boundary per batch; several batches may run in one turn. */
  drainBatchSize: z.number().int(positiveInt).positive(positiveInt).default(512),
  /** Time one background turn may spend moving records before it yields to the event loop. */
  drainTurnMs: z.number().positive('must be a positive number').default(2),
  /** Strings longer than this are cut and marked `…[truncated N chars]`. */
  maxStringLength: z.number().int(positiveInt).min(16, 'must be at least 16').default(8192),
  /** Nesting deeper than this becomes the marker `[depth limit]`. */
  maxDepth: z.number().int(positiveInt).min(1).max(64, 'must be at most 64').default(8),
  /** Arrays longer than this keep their first items and a marker `…[N more items]`. */
  maxArrayLength: z.number().int(positiveInt).positive(positiveInt).default(1024),
  /** Objects with more keys keep the first ones and a `…` key counting the rest. */
  maxObjectKeys: z.number().int(positiveInt).positive(positiveInt).default(512),
  /** A record whose captured size exceeds this loses its raw_input (replaced by a marker). */
  maxRecordBytes: z
    .number()
    .int(positiveInt)
    .positive(positiveInt)
    .default(1024 * 1024),
  /** Read trace_id/span_id from the active OTel span when the caller gives none. */
  captureTraceContext: z.boolean().default(true),
  /** Time `shutdown()` waits for queues to drain before it counts the rest as dropped. */
  shutdownTimeoutMs: z.number().int(positiveInt).positive(positiveInt).default(10_000),
  /**
   * Where processors and exporters run: `inline` (on the serving thread, after an async boundary)
   * or `worker` (a pipeline worker thread fed through a shared-memory byte ring). Opt-in for now.
   */
  thread: z.enum(['inline', 'worker'], { message: 'must be "inline" or "worker"' }).default('inline'),
});
export type LoggerConfig = z.output<typeof loggerConfigSchema>;

/**
 * Optional disk spill of one exporter's queue, under `queue.spill`: batches the sink cannot take now
 * (it is down, or the memory queue is full) wait on disk, bounded in bytes, and survive a restart.
 */
export const spillConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /**
     * Root of the spill; the exporter's segments live in `<directory>/<exporter id>` (the id
     * URI-encoded). Relative to the config file's directory (to the working directory in code).
     */
    directory: z.string().min(1, 'must name a directory').optional(),
    /** Bytes of segment files kept; beyond, the oldest segments are dropped (`spill_full`). */
    maxBytes: z
      .number()
      .int(positiveInt)
      .min(4096, 'must be at least 4096')
      .default(256 * 1024 * 1024),
    /** fsync every segment write (and the directory on create/delete): survives power loss, costs a disk flush per batch. */
    fsync: z.boolean().default(false),
  })
  .refine((s) => !s.enabled || s.directory !== undefined, {
    path: ['directory'],
    message: 'is required when spill is enabled',
  });
export type SpillConfig = z.output<typeof spillConfigSchema>;

/** Per-exporter export queue, under the exporter's `queue:` key. */
export const exportQueueConfigSchema = z
  .strictObject({
    /** A batch is sent when it holds this many records... */
    maxBatchSize: z.number().int(positiveInt).positive(positiveInt).default(2048),
    /** ...or this many approximate bytes... */
    maxBatchBytes: z
      .number()
      .int(positiveInt)
      .positive(positiveInt)
      .default(4 * 1024 * 1024),
    /** ...or when its oldest record is this old. */
    maxBatchAgeMs: z.number().int(positiveInt).positive(positiveInt).default(1000),
    /**
     * Records waiting in memory (all batches) before new ones are dropped and counted, or, with
     * `spill.enabled`, before the waiting batches move to disk.
     */
    maxQueueRecords: z.number().int(positiveInt).positive(positiveInt).default(131_072),
    /** One send may take this long before it is aborted and treated as a retryable failure. */
    timeoutMs: z.number().int(positiveInt).positive(positiveInt).default(30_000),
    retry: z
      .strictObject({
        enabled: z.boolean().default(true),
        initialIntervalMs: z.number().int(positiveInt).positive(positiveInt).default(500),
        maxIntervalMs: z.number().int(positiveInt).positive(positiveInt).default(30_000),
        multiplier: z.number().min(1, 'must be at least 1').default(2),
        /** Share of each interval randomised (0.2 = ±20%) so replicas do not retry in step. */
        jitter: z.number().min(0).max(1, 'must be a number from 0 to 1').default(0.2),
        /**
         * A batch still failing after this long is dropped and counted as `export_failed`. Not with
         * `spill.enabled`: a failed batch then waits on disk until the sink takes it.
         */
        maxElapsedMs: z.number().int(positiveInt).positive(positiveInt).default(300_000),
      })
      .prefault({}),
    spill: spillConfigSchema.prefault({}),
  })
  .refine((q) => q.maxQueueRecords >= q.maxBatchSize, {
    path: ['maxQueueRecords'],
    message: 'must be at least maxBatchSize',
  });
export type ExportQueueConfig = z.output<typeof exportQueueConfigSchema>;
/** What a config (or code) may give: every key has a default, `spill.directory` aside. */
export type ExportQueueConfigInput = z.input<typeof exportQueueConfigSchema>;

const componentId = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]*(\/[A-Za-z0-9_.-]+)?$/,
    'must be "type" or "type/name" (e.g. "file", "sampling/default")',
  );

export const pipelineConfigSchema = z.strictObject({
  /** Event names this pipeline takes; default both predictions and feedback. */
  events: z.array(z.string().min(1)).min(1).default(['ml.prediction', 'ml.feedback']),
  processors: z.array(componentId).default([]),
  exporters: z.array(componentId).min(1, 'a pipeline needs at least one exporter'),
});
export type PipelineConfig = z.output<typeof pipelineConfigSchema>;

/**
 * The file's shape before component configs are checked by their factories' own schemas. Component
 * bodies are `unknown` here; the loader validates each against its factory.
 */
export const configFileSchema = z.strictObject({
  resource: z.record(z.string(), z.string()).default({}),
  logger: loggerConfigSchema.prefault({}),
  processors: z.record(componentId, z.unknown()).default({}),
  exporters: z.record(componentId, z.unknown()),
  pipelines: z
    .record(
      z.string().regex(/^[A-Za-z0-9_-]+$/, 'pipeline names use letters, digits, _ and -'),
      pipelineConfigSchema,
    )
    .refine((p) => Object.keys(p).length > 0, { message: 'define at least one pipeline' }),
  /**
   * Serving and model metrics, owned by `@predlog/metrics`: it reads this section itself
   * (`createModelMetrics({ configFile })`, `loadConfigSection`), as does `predlog validate`. Opaque
   * to the logger, which has no metrics of its own to configure here.
   */
  metrics: z.unknown().optional(),
  /**
   * Auto-instrumentation set up from this file, owned by `@predlog/register` (`node --import
   * @predlog/register app.js`): it reads and checks this section itself (`loadConfigSection`). Opaque
   * to the logger, which instruments nothing.
   */
  instrumentation: z.unknown().optional(),
});
export type ConfigFile = z.output<typeof configFileSchema>;
