import { ANNOTATION_FIELDS, FEEDBACK_ATTRIBUTE_FIELDS, PREDICTION_ATTRIBUTE_FIELDS } from '@predlog/schema';

/** One step of a path: a literal key, `*` (any one key) or `**` (any number of levels, zero included). */
export type PathSegment =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'anyDepth' };

/** A parsed path: which part of the record it starts from, and the steps below it. */
export interface ParsedPath {
  readonly root: 'attributes' | 'body';
  readonly segments: readonly PathSegment[];
}

export type PathParseResult = { ok: true; path: ParsedPath } | { ok: false; message: string };

/**
 * Stored-form field names that come from attributes. A path such as `entity_id` would address a
 * body field of that name, which predlog records never have: the rule would silently match nothing,
 * so the config check points at the attribute instead.
 */
const ATTRIBUTE_FIELD_KEYS: ReadonlyMap<string, string> = new Map(
  [...PREDICTION_ATTRIBUTE_FIELDS, ...FEEDBACK_ATTRIBUTE_FIELDS, ...ANNOTATION_FIELDS].map(([field, key]) => [
    field,
    key,
  ]),
);

/** The stored field names above, listed in a message that must not say which one a path used. */
const STORED_ATTRIBUTE_FIELDS = [...ATTRIBUTE_FIELD_KEYS.keys()].join(', ');

const SYNTAX =
  'write body fields by name (raw_input.user.email), attributes by key (attributes["ml.entity.id"]), with * and ** as whole segments';

/**
 * Parses a rule or allow-list path. No message quotes the path or a part of it: a path may come
 * from `${env:...}`, and core adds the value itself when it was written in the file. Grammar: a first segment, then `.segment` or `["key"]` /
 * `['key']` steps. The first segment `attributes` starts at the record's attributes, `body` at the
 * whole body; any other first segment is a body field (`raw_input.x` is `body.raw_input.x`).
 */
export function parsePath(text: string): PathParseResult {
  const raw: Array<{ value: string; bracketed: boolean }> = [];
  let i = 0;
  const n = text.length;
  if (n === 0) return { ok: false, message: `must not be empty; ${SYNTAX}` };
  let expectSegment = true;
  while (i < n) {
    const c = text[i];
    if (c === '[') {
      const quote = text[i + 1];
      if (quote !== '"' && quote !== "'") {
        return {
          ok: false,
          message: `a [ must be followed by a quoted key, as in ["ml.entity.id"]; ${SYNTAX}`,
        };
      }
      const close = text.indexOf(quote, i + 2);
      if (close === -1 || text[close + 1] !== ']') {
        return { ok: false, message: `unterminated ["..."] key; ${SYNTAX}` };
      }
      raw.push({ value: text.slice(i + 2, close), bracketed: true });
      i = close + 2;
      expectSegment = false;
      continue;
    }
    if (c === '.') {
      if (expectSegment) return { ok: false, message: `has an empty segment; ${SYNTAX}` };
      i++;
      expectSegment = true;
      if (i === n) return { ok: false, message: `must not end with a dot; ${SYNTAX}` };
      continue;
    }
    if (!expectSegment) return { ok: false, message: `expected . or [ after a ["..."] key; ${SYNTAX}` };
    let end = i;
    while (end < n && text[end] !== '.' && text[end] !== '[') end++;
    const value = text.slice(i, end);
    if (value.includes(']')) return { ok: false, message: `has a stray ]; ${SYNTAX}` };
    if (value.includes('*') && value !== '*' && value !== '**') {
      return { ok: false, message: `wildcards must be whole segments (* or **); ${SYNTAX}` };
    }
    raw.push({ value, bracketed: false });
    i = end;
    expectSegment = false;
  }

  const first = raw[0] as { value: string; bracketed: boolean };
  let root: ParsedPath['root'] = 'body';
  let rest = raw;
  if (!first.bracketed && (first.value === 'attributes' || first.value === 'body')) {
    root = first.value;
    rest = raw.slice(1);
  } else if (!first.bracketed) {
    if (ATTRIBUTE_FIELD_KEYS.has(first.value)) {
      return {
        ok: false,
        message: `starts with a stored field that comes from an attribute (${STORED_ATTRIBUTE_FIELDS}): write the attribute by its key, as in attributes["ml.entity.id"] for entity_id (or body.<field> for a body field of that name)`,
      };
    }
  }
  if (root === 'attributes') {
    const key = rest[0];
    // Attribute keys hold dots (ml.entity.id); a dotted path below `attributes` would address nested
    // maps and silently match nothing, so a key must be bracketed unless it is the last segment.
    if (key !== undefined && !key.bracketed && key.value !== '*' && key.value !== '**' && rest.length > 1) {
      return {
        ok: false,
        message:
          'attribute keys contain dots: bracket the key, as in attributes["ml.entity.id"], or attributes["app.user"].email for a map inside an attribute',
      };
    }
  }
  const segments: PathSegment[] = rest.map((s) => {
    if (!s.bracketed && s.value === '*') return { kind: 'any' };
    if (!s.bracketed && s.value === '**') return { kind: 'anyDepth' };
    return { kind: 'key', key: s.value };
  });
  return { ok: true, path: { root, segments } };
}
