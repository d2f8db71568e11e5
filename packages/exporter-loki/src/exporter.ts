import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { ComponentServices, LogRecordLike, TlsMaterial } from '@predlog/core';
import { BaseExporter, ExportError } from '@predlog/core';
import type { LokiExporterConfig } from './config.ts';
import {
  BatchPlanner,
  type PushRequestPlan,
  type RefusalReason,
  type RefusedEntry,
} from './internal/batch-planner.ts';
import { BatchSettlement } from './internal/batch-settlement.ts';
import { DeadLetterWriter } from './internal/dead-letter.ts';
import { HttpTransport } from './internal/http-transport.ts';
import { encodeJsonPush } from './internal/json-push-encoder.ts';
import { isLabelField, type LabelField } from './internal/label-fields.ts';
import { LineEncoder } from './internal/line-encoder.ts';
import { attributeRejection } from './internal/push-rejection.ts';
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
 * One `send()` call's requests as planned so far and how far delivery got. It lives only as long as
 * the call: what Loki took travels back to core in the `ExportError`, and a retry is a new, shorter
 * batch planned afresh.
 */
interface BatchProgress {
  readonly requests: PushRequestPlan[];
  /** Records of the batch planned into `requests` (a prefix of the batch). */
  planned: number;
  /** The first request not yet sent. */
  next: number;
  readonly settlement: BatchSettlement;
  lastRejection: string | undefined;
}

/** Why a record kept out of the push is refused, as the queue's diagnostics and counts say it. */
const REFUSAL_TEXT: Readonly<Record<RefusalReason, string>> = {
  too_old: "older than rejectOldSamplesMaxAgeMs (Loki's reject_old_samples_max_age)",
  line_too_long: "line over maxLineBytes (Loki's max_line_size)",
};

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
 * What Loki is known to refuse (entries older than `rejectOldSamplesMaxAgeMs`, lines over
 * `maxLineBytes` unless `oversizedLines: truncate`) never leaves: it is rejected before sending.
 * Outcomes, reported to core's queue by position (partial success in the `ExportError`): 2xx
 * delivered; 429/408/5xx and network errors fail the rest of the batch retryably (429 as
 * `throttled`, with `retryAfterMs` from `Retry-After`), the records Loki already took being named
 * accepted, so the queue resends only the others; other 4xx refuse the entries Loki's answer names
 * (the whole push when it names none or cannot be matched), which are reported once, counted and
 * written to `deadLetterDirectory` when set, while the other requests of the batch are still sent.
 */
export class LokiExporter extends BaseExporter {
  private readonly config: LokiExporterConfig;
  private readonly services: ComponentServices;
  private readonly planner: BatchPlanner;
  private readonly transport: HttpTransport;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly metrics: LokiExporterMetrics;
  private readonly deadLetter: DeadLetterWriter | undefined;
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
        oversized: config.oversizedLines,
        metadataFields: config.structuredMetadata,
        now: () => services.clock.now(),
      }),
      maxRequestBytes: config.maxRequestBytes,
      maxStreams: config.maxStreams,
      rejectOlderThanMs: config.rejectOldSamplesMaxAgeMs,
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
    const progress: BatchProgress = {
      requests: [],
      planned: 0,
      next: 0,
      settlement: new BatchSettlement(records.length),
      lastRejection: undefined,
    };
    const { requests, settlement } = progress;
    // A batch is planned a slice at a time, ahead of what is being sent: the event loop turns records
    // into lines while the worker compresses the previous request and while it is on the wire,
    // instead of planning the whole batch before the first byte leaves.
    let upcoming: Encoding | undefined;
    while (progress.next < requests.length || progress.planned < records.length) {
      if (signal.aborted) {
        throw settlement.error('loki push aborted (timeout or shutdown)', {
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
      const segment = request.streams[0];
      if (outcome.kind === 'retryable') {
        this.metrics.request('retryable');
        this.services.diagnostics.warnOnce(
          `loki.push_failed.${this.id}`,
          `loki exporter ${this.id}: a push failed and will be retried (${outcome.reason})`,
        );
        // A stream's own rate limit (429 from the ingester) stores the entries it does not name.
        if (outcome.throttled) {
          const attribution = attributeRejection(outcome.body, segment);
          if (attribution.exact) {
            const limited = new Set(attribution.positions);
            const taken = segment.indexes.filter((_, position) => !limited.has(position));
            settlement.accept(taken);
            if (ready.ok) this.metrics.sent(taken.length, 0, 0);
          }
        }
        const options: { retryable: true; throttled: boolean; retryAfterMs?: number } = {
          retryable: true,
          throttled: outcome.throttled,
        };
        if (outcome.retryAfterMs !== undefined) options.retryAfterMs = outcome.retryAfterMs;
        throw settlement.error(`loki push failed: ${outcome.reason}`, options);
      }
      progress.next++;
      if (outcome.kind === 'success') settlement.accept(segment.indexes);
      else {
        await this.rejectRequest(request, outcome, settlement, ready.ok ? ready.encoded : undefined);
        progress.lastRejection = outcome.reason;
      }
    }
    if (settlement.rejectedCount > 0) {
      throw settlement.error(
        `loki rejected ${settlement.rejectedCount} of ${records.length} records (${progress.lastRejection ?? 'refused before sending'})`,
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
    if (plan.refused.length > 0) await this.refuse(plan.refused, progress.settlement);
  }

  /**
   * Records Loki is known to refuse, kept out of the push: counted as rejected (by position, for
   * core), written to the dead-letter directory, reported once per reason.
   */
  private async refuse(refused: readonly RefusedEntry[], settlement: BatchSettlement): Promise<void> {
    for (const reason of ['too_old', 'line_too_long'] as const) {
      const these = refused.filter((entry) => entry.reason === reason);
      if (these.length === 0) continue;
      for (const entry of these) settlement.reject(entry.index, REFUSAL_TEXT[reason]);
      this.metrics.recordsRejected(these.length, reason);
      const where = await this.deadLetterLines(
        these.map((entry) => entry.line),
        reason,
      );
      this.services.diagnostics.warnOnce(
        `loki.${reason}.${this.id}`,
        `loki exporter ${this.id}: records Loki would refuse (${REFUSAL_TEXT[reason]}) were not sent; ${where}. Further ones are counted in predlog.exporter.loki.records_rejected{reason="${reason}"}`,
      );
    }
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
        outcome: { kind: 'rejected', status: 0, reason: 'the request could not be encoded', body: '' },
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
            throttled: false,
            body: '',
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

  /**
   * A push Loki refused (4xx). Loki keeps the valid entries of a push and names the others in its
   * answer; when the answer can be matched to entries one for one, only those are rejected and the
   * rest count as delivered. Otherwise the whole push is rejected, which may count entries Loki did
   * store: the conservative side, since they are dead-lettered rather than lost.
   */
  private async rejectRequest(
    request: PushRequestPlan,
    outcome: { status: number; reason: string; body: string },
    settlement: BatchSettlement,
    encoded: EncodedBody | undefined,
  ): Promise<void> {
    this.metrics.request('rejected');
    const segment = request.streams[0];
    let refused: readonly number[] = segment.indexes.map((_, position) => position);
    let reasons: readonly string[] | undefined;
    if (outcome.status === 400) {
      const attribution = attributeRejection(outcome.body, segment);
      if (attribution.exact) {
        refused = attribution.positions;
        reasons = attribution.reasons;
      } else if (attribution.namedEntries) {
        this.services.diagnostics.warnOnce(
          `loki.rejection_unattributed.${this.id}`,
          `loki exporter ${this.id}: Loki refused part of a push without naming every entry; all ${segment.indexes.length} entries of that push were counted as rejected (and dead-lettered when configured), though Loki may have stored some of them`,
        );
      }
    }
    const refusedSet = new Set(refused);
    const taken = segment.indexes.filter((_, position) => !refusedSet.has(position));
    settlement.accept(taken);
    if (taken.length > 0 && encoded !== undefined) this.metrics.sent(taken.length, 0, 0);
    refused.forEach((position, i) => {
      const why = reasons?.[i];
      settlement.reject(
        segment.indexes[position] as number,
        why === undefined ? outcome.reason : `HTTP ${outcome.status}: ${why}`,
      );
    });
    this.metrics.recordsRejected(refused.length, 'http');
    const where = await this.deadLetterLines(
      refused.map((position) => (segment.entries[position] as { line: string }).line),
      `http${outcome.status}`,
    );
    this.services.diagnostics.warnOnce(
      `loki.rejected.${this.id}`,
      `loki exporter ${this.id}: Loki rejected ${refused.length} of the ${segment.indexes.length} entries of a push (${outcome.reason}); ${where}. Further rejections are counted in predlog.exporter.loki.records_rejected`,
    );
  }

  /** Writes refused lines to the dead-letter directory when one is set; says where they went. */
  private async deadLetterLines(lines: readonly string[], why: string): Promise<string> {
    if (this.deadLetter === undefined) return 'they were dropped (set deadLetterDirectory to keep them)';
    try {
      await this.deadLetter.write(lines, why, this.services.clock.now());
      this.metrics.recordsDeadLettered(lines.length);
      return `they were written to the dead-letter directory ${this.deadLetter.directory}`;
    } catch (error) {
      this.metrics.deadLetterFailed();
      const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
      return `writing them to the dead-letter directory failed (${code}) and they were dropped`;
    }
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
