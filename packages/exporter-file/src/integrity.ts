import { join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { type DuckDbSession, openDuckDb } from './internal/duckdb-session.ts';
import { CLOSED_SUFFIX, type DataFileName, parseDataFileName } from './internal/file-names.ts';
import {
  type ChainHeader,
  type ChainTrailer,
  hashLine,
  isHeaderLine,
  isTrailerLine,
  readChainFields,
} from './internal/hash-chain.ts';
import { type LineReadState, openDataFile, readLines } from './internal/line-reader.ts';
import { readCompactionMetadata } from './internal/log-files.ts';
import { parseParquetName } from './internal/parquet-names.ts';
import { parquetRowDigest } from './internal/parquet-row-digest.ts';
import { walkPartitions } from './internal/partition-walk.ts';

export type IntegrityIssueKind =
  /** A line's content no longer matches the hash recorded after it (the header included). */
  | 'altered'
  /** A line that is not part of the chain: added, duplicated, or after the trailer. */
  | 'inserted'
  /** Lines missing: a gap in the sequence, or lines cut from the end (trailer missing or short). */
  | 'removed'
  /** The file has no integrity header at all (written without integrity mode, or replaced). */
  | 'unprotected'
  /** The file could not be read to the end (I/O error, corrupt gzip). */
  | 'unreadable';

export interface IntegrityIssue {
  /** Path of the file below the verified directory, `/`-separated. */
  readonly file: string;
  /** 1-based physical line number (the header is line 1); 0 for a Parquet file (the whole file). */
  readonly line: number;
  readonly kind: IntegrityIssueKind;
  readonly message: string;
}

export interface IntegrityReport {
  /** True when every file verified. */
  readonly ok: boolean;
  readonly filesChecked: number;
  /** Record lines whose chain link verified. */
  readonly linesVerified: number;
  /** Rows of compacted Parquet files whose count and digest verified. */
  readonly rowsVerified: number;
  /** The first issue of each file that has one, in walk order. */
  readonly issues: readonly IntegrityIssue[];
}

/** Chain fields sit in the last ~100 bytes of a line; reading only those keeps verification cheap. */
const CHAIN_TAIL_BYTES = 128;

interface ChainLink {
  readonly seq: number;
  readonly prev: string;
}

function chainLinkOf(line: Buffer): ChainLink | undefined {
  const fields = readChainFields(
    line.subarray(Math.max(0, line.length - CHAIN_TAIL_BYTES)).toString('latin1'),
  );
  return fields === undefined ? undefined : { seq: fields.seq, prev: fields.prev };
}

function parseJson<T>(line: Buffer): T | undefined {
  try {
    return JSON.parse(line.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

type Outcome = Omit<IntegrityIssue, 'file'> | undefined;

/** A break in the chain at `line`, classified once the line after it (or the end) is known. */
interface Anomaly {
  readonly line: number;
  readonly link: ChainLink | undefined;
  readonly hash: string;
}

/**
 * Verifies one file's chain; returns its first issue. `inprogress` files (still being written) may
 * end without a trailer and with a torn last line.
 */
/**
 * True when a header's partition fits the directory the file lies in. `relative` is below the
 * verified root, which may itself be a partition directory, so either may be the longer.
 */
function partitionFits(headerPartition: string, relative: string): boolean {
  if (relative === '' || relative === headerPartition) return true;
  return headerPartition.endsWith(`/${relative}`) || relative.endsWith(`/${headerPartition}`);
}

async function verifyFile(
  dir: { path: string; relative: string },
  name: DataFileName,
  counter: { lines: number },
): Promise<Outcome> {
  let opened: Awaited<ReturnType<typeof openDataFile>>;
  try {
    opened = await openDataFile(dir.path, name);
  } catch {
    return { line: 1, kind: 'unreadable', message: 'file could not be opened' };
  }
  // Deleted since the directory was listed (retention): nothing left to verify.
  if (opened === undefined) return undefined;
  const inprogress = opened.state === 'inprogress';
  const readState: LineReadState = { tornTail: false, oversizedLines: 0 };
  let lineNo = 0;
  let expectedSeq = 1;
  let prevHash = '';
  let anomaly: Anomaly | undefined;
  let trailerSeen = false;
  /** The link of the last line accepted, to spot a forged twin of it. */
  let lastLink: { line: number; prev: string } | undefined;

  const classify = (next: ChainLink | undefined): Outcome => {
    const at = anomaly as Anomaly;
    // The line after the break links straight to the line before it: the break line is extra.
    if (next !== undefined && next.seq === expectedSeq && next.prev === prevHash) {
      return { line: at.line, kind: 'inserted', message: 'line is not part of the hash chain' };
    }
    // Two lines claim the same place and predecessor, and the chain goes on from the second: the
    // first, accepted until now, was the forgery.
    if (
      next !== undefined &&
      lastLink !== undefined &&
      at.link?.seq === expectedSeq - 1 &&
      at.link.prev === lastLink.prev &&
      next.prev === at.hash
    ) {
      return { line: lastLink.line, kind: 'inserted', message: 'line is not part of the hash chain' };
    }
    if (at.link === undefined) {
      return { line: at.line, kind: 'altered', message: 'line lost its chain fields' };
    }
    if (at.link.seq > expectedSeq) {
      const missing = at.link.seq - expectedSeq;
      return { line: at.line, kind: 'removed', message: `${missing} line(s) missing before this line` };
    }
    if (at.link.seq < expectedSeq) {
      return { line: at.line, kind: 'inserted', message: 'line repeats an earlier sequence number' };
    }
    const previous = at.line - 1;
    return previous === 1
      ? { line: 1, kind: 'altered', message: 'header does not match the hash recorded in line 2' }
      : {
          line: previous,
          kind: 'altered',
          message: `line does not match the hash recorded in line ${at.line}`,
        };
  };

  try {
    for await (const line of readLines(opened.stream, readState)) {
      lineNo += 1;
      if (lineNo === 1) {
        const first = line.subarray(0, 32).toString('latin1');
        if (!isHeaderLine(first)) {
          return chainLinkOf(line) === undefined
            ? { line: 1, kind: 'unprotected', message: 'file has no integrity header' }
            : { line: 1, kind: 'removed', message: 'header line missing' };
        }
        const header = parseJson<ChainHeader>(line);
        if (header === undefined) return { line: 1, kind: 'altered', message: 'header is not valid JSON' };
        if (header.file !== name.base) {
          return { line: 1, kind: 'altered', message: 'header names another file' };
        }
        if (typeof header.partition !== 'string' || !partitionFits(header.partition, dir.relative)) {
          return { line: 1, kind: 'altered', message: 'header names another partition' };
        }
        prevHash = hashLine(line);
        continue;
      }
      if (trailerSeen) return { line: lineNo, kind: 'inserted', message: 'line after the trailer' };
      if (isTrailerLine(line.subarray(0, 32).toString('latin1'))) {
        if (anomaly !== undefined) return classify(undefined);
        const trailer = parseJson<ChainTrailer>(line);
        if (trailer === undefined)
          return { line: lineNo, kind: 'altered', message: 'trailer is not valid JSON' };
        const counted = expectedSeq - 1;
        if (trailer.lines > counted) {
          return {
            line: lineNo,
            kind: 'removed',
            message: `${trailer.lines - counted} line(s) missing before the trailer`,
          };
        }
        if (trailer.lines < counted) {
          return { line: lineNo, kind: 'altered', message: 'trailer line count does not match the file' };
        }
        if (trailer.last !== prevHash) {
          return lineNo - 1 === 1
            ? { line: 1, kind: 'altered', message: 'header does not match the hash recorded in the trailer' }
            : {
                line: lineNo - 1,
                kind: 'altered',
                message: 'line does not match the hash recorded in the trailer',
              };
        }
        trailerSeen = true;
        continue;
      }
      const link = chainLinkOf(line);
      if (anomaly !== undefined) return classify(link);
      if (link === undefined || link.seq !== expectedSeq || link.prev !== prevHash) {
        anomaly = { line: lineNo, link, hash: hashLine(line) };
        continue;
      }
      lastLink = { line: lineNo, prev: link.prev };
      prevHash = hashLine(line);
      expectedSeq += 1;
      counter.lines += 1;
    }
  } catch {
    return { line: lineNo + 1, kind: 'unreadable', message: 'file could not be read to the end' };
  }
  if (anomaly !== undefined) return classify(undefined);
  if (inprogress) return undefined;
  if (lineNo === 0) return { line: 1, kind: 'removed', message: 'file is empty' };
  if (readState.tornTail)
    return { line: lineNo + 1, kind: 'altered', message: 'file ends in a partial line' };
  if (!trailerSeen) {
    return { line: lineNo + 1, kind: 'removed', message: 'trailer missing: the end of the file was cut' };
  }
  return undefined;
}

/**
 * Checks a compacted Parquet file against what compaction recorded in it: the record count and
 * the digest over every row (`rowsSha256`), both recomputed from the rows. A file compacted from
 * sources without a hash chain is intact but `unprotected`, like those sources were.
 */
async function verifyParquetFile(
  connection: DuckDBConnection,
  path: string,
  counter: { rows: number },
): Promise<Outcome> {
  let metadata: Awaited<ReturnType<typeof readCompactionMetadata>>;
  let digest: { rows: number; sha256: string };
  try {
    metadata = await readCompactionMetadata(connection, path);
    digest = await parquetRowDigest(connection, path);
  } catch {
    return { line: 0, kind: 'unreadable', message: 'Parquet file could not be read' };
  }
  if (metadata === undefined) {
    return { line: 0, kind: 'unprotected', message: 'Parquet file has no predlog compaction metadata' };
  }
  if (digest.rows < metadata.records) {
    return { line: 0, kind: 'removed', message: `${metadata.records - digest.rows} row(s) missing` };
  }
  if (digest.rows > metadata.records) {
    return { line: 0, kind: 'inserted', message: `${digest.rows - metadata.records} row(s) added` };
  }
  if (digest.sha256 !== metadata.rowsSha256) {
    return { line: 0, kind: 'altered', message: 'rows do not match the digest recorded at compaction' };
  }
  counter.rows += digest.rows;
  const chained = metadata.chainLast !== undefined && metadata.chainLast.every((last) => last !== null);
  return chained
    ? undefined
    : { line: 0, kind: 'unprotected', message: 'compacted from files without a hash chain' };
}

/**
 * Walks every data file below `directory` (in-progress, closed and gzip NDJSON, and the Parquet
 * files of compaction) and checks it: an NDJSON file's hash chain, a Parquet file's row count and
 * row digest. Reports the first altered, inserted or removed line of each file (for Parquet, the
 * file). Messages hold line numbers only, never record content.
 *
 * A plain hash chain detects edits by anyone who does not rewrite every later hash; to detect a
 * full rewrite too, keep each trailer's `last` hash somewhere the writer of the logs cannot change.
 * The same holds for a Parquet file's digest, which lies in the file itself.
 */
export async function verifyIntegrity(directory: string): Promise<IntegrityReport> {
  const root = resolve(directory);
  const issues: IntegrityIssue[] = [];
  const counter = { lines: 0, rows: 0 };
  let filesChecked = 0;
  // DuckDB is loaded only for a tree that holds Parquet files.
  let session: DuckDbSession | undefined;
  try {
    for await (const dir of walkPartitions(root, { includeRoot: true })) {
      const names = new Set(dir.fileNames);
      for (const fileName of dir.fileNames) {
        const parsed = parseDataFileName(fileName);
        let outcome: Outcome;
        if (parsed !== undefined) {
          // A closed file whose .gz is complete is a leftover of an interrupted compression.
          if (parsed.state === 'closed' && names.has(`${parsed.base}${CLOSED_SUFFIX}.gz`)) continue;
          filesChecked += 1;
          outcome = await verifyFile(dir, parsed, counter);
        } else if (parseParquetName(fileName) !== undefined) {
          filesChecked += 1;
          session ??= await openDuckDb({ threads: 1 });
          outcome = await verifyParquetFile(session.connection, join(dir.path, fileName), counter);
        } else continue;
        if (outcome !== undefined) {
          issues.push({ file: dir.relative === '' ? fileName : `${dir.relative}/${fileName}`, ...outcome });
        }
      }
    }
  } finally {
    session?.close();
  }
  return {
    ok: issues.length === 0,
    filesChecked,
    linesVerified: counter.lines,
    rowsVerified: counter.rows,
    issues,
  };
}
