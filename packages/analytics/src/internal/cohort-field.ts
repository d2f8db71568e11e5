import type { StoredRecord } from '@predlog/schema';

/** A scalar as cohort text; anything else (objects, empty text, NaN) is no value. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** The objects a cohort field may sit in besides the record itself, read once per record. */
export function fieldSources(record: StoredRecord): {
  attributes: Record<string, unknown> | undefined;
  features: Record<string, unknown> | undefined;
} {
  const attributes = record.attributes;
  const features = record.input_features;
  return {
    attributes: attributes !== null && typeof attributes === 'object' ? attributes : undefined,
    features:
      features !== null && typeof features === 'object' && !Array.isArray(features)
        ? (features as Record<string, unknown>)
        : undefined,
  };
}

/**
 * The value of a cohort field (`segment`, `channel`, `region`, …) of a stored prediction, looked
 * up where an application may have put it: a field of the record itself (`segment` is one), then
 * its other attributes, then its input features (`attributes` and `features` from `fieldSources`,
 * read once for all the fields of a record). Undefined when none of them has it.
 */
export function cohortFieldOf(
  record: StoredRecord,
  name: string,
  attributes: Record<string, unknown> | undefined,
  features: Record<string, unknown> | undefined,
): string | undefined {
  const own = scalarText(record[name]);
  if (own !== undefined) return own;
  if (attributes !== undefined) {
    const attribute = scalarText(attributes[name]);
    if (attribute !== undefined) return attribute;
  }
  return features === undefined ? undefined : scalarText(features[name]);
}
