import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../command.ts';

/** Resolves a directory named on the command line; a missing one is a usage error, not an empty result. */
export async function directoryArgument(cwd: string, dir: string): Promise<string> {
  const absolute = path.resolve(cwd, dir);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(absolute)).isDirectory();
  } catch (error) {
    throw new UsageError(`cannot read ${dir} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (!isDirectory) throw new UsageError(`${dir} is not a directory`);
  return absolute;
}
