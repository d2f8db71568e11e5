/**
 * The fraud-scoring service: loads the model and the customer profiles, opens the predlog logger
 * from predlog.yaml and serves HTTP until SIGTERM or SIGINT.
 *
 *   PREDLOG_REDACTION_KEY=$(openssl rand -base64 48) PORT=8080 PREDLOG_LOG_DIR=./prediction-logs node src/server.ts
 *
 * Writes one JSON line per lifecycle event to stdout (`listening`, `stopped`), so a supervisor or
 * the demo can read the bound port and the final logging stats.
 */
import { fileURLToPath } from 'node:url';
import { ConfigError, createPredictionLogger } from '@predlog/core';
import { fileExporterFactory } from '@predlog/exporter-file';
import { instrumentHttpServer } from '@predlog/instrumentation-http';
import { createModelMetrics } from '@predlog/metrics';
import { redactionProcessorFactory } from '@predlog/processor-redaction';
import { createFraudServer } from './app.ts';
import { generateCustomerProfiles } from './customer-profiles.ts';
import { FeatureStore } from './feature-store.ts';
import { loadModel } from './model.ts';

const CONFIG_FILE = fileURLToPath(new URL('../predlog.yaml', import.meta.url));
/** How long in-flight requests get to finish after a stop signal before their connections are cut. */
const DRAIN_TIMEOUT_MS = 10_000;
function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write('PORT must be an integer from 0 to 65535\n');
    process.exit(2);
  }
  const host = process.env.HOST ?? '127.0.0.1';
  // Serving and model metrics for every request and prediction, scraped from GET /metrics.
  // Its config is the metrics: section of predlog.yaml (key features and their buckets).
  const metrics = await createModelMetrics({
    resource: { 'service.name': 'fraud-service' },
    configFile: CONFIG_FILE,
  });
  const started = performance.now();
  const model = await loadModel();
  metrics.recordModelLoad({ name: model.name, version: model.version }, (performance.now() - started) / 1000);
  const store = new FeatureStore(generateCustomerProfiles());
  const logger = await createPredictionLogger({
    configFile: CONFIG_FILE,
    components: [fileExporterFactory, redactionProcessorFactory],
    model: { name: model.name, version: model.version, framework: model.framework },
    observers: [metrics],
    meterProvider: metrics.meterProvider,
  });
  const server = createFraudServer({ model, store, logger, metrics });
  // Prediction logging in one line: every POST /predict becomes an ml.prediction record (request id,
  // raw input, prediction, latency, status, errors, trace ids); the handler annotates the features.
  instrumentHttpServer(server, {
    logger,
    routes: { 'POST /predict': { model: model.name, version: model.version } },
  });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const cutOff = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
    await closed;
    clearTimeout(cutOff);
    // Every request is answered by now, so every record is in the logger: shutdown flushes them all.
    await logger.shutdown();
    await metrics.shutdown();
    emit({ event: 'stopped', signal, stats: logger.stats() });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  server.listen(port, host, () => {
    const address = server.address();
    emit({
      event: 'listening',
      host,
      port: typeof address === 'object' && address !== null ? address.port : port,
      model: model.name,
      model_version: model.version,
      customers: store.profileCount,
    });
  });
}

main().catch((error: unknown) => {
  // ConfigError messages name the file, line and key; anything else is a start-up bug.
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
});
