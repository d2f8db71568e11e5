import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../command.ts';

/** Reads and parses a JSON file named on the command line; an unreadable or malformed file is a usage error. */
export async function readJsonArgument(cwd: string, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}
