import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadModelMonitoringDirectory,
  type ModelMonitoringConfig,
  renderMonitoringFiles,
} from '../src/index.ts';

/** The three example models: fraud-xgb (T1), churn-gbm (T2), search-ranker (T3). */
export const MODELS_DIR = fileURLToPath(new URL('./fixtures/models/', import.meta.url));
export const FIXTURES_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));

export async function exampleModels(): Promise<ModelMonitoringConfig[]> {
  return (await loadModelMonitoringDirectory(MODELS_DIR, {})).map((l) => l.config);
}

export function modelNamed(models: readonly ModelMonitoringConfig[], name: string): ModelMonitoringConfig {
  const found = models.find((m) => m.model === name);
  if (found === undefined) throw new Error(`no example model ${name}`);
  return found;
}

/** Renders the examples into a fresh temporary directory; resolves with its path. */
export async function renderExamplesToTemp(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  for (const file of renderMonitoringFiles(await exampleModels()))
    await writeFile(path.join(dir, file.name), file.text);
  return dir;
}
