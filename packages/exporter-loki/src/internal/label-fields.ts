import type { AttributeMap } from '@predlog/schema';
import { ATTR, RESOURCE_ATTR, safeCut } from '@predlog/schema';
import { utf8PrefixLength } from './utf8-prefix.ts';

/**
 * The record fields that may become Loki stream labels: each has few distinct values (a model has
 * a handful of versions, a deployment a handful of environments), so the number of streams stays
 * small. Every label multiplies Loki's streams; anything unique per record belongs in structured
 * metadata or the line.
 */
export const LABEL_FIELDS = [
  'service_name',
  'model_name',
  'model_version',
  'model_framework',
  'model_role',
  'event',
  'retention',
  'env',
  'status',
  'segment',
  'channel',
  'region',
] as const;

export type LabelField = (typeof LABEL_FIELDS)[number];

export const DEFAULT_LABELS: readonly LabelField[] = [
  'service_name',
  'model_name',
  'model_version',
  'event',
  'retention',
  'env',
];

/**
 * Fields with one value per record (or per request, or a continuous number): as labels each would
 * create a stream per record, which Loki's index cannot carry. Named here so the config error can
 * say why and where they go instead.
 */
export const HIGH_CARDINALITY_FIELDS: ReadonlySet<string> = new Set([
  'request_id',
  'prediction_id',
  'feedback_id',
  'entity_id',
  'session_id',
  'batch_id',
  'trace_id',
  'span_id',
  'serving_node',
  'score',
  'threshold',
  'latency_ms',
  'timestamp',
  'prediction',
  'label',
  'value',
  'error_message',
  'input_features',
  'raw_input',
  'probabilities',
  'explanation',
  'feature_freshness_max_age_s',
  'null_feature_count',
  'sampling_weight',
  'redaction_count',
]);

/** Where a label's value comes from: a record attribute, a resource attribute, or the event name. */
type LabelSource =
  | { readonly from: 'attribute'; readonly key: string }
  | { readonly from: 'resource'; readonly key: string }
  | { readonly from: 'event' };

const LABEL_SOURCES: Readonly<Record<LabelField, LabelSource>> = {
  service_name: { from: 'resource', key: RESOURCE_ATTR.serviceName },
  model_name: { from: 'attribute', key: ATTR.modelName },
  model_version: { from: 'attribute', key: ATTR.modelVersion },
  model_framework: { from: 'attribute', key: ATTR.modelFramework },
  model_role: { from: 'attribute', key: ATTR.modelRole },
  event: { from: 'event' },
  retention: { from: 'attribute', key: ATTR.retentionClass },
  env: { from: 'resource', key: RESOURCE_ATTR.deploymentEnvironment },
  status: { from: 'attribute', key: ATTR.predictionStatus },
  segment: { from: 'attribute', key: ATTR.segment },
  channel: { from: 'attribute', key: ATTR.channel },
  region: { from: 'attribute', key: ATTR.region },
};

/**
 * Loki's defaults for `max_label_value_length` (2048) and `max_label_name_length` (1024). Loki checks
 * both with Go's `len()` of the string, which counts UTF-8 bytes, not characters
 * (`Validator.ValidateLabels` in grafana/loki pkg/distributor/validator.go), and one label over
 * either fails the whole push with a 400.
 */
export const MAX_LABEL_VALUE_BYTES = 2048;
export const MAX_LABEL_NAME_BYTES = 1024;
/** At most 3 UTF-8 bytes per UTF-16 unit: a value this short fits without counting. */
const SURELY_FITTING_UNITS = Math.floor(MAX_LABEL_VALUE_BYTES / 3);

/**
 * `text` within `MAX_LABEL_VALUE_BYTES` of UTF-8: whole when it fits, else cut on a code point
 * boundary by `safeCut` (so no piece of a card, e-mail or phone number straddling the cut is kept,
 * and the kept prefix does not hold the long original alive). May be empty for a value that is one
 * long token.
 */
export function cutLabelValue(text: string): string {
  if (text.length <= SURELY_FITTING_UNITS) return text;
  const fitting = utf8PrefixLength(text, MAX_LABEL_VALUE_BYTES);
  return fitting === text.length ? text : safeCut(text, fitting);
}

/**
 * Whether a label keeps its value when its stream is folded into an overflow stream (past
 * `maxStreams`). Kept: the resource's labels (`service_name`, `env`: one value per process, so they
 * add no streams) and `retention` (the retention class decides how long Loki keeps the stream through
 * `retention_stream` selectors; folding it would shorten an audit record's life; its values are the
 * few classes of the tail retention config). Every other record label becomes `__overflow__`.
 */
export function keptInOverflow(field: LabelField): boolean {
  return field === 'retention' || LABEL_SOURCES[field].from === 'resource';
}

export function isLabelField(name: string): name is LabelField {
  return (LABEL_FIELDS as readonly string[]).includes(name);
}

/** Reads a record's value for one label: a non-empty string, or undefined (the label is left out). */
export type LabelReader = (
  attributes: AttributeMap,
  resource: AttributeMap,
  eventName: string,
) => string | undefined;

function labelText(value: unknown): string | undefined {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else return undefined;
  if (text === '') return undefined;
  const cut = cutLabelValue(text);
  return cut === '' ? undefined : cut;
}

export function labelReader(field: LabelField): LabelReader {
  const source = LABEL_SOURCES[field];
  switch (source.from) {
    case 'event':
      return (_a, _r, eventName) => labelText(eventName);
    case 'resource': {
      const key = source.key;
      return (_a, resource) => labelText(resource[key]);
    }
    case 'attribute': {
      const key = source.key;
      return (attributes) => labelText(attributes[key]);
    }
  }
}

/** A label value as Loki's label parser reads it inside double quotes. */
export function quoteLabelValue(value: string): string {
  // Most values (model names, versions) need no escaping; skip the replace calls for them.
  if (!/["\\\n]/.test(value)) return `"${value}"`;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** `{a="1", b="2"}`, names sorted, as Loki's push API takes a stream's labels. */
export function formatLabels(pairs: ReadonlyArray<readonly [string, string]>): string {
  const sorted = [...pairs].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return `{${sorted.map(([name, value]) => `${name}=${quoteLabelValue(value)}`).join(', ')}}`;
}
