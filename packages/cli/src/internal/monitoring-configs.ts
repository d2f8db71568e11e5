import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '@predlog/core';
import {
  type LoadedModelMonitoring,
  loadModelMonitoringDirectory,
  loadModelMonitoringFile,
} from '@predlog/monitoring';
import type { CliIo } from '../command.ts';

/**
 * The monitoring configs of a file or a directory, or undefined after printing every problem (with
 * the user's own spelling of the path) to stderr.
 */
export async function readMonitoringConfigs(
  target: string,
  io: CliIo,
): Promise<LoadedModelMonitoring[] | undefined> {
  const absolute = path.resolve(io.cwd, target);
  const relative = (text: string) => text.split(absolute).join(target);
  try {
    const isDirectory = await stat(absolute).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const loaded = isDirectory
      ? await loadModelMonitoringDirectory(absolute, io.env)
      : [await loadModelMonitoringFile(absolute, io.env)];
    return loaded.map((l) => ({ ...l, file: relative(l.file) }));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const count = error.issues.length;
    io.stderr.write(
      `${relative(error.message)}\n${target}: invalid (${count} ${count === 1 ? 'problem' : 'problems'})\n`,
    );
    return undefined;
  }
}
