/**
 * The fraud service on onnxruntime-node: model/fraud.onnx (exported from the fraud-service
 * weights by scripts/export-onnx.ts) scores `POST /predict`; the JavaScript model runs beside it in
 * shadow mode. Every run is logged through predlog.yaml.
 *
 *   PORT=8081 PREDLOG_LOG_DIR=./prediction-logs node src/server.ts
 */
import { fileURLToPath } from 'node:url';
import { ConfigError, createPredictionLogger } from '@predlog/core';
import { generateCustomerProfiles } from '@predlog/example-fraud-service/customer-profiles';
import { FeatureStore } from '@predlog/example-fraud-service/feature-store';
import { loadModel } from '@predlog/example-fraud-service/model';
import { fileExporterFactory } from '@predlog/exporter-file';
import { DEFAULT_ONNX_PATH } from '../scripts/export-onnx.ts';
import { createOnnxFraudServer } from './app.ts';
import { OnnxFraudScorer } from './onnx-scorer.ts';

const CONFIG_FILE = fileURLToPath(new URL('../predlog.yaml', import.meta.url));

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8081);
  const host = process.env.HOST ?? '127.0.0.1';
  const jsModel = await loadModel();
  const logger = await createPredictionLogger({ configFile: CONFIG_FILE, components: [fileExporterFactory] });
  const scorer = await OnnxFraudScorer.load({
    model: DEFAULT_ONNX_PATH,
    logger,
    threshold: jsModel.threshold,
    challenger: jsModel,
  });
  const { server, http } = createOnnxFraudServer({
    scorer,
    store: new FeatureStore(generateCustomerProfiles()),
    logger,
  });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    // Give shadow runs still in flight their timeout before the logger stops accepting records.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await logger.shutdown();
    emit({
      event: 'stopped',
      signal,
      stats: logger.stats(),
      http: http.stats(),
      onnx: scorer.session.predlog.stats(),
    });
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
      model_version: scorer.version,
      challenger_version: jsModel.version,
    });
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
});
