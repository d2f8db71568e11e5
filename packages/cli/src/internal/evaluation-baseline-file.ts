import { readFile } from 'node:fs/promises';
import { type EvaluationReport, isEvaluationReport } from '@predlog/analytics';
import { UsageError } from '../command.ts';
import { fileArgument } from './analytics-arguments.ts';

/** A `--baseline` report written by `predlog evaluate --json`; anything else is a usage error. */
export async function readEvaluationBaseline(cwd: string, file: string): Promise<EvaluationReport> {
  const absolute = await fileArgument(cwd, '--baseline', file);
  let value: unknown;
  try {
    value = JSON.parse(await readFile(absolute, 'utf8'));
  } catch {
    throw new UsageError(`--baseline: ${file} is not JSON`);
  }
  if (!isEvaluationReport(value)) {
    throw new UsageError(`--baseline: ${file} is not a report written by predlog evaluate --json`);
  }
  return value;
}
