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
/**
 * Key features with a `feature_value_distribution` histogram each. Buckets: the deciles of the
 * training data (`featureBucketsFromBaseline` over the seed-42 training set), so in production each
 * bucket should keep about a tenth of the traffic; a shift shows as buckets filling unevenly.
 */
const KEY_FEATURES = {
  log_amount: { buckets: [2.4, 2.9, 3.2, 3.5, 3.8, 4.1, 4.4, 4.7, 5.3] },
  amount_vs_avg_30d: { buckets: [0.29, 0.44, 0.6, 0.78, 0.99, 1.3, 1.7, 2.3, 3.5] },
  distance_from_home_km: { buckets: [54, 87, 110, 130, 150, 180, 210, 250, 320] },
  txn_count_1h: { buckets: [0, 1, 2, 5] },
  device_trust_score: { buckets: [0.5, 0.59, 0.68, 0.78, 0.9] },
};

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
  const metrics = await createModelMetrics({
    resource: { 'service.name': 'fraud-service' },
    config: { features: KEY_FEATURES },
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
