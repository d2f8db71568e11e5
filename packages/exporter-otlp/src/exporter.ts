import type { AgentOptions } from 'node:https';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter as OtlpHttpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpHttpProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { ComponentServices, LogRecordLike, TlsMaterial } from '@predlog/core';
import { BaseExporter, ExportError } from '@predlog/core';
import { logsUrl, type OtlpExporterConfig } from './config.ts';
import { toExportError } from './internal/export-failure.ts';
import { OtlpExporterMetrics, type OtlpExporterStats } from './internal/self-metrics.ts';

/** PEM material for the connection, read by the factory from the files named in `tls`. */
type StockExporter = OtlpHttpJsonLogExporter | OtlpHttpProtoLogExporter;
type StockRecords = Parameters<StockExporter['export']>[0];

function basicCredentials(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * Sends records over OTLP/HTTP with the stock OpenTelemetry exporters
 * (`@opentelemetry/exporter-logs-otlp-proto` for `http/protobuf`, `-otlp-http` for `http/json`),
 * behind predlog's export queue: the queue batches, retries and times out; this class turns the
 * stock exporter's callback into a promise and its failure into an `ExportError` saying whether a
 * retry may help. Records reach the wire as they are: their resource (service.name, host.name,
 * deployment.environment.name...), ml.* attributes, body map, event name, trace context.
 */
export class OtlpExporter extends BaseExporter {
  /** The URL requests go to. */
  readonly url: string;
  private readonly stock: StockExporter;
  private readonly services: ComponentServices;
  private readonly metrics: OtlpExporterMetrics;
  private closed = false;

  constructor(
    config: OtlpExporterConfig,
    services: ComponentServices,
    tls: TlsMaterial = { rejectUnauthorized: true },
  ) {
    super(services.id);
    this.services = services;
    this.url = logsUrl(config);
    this.metrics = new OtlpExporterMetrics(services.meter, services.id);
    const headers: Record<string, string> = { ...config.headers };
    if (config.basicAuth !== undefined) {
      headers.Authorization = basicCredentials(config.basicAuth.username, config.basicAuth.password);
    } else if (config.bearerToken !== undefined) {
      headers.Authorization = `Bearer ${config.bearerToken}`;
    }
    const agentOptions: AgentOptions = { keepAlive: true, rejectUnauthorized: tls.rejectUnauthorized };
    if (tls.ca !== undefined) agentOptions.ca = tls.ca;
    if (tls.cert !== undefined) agentOptions.cert = tls.cert;
    if (tls.key !== undefined) agentOptions.key = tls.key;
    const options = {
      url: this.url,
      headers,
      compression: config.compression === 'gzip' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
      timeoutMillis: config.timeoutMs,
      // predlog's queue sends one batch at a time; the stock default (30 in flight) never applies.
      concurrencyLimit: 2,
      httpAgentOptions: agentOptions,
    };
    this.stock =
      config.protocol === 'http/json'
        ? new OtlpHttpJsonLogExporter(options)
        : new OtlpHttpProtoLogExporter(options);
  }

  /** Counts since this exporter started (the same as its metrics). */
  stats(): OtlpExporterStats {
    return { ...this.metrics.stats };
  }

  send(records: readonly LogRecordLike[], signal: AbortSignal): Promise<void> {
    if (this.closed)
      return Promise.reject(new ExportError('otlp exporter is shut down', { retryable: false }));
    if (records.length === 0) return Promise.resolve();
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
      this.stock.export(records as unknown as StockRecords, (result) => {
        signal.removeEventListener('abort', onAbort);
        if (result.code === ExportResultCode.SUCCESS) {
          this.metrics.outcome('success', records.length);
          if (!settled) resolve();
        } else {
          const error = toExportError(result.error);
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
        `otlp exporter ${this.id}: an export to ${this.url} failed and will be retried (${error.message})`,
      );
    } else {
      this.metrics.outcome('rejected', records);
      diagnostics.warnOnce(
        `otlp.rejected.${this.id}`,
        `otlp exporter ${this.id}: ${this.url} rejected a batch of ${records} records (${error.message}); it is dropped and counted in predlog.exporter.otlp.records_rejected`,
      );
    }
  }
}
