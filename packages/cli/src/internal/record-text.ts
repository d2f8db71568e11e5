import type { StoredRecord } from '@predlog/schema';
import { humanNumber } from './human-number.ts';

/**
 * The human view of a stored record for `predlog query`: what the model saw and what it decided.
 * Every value from the record is printed as JSON or through `plain()`, so a logged string cannot
 * move the cursor or recolour the terminal.
 */
export function formatRecord(record: StoredRecord): string {
  const lines: string[] = [];
  const row = (label: string, text: string | undefined) => {
    if (text !== undefined && text !== '') lines.push(`  ${label.padEnd(13)} ${text}`);
  };
  const time = plain(record.timestamp);
  if (record.event === 'ml.prediction') {
    lines.push(join(time, field(record, 'request_id'), modelOf(record)));
    row('prediction', predictionText(record));
    row('probabilities', json(record.probabilities));
    row('features', featuresText(record.input_features));
    row('raw input', rawInputText(record.raw_input));
    row('explanation', explanationText(record.explanation));
    row(
      'latency',
      join(
        unit(record.latency_ms, 'ms'),
        labelled('on', record.serving_node),
        labelled('service', record.service_name),
      ),
    );
    row('status', join(field(record, 'status'), field(record, 'error_type'), field(record, 'error_message')));
    row(
      'context',
      join(
        labelled('entity', record.entity_id),
        labelled('session', record.session_id),
        labelled('segment', record.segment),
        labelled('channel', record.channel),
        labelled('region', record.region),
        tagged('feature age', unit(record.feature_freshness_max_age_s, 's')),
        tagged('null features', scalar(record.null_feature_count)),
      ),
    );
    row('kept', keptText(record));
    row(
      'ids',
      join(
        labelled('prediction', record.prediction_id),
        labelled('trace', record.trace_id),
        labelled('span', record.span_id),
      ),
    );
  } else if (record.event === 'ml.feedback') {
    lines.push(join(time, 'feedback', labelled('request', record.request_id), field(record, 'model_name')));
    row(
      'outcome',
      join(
        tagged('label', json(record.label)),
        tagged('value', scalar(record.value)),
        record.complaint === true ? 'complaint' : undefined,
      ),
    );
    row(
      'source',
      join(
        field(record, 'source'),
        labelled('entity', record.entity_id),
        labelled('feedback id', record.feedback_id),
      ),
    );
    row('kept', keptText(record));
  } else {
    lines.push(join(time, labelled('event', record.event)));
    const { event: _event, timestamp: _timestamp, attributes: _attributes, ...rest } = record;
    row('fields', json(rest));
  }
  row('attributes', attributesText(record.attributes));
  return `${lines.join('\n')}\n`;
}

function join(...parts: Array<string | undefined>): string {
  return parts.filter((p) => p !== undefined && p !== '').join('  ');
}

/** Control characters (C0, DEL, C1), whitespace, quotes and backslashes: print the value as JSON. */
function needsQuotes(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code <= 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0x22 || code === 0x5c) return true;
    if (code === 0x2028 || code === 0x2029 || code === 0xfeff) return true;
  }
  return false;
}

/** An identifier as is when that is unambiguous, else as a JSON string. */
function plain(value: unknown): string {
  if (typeof value !== 'string') return json(value) ?? '';
  return value === '' || needsQuotes(value) ? (json(value) ?? '') : value;
}

function field(record: StoredRecord, name: string): string | undefined {
  const value = record[name];
  return value === undefined || value === null ? undefined : plain(value);
}

function labelled(label: string, value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : `${label} ${plain(value)}`;
}

// JSON.stringify escapes C0 controls but not DEL and C1 (U+009B is a CSI on some terminals).
const UNESCAPED_CONTROLS = /[\u007f-\u009f]/g;

/** A label before text that is already formatted. */
function tagged(label: string, text: string | undefined): string | undefined {
  return text === undefined ? undefined : `${label} ${text}`;
}

function json(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value) as string | undefined;
  return text?.replace(UNESCAPED_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'number') return humanNumber(value);
  return typeof value === 'boolean' ? String(value) : json(value);
}

function unit(value: unknown, suffix: string): string | undefined {
  return typeof value === 'number' ? `${humanNumber(value)} ${suffix}` : json(value);
}

function modelOf(record: StoredRecord): string | undefined {
  const name = field(record, 'model_name');
  const version = field(record, 'model_version');
  if (name === undefined) return version === undefined ? undefined : `@${version}`;
  return version === undefined ? name : `${name}@${version}`;
}

function predictionText(record: StoredRecord): string | undefined {
  return join(
    json(record.prediction),
    tagged('score', scalar(record.score)),
    tagged('threshold', scalar(record.threshold)),
  );
}

const WRAP_AT = 100;

function featuresText(features: unknown): string | undefined {
  if (features === null || typeof features !== 'object' || Array.isArray(features)) return json(features);
  const items = Object.entries(features).map(([name, value]) => `${plain(name)}=${json(value)}`);
  if (items.length === 0) return '(none)';
  // Many features: wrap under the first so a wide model stays readable.
  const rows: string[] = [];
  let current = '';
  for (const item of items) {
    if (current !== '' && current.length + item.length + 1 > WRAP_AT) {
      rows.push(current);
      current = item;
    } else {
      current = current === '' ? item : `${current} ${item}`;
    }
  }
  rows.push(current);
  return rows.join(`\n${' '.repeat(16)}`);
}

const RAW_INPUT_CHARS = 2000;

function rawInputText(raw: unknown): string | undefined {
  const text = json(raw);
  if (text === undefined || text.length <= RAW_INPUT_CHARS) return text;
  return `${text.slice(0, RAW_INPUT_CHARS)}… (${text.length - RAW_INPUT_CHARS} more chars; --json shows all)`;
}

function explanationText(explanation: unknown): string | undefined {
  if (!Array.isArray(explanation)) return json(explanation);
  return explanation
    .map((entry: unknown) => {
      if (entry === null || typeof entry !== 'object') return json(entry);
      const { feature, contribution, value } = entry as Record<string, unknown>;
      const signed =
        typeof contribution === 'number' && contribution >= 0
          ? `+${humanNumber(contribution)}`
          : scalar(contribution);
      return [plain(feature), signed, value === undefined ? undefined : `(${json(value)})`]
        .filter((part) => part !== undefined)
        .join(' ');
    })
    .join(', ');
}

function keptText(record: StoredRecord): string | undefined {
  const reason = record.sampling_reason === undefined ? '' : ` (${plain(record.sampling_reason)})`;
  const policy = record.retention_policy === undefined ? '' : ` (${plain(record.retention_policy)})`;
  const redacted = record.redaction_count;
  return join(
    record.sampling_weight === undefined
      ? undefined
      : `sampling weight ${scalar(record.sampling_weight)}${reason}`,
    record.retention_class === undefined ? undefined : `retention ${plain(record.retention_class)}${policy}`,
    typeof redacted === 'number' && redacted > 0
      ? `${redacted} ${redacted === 1 ? 'value' : 'values'} redacted`
      : undefined,
    labelled('role', record.model_role),
  );
}

function attributesText(attributes: unknown): string | undefined {
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes))
    return json(attributes);
  const entries = Object.entries(attributes);
  return entries.length === 0 ? undefined : entries.map(([k, v]) => `${plain(k)}=${json(v)}`).join(' ');
}
