import { createHash, randomBytes } from 'node:crypto';

/**
 * The hash chain of integrity mode. Line 1 of a file is a header; every record line ends with
 * `"_seq":<n>,"_prev":"<sha256 hex of the previous line>"`, spliced in before the final `}` so the
 * record is never serialised twice; a trailer closes the file with the record count and the hash
 * of the last line, so cutting lines off the end shows too. Hashes cover a line's UTF-8 bytes
 * without its newline. `_seq` lets a verifier tell a removed line from an altered one.
 */

/** Every control line starts with this; a stored record always starts with `{"event":`. */
const CONTROL_PREFIX = '{"_predlog":';
const HEADER_PREFIX = '{"_predlog":"header"';
const TRAILER_PREFIX = '{"_predlog":"trailer"';

export const CHAIN_VERSION = 1;

/** True for an integrity header or trailer line (readers skip these). */
export function isControlLine(line: string): boolean {
  return line.startsWith(CONTROL_PREFIX);
}

export function isHeaderLine(line: string): boolean {
  return line.startsWith(HEADER_PREFIX);
}

export function isTrailerLine(line: string): boolean {
  return line.startsWith(TRAILER_PREFIX);
}

export function hashLine(line: string | Buffer): string {
  return createHash('sha256').update(line).digest('hex');
}

export interface ChainHeader {
  readonly _predlog: 'header';
  readonly version: number;
  readonly hash: 'sha256';
  /** The file's base name; a header copied into another file no longer matches its name. */
  readonly file: string;
  readonly partition: string;
  readonly created: string;
  /** Random: two files never start their chain from the same hash. */
  readonly nonce: string;
}

export interface ChainTrailer {
  readonly _predlog: 'trailer';
  /** Record lines in the file (header and trailer excluded). */
  readonly lines: number;
  /** Hash of the line before the trailer. */
  readonly last: string;
  readonly closed: string;
  /** Set by recovery: the file was closed after a crash and a torn last line was cut. */
  readonly recovered?: boolean;
  readonly cutBytes?: number;
}

export function headerLine(file: string, partition: string, nowMs: number): string {
  const header: ChainHeader = {
    _predlog: 'header',
    version: CHAIN_VERSION,
    hash: 'sha256',
    file,
    partition,
    created: new Date(nowMs).toISOString(),
    nonce: randomBytes(16).toString('hex'),
  };
  return JSON.stringify(header);
}

export function trailerLine(state: ChainState, nowMs: number, recovery?: { cutBytes: number }): string {
  const trailer: ChainTrailer = {
    _predlog: 'trailer',
    lines: state.seq,
    last: state.prevHash,
    closed: new Date(nowMs).toISOString(),
    ...(recovery === undefined ? {} : { recovered: true, cutBytes: recovery.cutBytes }),
  };
  return JSON.stringify(trailer);
}

/** Where a chain stands: the last record number and the hash of the last line written. */
export interface ChainState {
  seq: number;
  prevHash: string;
}

/** Appends the chain fields to one record line, advancing `state`. */
export function chainLine(json: string, state: ChainState): string {
  state.seq += 1;
  const line = `${json.slice(0, -1)},"_seq":${state.seq},"_prev":"${state.prevHash}"}`;
  state.prevHash = hashLine(line);
  return line;
}

const chainFields = /,"_seq":(\d+),"_prev":"([0-9a-f]{64})"\}$/;

/** The chain fields of a record line, if it carries them. */
export function readChainFields(line: string): { seq: number; prev: string } | undefined {
  const match = chainFields.exec(line);
  if (match === null) return undefined;
  return { seq: Number(match[1]), prev: match[2] ?? '' };
}
