import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { ComponentServices, LogRecordLike, TlsMaterial } from '@predlog/core';
import { BaseExporter, ExportError } from '@predlog/core';
import type { LokiExporterConfig } from './config.ts';
import { BatchPlanner, type PushRequestPlan } from './internal/batch-planner.ts';
import { DeadLetterWriter } from './internal/dead-letter.ts';
import { HttpTransport } from './internal/http-transport.ts';
import { encodeJsonPush } from './internal/json-push-encoder.ts';
import { isLabelField, type LabelField } from './internal/label-fields.ts';
import { LineEncoder } from './internal/line-encoder.ts';
import { encodePushRequest } from './internal/push-request-encoder.ts';
import { classifyResponse, networkFailure, type PushOutcome } from './internal/response-outcome.ts';
import { LokiExporterMetrics, type LokiExporterStats } from './internal/self-metrics.ts';
import { snappyCompress } from './internal/snappy-compressor.ts';
import { SnappyWorker } from './internal/snappy-worker-client.ts';

const gzip = promisify(gzipCallback);
const USER_AGENT = 'predlog-exporter-loki/0.1.0';
/**
 * Records planned at a time. About half a request at the default `maxRequestBytes` for records of
 * ~1 KB: small enough that the first request leaves early, large enough that streams stay long.
 */
const PLAN_SLICE_RECORDS = 512;

/**
 * A batch's requests as planned so far and how far delivery got, so a retry resumes instead of
 * sending twice.
 */
interface BatchProgress {
  readonly requests: PushRequestPlan[];
  /** Records of the batch planned into `requests` (a prefix of the batch). */
  planned: number;
  /** The first request not yet accepted. */
  next: number;
  rejectedRecords: number;
  lastRejection: { status: number; reason: string } | undefined;
}

interface EncodedBody {
  readonly body: Buffer;
  readonly rawBytes: number;
}

/** A request body ready to send, or the outcome that stands in for sending it. Never rejects. */
type Encoding = Promise<
  { readonly ok: true; readonly encoded: EncodedBody } | { readonly ok: false; readonly outcome: PushOutcome }
>;

function basicCredentials(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * Pushes records to Grafana Loki's push API (`/loki/api/v1/push`), protobuf + snappy by default or
 * JSON (optionally gzip). Each batch is grouped into streams by low-cardinality labels, each stream's
 * entries put in timestamp order with nanosecond timestamps, and cut into requests under
 * `maxRequestBytes`. The line is the record's stored form as JSON; ids go to structured metadata.
 *
 * Outcomes: 2xx delivered; 429/408/5xx and network errors reject with a retryable `ExportError`
 * (with `retryAfterMs` from `Retry-After`) and core's queue retries the batch, which resumes at the
 * first request not yet accepted; other 4xx are rejected for good: reported once, counted, written to
 * `deadLetterDirectory` when set, and the batch rejects with a non-retryable `ExportError`.
 */
export class LokiExporter extends BaseExporter {
  private readonly config: LokiExporterConfig;
  private readonly services: ComponentServices;
  private readonly planner: BatchPlanner;
  private readonly transport: HttpTransport;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly metrics: LokiExporterMetrics;
  private readonly deadLetter: DeadLetterWriter | undefined;
  private readonly progress = new WeakMap<readonly LogRecordLike[], BatchProgress>();
  private readonly encodeBody: (request: PushRequestPlan) => Promise<EncodedBody> | EncodedBody;
  private readonly snappyWorker: SnappyWorker | undefined;
  private closed = false;

  constructor(
    config: LokiExporterConfig,
    services: ComponentServices,
    tls: TlsMaterial = { rejectUnauthorized: true },
  ) {
    super(services.id);
    this.config = config;
    this.services = services;
    const labels: LabelField[] = config.labels.filter(isLabelField);
    this.planner = new BatchPlanner({
      labels,
      staticLabels: config.staticLabels,
      encoder: new LineEncoder({
        maxLineBytes: config.maxLineBytes,
        metadataFields: config.structuredMetadata,
        now: () => services.clock.now(),
      }),
      maxRequestBytes: config.maxRequestBytes,
      maxStreams: config.maxStreams,
      now: () => services.clock.now(),
    });
    const base = config.endpoint.replace(/\/+$/, '');
    this.transport = new HttpTransport(new URL(`${base}${config.pushPath}`), tls);
    this.headers = this.buildHeaders();
    this.metrics = new LokiExporterMetrics(services.meter, services.id);
    this.deadLetter =
      config.deadLetterDirectory === undefined
        ? undefined
        : new DeadLetterWriter(resolve(services.baseDir, config.deadLetterDirectory), services.id);
    this.snappyWorker =
      config.encoding === 'protobuf' && config.compressInWorker
        ? new SnappyWorker((reason) =>
            services.diagnostics.warnOnce(
              `loki.compression_worker.${services.id}`,
              `loki exporter ${services.id}: ${reason}; compressing on the event loop from now on`,
            ),
          )
        : undefined;
    const worker = this.snappyWorker;
    this.encodeBody =
      config.encoding === 'protobuf'
        ? worker !== undefined
          ? async (request) => {
              const raw = encodePushRequest(request.streams);
              const rawBytes = raw.length;
              return { body: await worker.compress(raw), rawBytes };
            }
          : (request) => {
              const raw = encodePushRequest(request.streams);
              return { body: snappyCompress(raw), rawBytes: raw.length };
            }
        : config.gzip
          ? async (request) => {
              const raw = Buffer.from(encodeJsonPush(request.streams), 'utf8');
              return { body: await gzip(raw), rawBytes: raw.length };
            }
          : (request) => {
              const raw = Buffer.from(encodeJsonPush(request.streams), 'utf8');
              return { body: raw, rawBytes: raw.length };
            };
  }

  /** Counts since this exporter started (the same as its metrics). */
  stats(): LokiExporterStats {
    return { ...this.metrics.stats };
  }

  /** The resolved dead-letter directory, when one is configured. */
  get deadLetterDirectory(): string | undefined {
    return this.deadLetter?.directory;
  }

  async send(records: readonly LogRecordLike[], signal: AbortSignal): Promise<void> {
    if (this.closed) throw new ExportError('loki exporter is shut down', { retryable: false });
    if (records.length === 0) return;
    let progress = this.progress.get(records);
    if (progress === undefined) {
      progress = { requests: [], planned: 0, next: 0, rejectedRecords: 0, lastRejection: undefined };
      this.progress.set(records, progress);
    }
    const requests = progress.requests;
    // A batch is planned a slice at a time, ahead of what is being sent: the event loop turns records
    // into lines while the worker compresses the previous request and while it is on the wire,
    // instead of planning the whole batch before the first byte leaves.
    let upcoming: Encoding | undefined;
    while (progress.next < requests.length || progress.planned < records.length) {
      if (signal.aborted) {
        throw new ExportError('loki push aborted (timeout or shutdown)', {
          retryable: true,
          cause: signal.reason,
        });
      }
      if (progress.next >= requests.length) {
        await this.planSlice(records, progress);
        continue;
      }
      const request = requests[progress.next] as PushRequestPlan;
      const encoding = upcoming ?? this.encode(request);
      upcoming = undefined;
      if (progress.next + 1 >= requests.length) await this.planSlice(records, progress);
      const ready = await encoding;
      const following = requests[progress.next + 1];
      if (following !== undefined) upcoming = this.encode(following);
      const sending = ready.ok ? this.post(request, ready.encoded, signal) : Promise.resolve(ready.outcome);
      if (progress.next + 2 >= requests.length) await this.planSlice(records, progress);
      const outcome = await sending;
      if (outcome.kind === 'retryable') {
        this.metrics.request('retryable');
        this.services.diagnostics.warnOnce(
          `loki.push_failed.${this.id}`,
          `loki exporter ${this.id}: a push failed and will be retried (${outcome.reason})`,
        );
        const options: { retryable: true; retryAfterMs?: number } = { retryable: true };
        if (outcome.retryAfterMs !== undefined) options.retryAfterMs = outcome.retryAfterMs;
        throw new ExportError(`loki push failed: ${outcome.reason}`, options);
      }
      progress.next++;
      if (outcome.kind === 'rejected') {
        await this.rejectRequest(request, outcome);
        progress.rejectedRecords += request.records;
        progress.lastRejection = outcome;
      }
    }
    this.progress.delete(records);
    const rejection = progress.lastRejection;
    if (rejection !== undefined) {
      throw new ExportError(
        `loki rejected ${progress.rejectedRecords} of ${records.length} records (${rejection.reason})`,
        // Until requests map back to record positions, core counts the whole batch as rejected.
        { retryable: false },
      );
    }
  }

  /** Plans the batch's next slice of records into requests (nothing when all are planned). */
  private async planSlice(records: readonly LogRecordLike[], progress: BatchProgress): Promise<void> {
    const from = progress.planned;
    if (from >= records.length) return;
    const to = Math.min(records.length, from + PLAN_SLICE_RECORDS);
    const plan = await this.planner.plan(records, from, to);
    this.reportEncoding(plan.truncated, plan.fallbacks);
    this.reportOverflow(plan.overflowed);
    for (const request of plan.requests) progress.requests.push(request);
    progress.planned = to;
  }

  override async shutdown(): Promise<void> {
    this.closed = true;
    this.transport.close();
    await this.snappyWorker?.close();
  }

  private encode(request: PushRequestPlan): Encoding {
    let body: Promise<EncodedBody> | EncodedBody;
    try {
      body = this.encodeBody(request);
    } catch {
      // Not expected: sizes are computed from the same entries the writer writes. Retrying would fail alike.
      return Promise.resolve({
        ok: false,
        outcome: { kind: 'rejected', status: 0, reason: 'the request could not be encoded' },
      });
    }
    return Promise.resolve(body).then(
      (encoded) => ({ ok: true, encoded }) as const,
      (error: unknown) =>
        ({
          ok: false,
          outcome: {
            kind: 'retryable',
            reason: `compression failed (${error instanceof Error ? error.message : 'error'})`,
            retryAfterMs: undefined,
          },
        }) as const,
    );
  }

  private async post(
    request: PushRequestPlan,
    encoded: EncodedBody,
    signal: AbortSignal,
  ): Promise<PushOutcome> {
    let outcome: PushOutcome;
    try {
      const response = await this.transport.post(encoded.body, this.headers, signal);
      outcome = classifyResponse(
        response.status,
        response.retryAfter,
        response.body,
        this.services.clock.now(),
      );
    } catch (error) {
      outcome = networkFailure(error);
    }
    if (outcome.kind === 'success') {
      this.metrics.request('success');
      this.metrics.sent(request.records, encoded.body.length, encoded.rawBytes);
    }
    return outcome;
  }

  private async rejectRequest(
    request: PushRequestPlan,
    outcome: { status: number; reason: string },
  ): Promise<void> {
    this.metrics.request('rejected');
    this.metrics.recordsRejected(request.records);
    let where = 'they were dropped (set deadLetterDirectory to keep them)';
    if (this.deadLetter !== undefined) {
      const lines: string[] = [];
      for (const stream of request.streams) for (const entry of stream.entries) lines.push(entry.line);
      try {
        await this.deadLetter.write(lines, outcome.status, this.services.clock.now());
        this.metrics.recordsDeadLettered(request.records);
        where = `they were written to the dead-letter directory ${this.deadLetter.directory}`;
      } catch (error) {
        this.metrics.deadLetterFailed();
        const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
        where = `writing them to the dead-letter directory failed (${code}) and they were dropped`;
      }
    }
    this.services.diagnostics.warnOnce(
      `loki.rejected.${this.id}`,
      `loki exporter ${this.id}: Loki rejected a push of ${request.records} records (${outcome.reason}); ${where}. Further rejections are counted in predlog.exporter.loki.records_rejected`,
    );
  }

  private reportEncoding(truncated: number, fallbacks: number): void {
    if (truncated > 0) {
      this.metrics.linesTruncated(truncated);
      this.services.diagnostics.warnOnce(
        `loki.line_truncated.${this.id}`,
        `loki exporter ${this.id}: records longer than maxLineBytes (${this.config.maxLineBytes}) were truncated with a marker`,
      );
    }
    if (fallbacks > 0) {
      this.metrics.encodeFallbacks(fallbacks);
      this.services.diagnostics.warnOnce(
        `loki.encode_fallback.${this.id}`,
        `loki exporter ${this.id}: records held values JSON cannot encode (bigint, binary data, cycles) or an invalid time; they were sent in a safe form`,
      );
    }
  }

  private reportOverflow(overflowed: number): void {
    if (overflowed === 0) return;
    this.metrics.recordsOverflowed(overflowed);
    this.services.diagnostics.warnOnce(
      `loki.stream_overflow.${this.id}`,
      `loki exporter ${this.id}: records carry more than maxStreams (${this.config.maxStreams}) distinct label sets; records of further label sets go to an overflow stream whose record labels are "__overflow__" (the resource's and retention aside; the values stay in the line). Counted in predlog.exporter.loki.records_overflowed`,
    );
  }

  private buildHeaders(): Record<string, string> {
    const config = this.config;
    const headers: Record<string, string> = { ...config.headers, 'user-agent': USER_AGENT };
    if (config.encoding === 'protobuf') headers['content-type'] = 'application/x-protobuf';
    else {
      headers['content-type'] = 'application/json';
      if (config.gzip) headers['content-encoding'] = 'gzip';
    }
    if (config.tenant !== undefined) headers['x-scope-orgid'] = config.tenant;
    if (config.basicAuth !== undefined) {
      headers.authorization = basicCredentials(config.basicAuth.username, config.basicAuth.password);
    } else if (config.bearerToken !== undefined) {
      headers.authorization = `Bearer ${config.bearerToken}`;
    }
    return headers;
  }
}
