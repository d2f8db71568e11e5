/** A PromQL string literal: JSON's escaping is a subset of what PromQL's double-quoted strings accept. */
export function promString(value: string): string {
  return JSON.stringify(value);
}

/** A regular expression (RE2, fully anchored by Prometheus) matching exactly these values. */
export function exactAlternation(values: readonly string[]): string {
  return values.map((v) => v.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')).join('|');
}
