import path from 'node:path';

/** Where register reads its config, and why there (for the messages). */
export interface ConfigLocation {
  readonly file: string;
  readonly from: 'PREDLOG_CONFIG' | 'working directory';
}

/** `PREDLOG_CONFIG` (relative to the working directory), else `./predlog.yaml`. */
export function locateConfig(env: Readonly<Record<string, string | undefined>>, cwd: string): ConfigLocation {
  const given = env.PREDLOG_CONFIG?.trim();
  if (given !== undefined && given !== '') return { file: path.resolve(cwd, given), from: 'PREDLOG_CONFIG' };
  return { file: path.join(cwd, 'predlog.yaml'), from: 'working directory' };
}
