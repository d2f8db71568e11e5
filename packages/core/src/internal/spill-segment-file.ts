import { readFile } from 'node:fs/promises';
import type { PredlogLogRecord } from '../log-record.ts';
import { decodeSpillHeader, SpillDecoder, type SpillHeader } from './spill-codec.ts';

/**
 * A segment is one file: a header line, then one record per line, appended in order. Its sequence
 * number orders segments (oldest first) and names the file, so a directory listing is the queue.
 */
const SEGMENT_NAME = /^seg-(\d{16})\.ndjson$/;

/** Sequence numbers start high so a batch can be put in front of the oldest segment (seq − 1). */
export const FIRST_SEGMENT_SEQ = 1_000_000_000_000;

export function segmentFileName(seq: number): string {
  return `seg-${String(seq).padStart(16, '0')}.ndjson`;
}

export function parseSegmentFileName(name: string): number | undefined {
  const match = SEGMENT_NAME.exec(name);
  return match === null ? undefined : Number(match[1]);
}

export interface ParsedSegment {
  /** `undefined` when the first line is not a header this version reads (damaged, or a newer format). */
  header: SpillHeader | undefined;
  records: PredlogLogRecord[];
  /** Complete lines that are not records. */
  invalidLines: number;
  /** The file ends in a partial line that is not a record (a write cut by a crash). */
  tornTail: boolean;
}

/** Splits a segment's text into records; never throws. */
export function parseSegmentText(text: string, decoder: SpillDecoder = new SpillDecoder()): ParsedSegment {
  const lines = text.split('\n');
  // A file that ends in a newline splits into a last empty string; anything else there is unterminated.
  const last = lines.pop() ?? '';
  const parsed: ParsedSegment = { header: undefined, records: [], invalidLines: 0, tornTail: false };
  const first = lines[0];
  let start = 0;
  if (first !== undefined) {
    parsed.header = decodeSpillHeader(first);
    start = 1;
  }
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const record = decoder.decode(line);
    if (record === undefined) parsed.invalidLines++;
    else parsed.records.push(record);
  }
  if (last !== '') {
    if (lines.length === 0) {
      // Only a partial first line: the header (and maybe records) of a write cut short.
      parsed.header = decodeSpillHeader(last);
      if (parsed.header === undefined) parsed.tornTail = true;
    } else {
      // A last line cut exactly before its newline is still a whole record.
      const record = decoder.decode(last);
      if (record === undefined) parsed.tornTail = true;
      else parsed.records.push(record);
    }
  }
  return parsed;
}

export async function readSegmentFile(file: string): Promise<ParsedSegment> {
  return parseSegmentText(await readFile(file, 'utf8'));
}
