import type { AgentOptions } from 'node:https';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter as OtlpGrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as OtlpHttpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpHttpProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import {
  createEmptyMetadata,
  createInsecureCredentials,
  createSslCredentials,
} from '@opentelemetry/otlp-grpc-exporter-base';
import type { ComponentServices, LogRecordLike, TlsMaterial } from '@predlog/core';
import { BaseExporter, ExportError, redactUrl } from '@predlog/core';
import type { OtlpExporterConfig, OtlpProtocol } from './config.ts';
import { toExportError } from './internal/export-failure.ts';
import { splitByBytes } from './internal/request-split.ts';
import { OtlpExporterMetrics, type OtlpExporterStats } from './internal/self-metrics.ts';
import { wireRecord } from './internal/wire-record.ts';
import { type Environment, type ResolvedOtlpSettings, resolveOtlpSettings } from './otlp-environment.ts';

type StockExporter = OtlpHttpJsonLogExporter | OtlpHttpProtoLogExporter | OtlpGrpcLogExporter;
type StockRecords = Parameters<StockExporter['export']>[0];

function basicCredentials(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * Sends records over OTLP with the stock OpenTelemetry exporters
 * (`@opentelemetry/exporter-logs-otlp-proto` for `http/protobuf`, `-otlp-http` for `http/json`,
 * `-otlp-grpc` for `grpc`), behind predlog's export queue: the queue batches, retries and times
 * out; this class splits a batch into requests of at most `maxRequestBytes`, turns the stock
 * exporter's callback into a promise and its failure into an `ExportError` saying whether a retry
 * may help and how many records were already accepted. Records reach the wire as they are (their
 * resource, ml.* attributes, body map, event name, trace context) plus the event name as the
 * `event.name` attribute and a non-empty body, which Loki's OTLP ingestion needs (see README).
 */
export class OtlpExporter extends BaseExporter {
  /** The URL requests go to (gRPC: the server address). */
  readonly url: string;
  /** Config, environment and defaults combined. */
  readonly settings: ResolvedOtlpSettings;
  private readonly maxRequestBytes: number;
  private readonly stock: StockExporter;
  private readonly services: ComponentServices;
  private readonly metrics: OtlpExporterMetrics;
  private closed = false;

  constructor(
    config: OtlpExporterConfig,
    services: ComponentServices,
    tls: TlsMaterial = { rejectUnauthorized: true },
    env: Environment = process.env,
  ) {
    super(services.id);
    this.services = services;
    this.settings = resolveOtlpSettings(config, env);
    this.url = this.settings.url;
    this.maxRequestBytes = config.maxRequestBytes;
    this.metrics = new OtlpExporterMetrics(services.meter, services.id);
    const headers: Record<string, string> = { ...this.settings.headers };
    if (config.basicAuth !== undefined) {
      headers.Authorization = basicCredentials(config.basicAuth.username, config.basicAuth.password);
    } else if (config.bearerToken !== undefined) {
      headers.Authorization = `Bearer ${config.bearerToken}`;
    }
    this.stock = stockExporter(this.settings.protocol, this.settings, headers, tls);
  }

  /** Counts since this exporter started (the same as its metrics). */
  stats(): OtlpExporterStats {
    return { ...this.metrics.stats };
  }

  /**
   * Sends the batch as consecutive requests of at most `maxRequestBytes`. When one fails, the
   * records of the requests before it were accepted: the error says so (`acceptedRecords`), so a
   * retry starts after them and nothing is sent twice.
   */
  async send(records: readonly LogRecordLike[], signal: AbortSignal): Promise<void> {
    if (this.closed) throw new ExportError('otlp exporter is shut down', { retryable: false });
    if (records.length === 0) return;
    let start = 0;
    for (const end of splitByBytes(records, this.maxRequestBytes)) {
      try {
        await this.sendRequest(records.slice(start, end), signal);
      } catch (error) {
        throw withAccepted(
          error instanceof ExportError ? error : toExportError(error, this.settings.protocol),
          start,
        );
      }
      start = end;
    }
  }

  private sendRequest(records: readonly LogRecordLike[], signal: AbortSignal): Promise<void> {
    if (signal.aborted) {
      return Promise.reject(new ExportError('otlp export aborted before sending', { retryable: true }));
    }
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        // The stock exporter cannot cancel its request; its own timeoutMs ends it.
        reject(new ExportError('otlp export aborted (timeout or shutdown)', { retryable: true }));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // predlog's records satisfy ReadableLogRecord; the stock exporter pins its own sdk-logs copy.
      const wire = records.map(wireRecord);
      this.stock.export(wire as unknown as StockRecords, (result) => {
        signal.removeEventListener('abort', onAbort);
        if (result.code === ExportResultCode.SUCCESS) {
          this.metrics.outcome('success', records.length);
          if (!settled) resolve();
        } else {
          const error = toExportError(result.error, this.settings.protocol);
          this.report(error, records.length);
          if (!settled) reject(error);
        }
        settled = true;
      });
    });
  }

  override forceFlush(): Promise<void> {
    return this.stock.forceFlush();
  }

  override async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stock.shutdown();
  }

  private report(error: ExportError, records: number): void {
    const { diagnostics } = this.services;
    if (error.retryable) {
      this.metrics.outcome('retryable', records);
      diagnostics.warnOnce(
        `otlp.export_failed.${this.id}`,
        `otlp exporter ${this.id}: an export to ${redactUrl(this.url)} failed and will be retried (${error.message})`,
      );
    } else {
      this.metrics.outcome('rejected', records);
      diagnostics.warnOnce(
        `otlp.rejected.${this.id}`,
        `otlp exporter ${this.id}: ${redactUrl(this.url)} rejected a batch of ${records} records (${error.message}); it is dropped and counted in predlog.exporter.otlp.records_rejected`,
      );
    }
  }
}

/**
 * The error of a failed request, saying how many records of the batch the requests before it had
 * delivered. A non-retryable rejection counts only the rest as rejected.
 */
function withAccepted(error: ExportError, accepted: number): ExportError {
  if (accepted === 0) return error;
  return new ExportError(error.message, {
    retryable: error.retryable,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    throttled: error.throttled,
    acceptedCount: accepted,
    cause: error.cause ?? error,
  });
}

function stockExporter(
  protocol: OtlpProtocol,
  settings: ResolvedOtlpSettings,
  headers: Record<string, string>,
  tls: TlsMaterial,
): StockExporter {
  const compression = settings.compression === 'gzip' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE;
  if (protocol === 'grpc') {
    const metadata = createEmptyMetadata();
    for (const [key, value] of Object.entries(headers)) metadata.set(key.toLowerCase(), value);
    const credentials = settings.url.startsWith('https:')
      ? createSslCredentials(tls.ca, tls.key, tls.cert)
      : createInsecureCredentials();
    return new OtlpGrpcLogExporter({
      url: settings.url,
      metadata,
      credentials,
      compression,
      timeoutMillis: settings.timeoutMs,
    });
  }
  const agentOptions: AgentOptions = { keepAlive: true, rejectUnauthorized: tls.rejectUnauthorized };
  if (tls.ca !== undefined) agentOptions.ca = tls.ca;
  if (tls.cert !== undefined) agentOptions.cert = tls.cert;
  if (tls.key !== undefined) agentOptions.key = tls.key;
  const options = {
    url: settings.url,
    headers,
    compression,
    timeoutMillis: settings.timeoutMs,
    // predlog's queue sends one batch at a time; the stock default (30 in flight) never applies.
    concurrencyLimit: 2,
    httpAgentOptions: agentOptions,
  };
  return protocol === 'http/json'
    ? new OtlpHttpJsonLogExporter(options)
    : new OtlpHttpProtoLogExporter(options);
}
