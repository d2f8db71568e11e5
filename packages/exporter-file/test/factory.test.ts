import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type TempDir, tempDir, testServices } from '@predlog/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileExporter, fileExporterConfigSchema, fileExporterFactory } from '../src/index.ts';
import { predictionBatch } from './support/prediction-records.ts';

let dir: TempDir;

beforeEach(async () => {
  dir = await tempDir('predlog-file-');
});

afterEach(async () => {
  await dir.remove();
});

describe('fileExporterFactory', () => {
  it('registers as exporter type "file" with the config schema', () => {
    expect(fileExporterFactory.kind).toBe('exporter');
    expect(fileExporterFactory.type).toBe('file');
    expect(fileExporterFactory.configSchema).toBe(fileExporterConfigSchema);
  });

  it('creates an exporter whose relative directory is resolved against the config directory', async () => {
    const { services } = testServices({ id: 'file', baseDir: dir.path });
    const config = fileExporterFactory.configSchema.parse({ directory: 'nested/logs', compress: false });
    const exporter = await fileExporterFactory.create(config, services);
    expect(exporter).toBeInstanceOf(FileExporter);
    expect(exporter.id).toBe('file');
    expect((exporter as FileExporter).directory).toBe(join(dir.path, 'nested/logs'));
    await exporter.send(predictionBatch(1), new AbortController().signal);
    await exporter.shutdown();
    expect(await readdir(join(dir.path, 'nested/logs'))).toEqual(['model_name=fraud']);
  });
});
