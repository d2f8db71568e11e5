import { readFileSync } from 'node:fs';

export interface FraudScoreStream {
  /** One entry per request, in arrival order; NaN for a malformed request (an error, no score). */
  scores: Float64Array;
  modelVersion: string;
  threshold: number;
}

/**
 * The fraud example's traffic as its real model scored it (test/data/fraud-scores.txt, written by
 * scripts/fraud-score-stream.ts): 10,000 requests in the demo's mix.
 */
export function fraudScoreStream(): FraudScoreStream {
  const text = readFileSync(new URL('../data/fraud-scores.txt', import.meta.url), 'utf8');
  const lines = text.split('\n');
  const header = /model \S+ (\S+), threshold ([0-9.]+)/.exec(lines[0] ?? '');
  if (header === null) throw new Error('fraud-scores.txt: the header names no model and threshold');
  const values = lines.filter((line) => line !== '' && !line.startsWith('#'));
  return {
    // Each line holds the log-odds z of a score (or "error"): the score is the logistic of z.
    scores: Float64Array.from(values, (line) =>
      line === 'error' ? Number.NaN : 1 / (1 + Math.exp(-Number(line))),
    ),
    modelVersion: header[1] as string,
    threshold: Number(header[2]),
  };
}
