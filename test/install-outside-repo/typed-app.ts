// A TypeScript user's view of the packed packages: their .d.ts files under `module: nodenext`,
// strict, with every library's declarations checked. Type-checked only (tsc --noEmit), never run.
import { createPredictionLogger, type PredictionLogger } from '@predlog/core';
import { fileExporterFactory } from '@predlog/exporter-file';
import { predlogExpress } from '@predlog/instrumentation-express';
import { type RedactionConfig, redactionConfigSchema } from '@predlog/processor-redaction';

const logger: PredictionLogger = await createPredictionLogger({
  config: { exporters: { file: { directory: 'logs' } }, pipelines: { predictions: { exporters: ['file'] } } },
  components: [fileExporterFactory],
});
export const middleware = predlogExpress({ logger, routes: { 'POST /predict': { model: 'fraud' } } });
// @ts-expect-error routes is required: an error here proves the types are real, not `any`
predlogExpress({ logger });
export const redaction: RedactionConfig = redactionConfigSchema.parse({});
export const received: number = logger.stats().received;
