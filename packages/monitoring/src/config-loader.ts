import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, type ConfigIssue, loadConfigSection } from '@predlog/core';
import { type ModelMonitoringConfig, modelMonitoringConfigSchema } from './config.ts';

/** The section a monitoring file holds; the rest of the file is not predlog's. */
export const MONITORING_SECTION = 'monitoring';

/** `model-monitoring.yaml`, `fraud-xgb.monitoring.yml`, `monitoring.json`. */
const MONITORING_FILE = /(^|[.-])monitoring\.(ya?ml|json)$/;

export interface LoadedModelMonitoring {
  /** The file as given (or found below the directory), for messages. */
  readonly file: string;
  readonly config: ModelMonitoringConfig;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the `monitoring:` section of one file with core's rules (`${env:NAME}` substitution,
 * unknown keys rejected, issues with file:line:col and key path). Throws `ConfigError`.
 */
export async function loadModelMonitoringFile(
  file: string,
  env: Env = process.env,
): Promise<LoadedModelMonitoring> {
  const config = await loadConfigSection(file, MONITORING_SECTION, modelMonitoringConfigSchema, env);
  if (config === undefined)
    throw new ConfigError([
      { file, path: '', message: `has no ${MONITORING_SECTION}: section (the model's monitoring config)` },
    ]);
  return { file, config };
}

/**
 * Every monitoring file below `dir` (names ending in `monitoring.yaml`, `.yml` or `.json`, in any
 * subdirectory, e.g. one per model artifact), sorted by path. All problems of all files are
 * reported together, and two files for the same model are an error. Throws `ConfigError`.
 */
export async function loadModelMonitoringDirectory(
  dir: string,
  env: Env = process.env,
): Promise<LoadedModelMonitoring[]> {
  const files = await findMonitoringFiles(dir);
  if (files.length === 0)
    throw new ConfigError([
      {
        file: dir,
        path: '',
        message: 'holds no monitoring file (model-monitoring.yaml, <model>.monitoring.yaml)',
      },
    ]);
  const loaded: LoadedModelMonitoring[] = [];
  const issues: ConfigIssue[] = [];
  for (const file of files) {
    try {
      loaded.push(await loadModelMonitoringFile(file, env));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
    }
  }
  const byModel = new Map<string, string>();
  for (const { file, config } of loaded) {
    const first = byModel.get(config.model);
    if (first !== undefined)
      issues.push({
        file,
        path: `${MONITORING_SECTION}.model`,
        message: `model "${config.model}" is already configured in ${first}`,
      });
    else byModel.set(config.model, file);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return loaded;
}

async function findMonitoringFiles(dir: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([{ file: dir, path: '', message: `cannot read the directory (${reason})` }]);
  }
  return entries
    .filter((e) => e.isFile() && MONITORING_FILE.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}
