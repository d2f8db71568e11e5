import { gzipSync } from 'node:zlib';
import type { SampleSkipReason } from '../src/internal/prediction-sample.ts';

/**
 * A gzip file whose first line is `mebibytes` MiB of "a" without a newline, then `tail`. Built from
 * concatenated gzip members (gunzip reads them as one stream): 1 MiB of "a" compresses to ~1 KB, so
 * a "line" of hundreds of MiB takes well under 1 MB on disk and no time to build.
 */
export function newlineFreeGzip(mebibytes: number, tail: string | Buffer): Buffer {
  const member = gzipSync(Buffer.alloc(1024 * 1024, 'a'));
  return Buffer.concat([
    ...Array(mebibytes).fill(member),
    gzipSync(Buffer.concat([Buffer.from('\n'), Buffer.from(tail)])),
  ]);
}

/** The skipped-lines counts of a sample read: zero but for `counts`. */
export function skippedLines(
  counts: Partial<Record<SampleSkipReason, number>>,
): Record<SampleSkipReason, number> {
  return { line_too_long: 0, not_a_record: 0, other_event: 0, unterminated_last_line: 0, ...counts };
}
