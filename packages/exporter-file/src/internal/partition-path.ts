import { createHash } from 'node:crypto';
import { ATTR } from '@predlog/schema';

export const RETENTION_LEVEL = 'retention';

/**
 * Hive-style partition levels above `date=`, outermost first. A level whose attribute is absent
 * either falls back to a placeholder or, when it has none, is left out of the path. Adding a level
 * is one more entry here; readers and the retention sweep accept any `key=value` directory above
 * `date=`. The retention sweep reads `retention=` for per-class durations.
 */
const PARTITION_LEVELS: ReadonlyArray<{ key: string; attribute: string; fallback?: string }> = [
  { key: RETENTION_LEVEL, attribute: ATTR.retentionClass },
  { key: 'model_name', attribute: ATTR.modelName, fallback: '_unknown' },
];

export const MODEL_LEVEL = 'model_name';
export const DATE_LEVEL = 'date';

const MAX_SEGMENT_CHARS = 120;
const safeChar = /[A-Za-z0-9_.-]/;
const safeSegment = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

function escapeBytes(value: string): string {
  let out = '';
  for (const ch of value) {
    if (safeChar.test(ch)) {
      out += ch;
    } else {
      for (const byte of Buffer.from(ch, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/**
 * Makes a value safe as one directory name: Hive-style `%XX` escapes for every byte outside
 * `[A-Za-z0-9_.-]`, a leading dot escaped too (so `.` and `..` cannot be formed), and long values
 * cut with a hash suffix to stay under file-name limits. The result never contains a separator.
 */
export function escapePartitionValue(value: string): string {
  let out = safeSegment.test(value) ? value : escapeBytes(value);
  if (out.startsWith('.')) out = `%2E${out.slice(1)}`;
  if (out.length > MAX_SEGMENT_CHARS) {
    const digest = createHash('sha256').update(value).digest('hex').slice(0, 16);
    out = `${out.slice(0, MAX_SEGMENT_CHARS - 17).replace(/%[0-9A-F]?$/, '')}~${digest}`;
  }
  return out === '' ? '%00' : out;
}

function attributeText(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Builds the partition directory (relative, `/`-separated) of a record from its attributes and its
 * UTC date. Escaped values are cached because a process sees few distinct model names.
 */
export class PartitionPathBuilder {
  private readonly cache = new Map<string, string>();

  build(attributes: Readonly<Record<string, unknown>>, date: string): string {
    let path = '';
    for (const level of PARTITION_LEVELS) {
      const text = attributeText(attributes[level.attribute]) ?? level.fallback;
      if (text === undefined) continue;
      path += `${level.key}=${this.escape(text)}/`;
    }
    return `${path}${DATE_LEVEL}=${date}`;
  }

  private escape(text: string): string {
    let escaped = this.cache.get(text);
    if (escaped === undefined) {
      escaped = escapePartitionValue(text);
      // Bounded: a high-cardinality attribute must not grow the cache without limit.
      if (this.cache.size >= 1024) this.cache.clear();
      this.cache.set(text, escaped);
    }
    return escaped;
  }
}

/** Splits `key=value` from a directory name; undefined for any other name. */
export function parsePartitionSegment(name: string): { key: string; value: string } | undefined {
  const eq = name.indexOf('=');
  if (eq <= 0) return undefined;
  return { key: name.slice(0, eq), value: name.slice(eq + 1) };
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

export function isPartitionDate(value: string): boolean {
  return isoDate.test(value);
}

/** UTC `YYYY-MM-DD` of epoch milliseconds. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
