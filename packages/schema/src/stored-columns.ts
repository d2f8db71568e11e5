import {
  ANNOTATION_FIELDS,
  FEEDBACK_ATTRIBUTE_FIELDS,
  PREDICTION_ATTRIBUTE_FIELDS,
  PREDICTION_BODY_FIELDS,
} from './otel-mapping.ts';

/**
 * The typed columns of the stored form, as the file exporter's DuckDB reads NDJSON and as its
 * compaction writes Parquet. The field names come from this package's tables, so a field added
 * there gets a column here (as text unless typed below); columns are only ever added, which keeps
 * old files readable: a column a file lacks reads as NULL.
 */
export type StoredColumnType = 'VARCHAR' | 'DOUBLE' | 'BIGINT' | 'BOOLEAN' | 'TIMESTAMPTZ' | 'JSON';

const TYPED: Readonly<Record<string, StoredColumnType>> = {
  timestamp: 'TIMESTAMPTZ',
  schema_version: 'BIGINT',
  score: 'DOUBLE',
  threshold: 'DOUBLE',
  latency_ms: 'DOUBLE',
  feature_freshness_max_age_s: 'DOUBLE',
  null_feature_count: 'BIGINT',
  sampling_weight: 'DOUBLE',
  redaction_count: 'BIGINT',
  // A list of rule names; kept as JSON so a foreign record with a single string still reads.
  redaction_rules: 'JSON',
  value: 'DOUBLE',
  complaint: 'BOOLEAN',
  // Feedback labels are text, numbers or booleans: JSON keeps which (the feedback view shows text).
  label: 'JSON',
  attributes: 'JSON',
  body: 'JSON',
};

function orderedFieldNames(): string[] {
  const names = new Set<string>(['event', 'timestamp', 'service_name']);
  for (const [field] of PREDICTION_ATTRIBUTE_FIELDS) names.add(field);
  for (const field of PREDICTION_BODY_FIELDS) names.add(field);
  for (const [field] of FEEDBACK_ATTRIBUTE_FIELDS) names.add(field);
  for (const [field] of ANNOTATION_FIELDS) names.add(field);
  for (const field of ['trace_id', 'span_id', 'attributes', 'body']) names.add(field);
  return [...names];
}

const BODY_FIELDS: ReadonlySet<string> = new Set(PREDICTION_BODY_FIELDS);

export interface StoredColumn {
  readonly name: string;
  readonly type: StoredColumnType;
}

/** Every column, in a fixed order: the record's identity first, the bulky payloads later. */
export const STORED_COLUMNS: readonly StoredColumn[] = orderedFieldNames().map((name) => ({
  name,
  // Body entries are any JSON value (a prediction may be a label, a number or a list).
  type: TYPED[name] ?? (BODY_FIELDS.has(name) ? 'JSON' : 'VARCHAR'),
}));
