import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createPredictionLogger, type PredictionInput } from '@predlog/core';
import { fileExporterFactory } from '@predlog/exporter-file';

/** Writes records the way an application does: through the PredictionLogger and the file exporter. */
export async function writeWithFileExporter(
  directory: string,
  predictions: readonly PredictionInput[],
  options: { integrity?: boolean; feedback?: Array<{ requestId: string; label: string }> } = {},
): Promise<void> {
  const logger = await createPredictionLogger({
    config: {
      exporters: { file: { directory, integrity: options.integrity ?? false, compress: false } },
      pipelines: { predictions: { exporters: ['file'] } },
    },
    components: [fileExporterFactory],
    model: { name: 'fraud-xgb', version: '3' },
    resource: { 'service.name': 'fraud-api' },
  });
  for (const input of predictions) logger.record(input);
  for (const fb of options.feedback ?? []) logger.feedback({ ...fb, source: 'chargeback-feed' });
  await logger.shutdown();
}

/** Writes stored-form lines by hand in the documented layout `model_name=<m>/date=<d>/part-*.ndjson`. */
export async function writePartitionFile(
  directory: string,
  model: string,
  date: string,
  records: ReadonlyArray<Record<string, unknown>>,
): Promise<string> {
  const partition = path.join(directory, `model_name=${model}`, `date=${date}`);
  await mkdir(partition, { recursive: true });
  const file = path.join(partition, `part-${date}T00-00-00-000Z-1-000001.ndjson`);
  await writeFile(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return file;
}
