/**
 * The OTel SDK environment variables that describe the resource and switch the SDK off, read as
 * the specification says: `OTEL_RESOURCE_ATTRIBUTES` is `key1=value1,key2=value2` with
 * percent-encoded values (a malformed value discards the whole variable), `OTEL_SERVICE_NAME`
 * takes precedence over a `service.name` in it, and `OTEL_SDK_DISABLED=true` (any case) disables.
 */

export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

export interface EnvironmentResource {
  readonly attributes: Record<string, string>;
  /** Set when `OTEL_RESOURCE_ATTRIBUTES` was malformed and discarded (the reason, never the value). */
  readonly problem?: string;
}

export function resourceFromEnvironment(env: EnvironmentVariables): EnvironmentResource {
  const attributes: Record<string, string> = {};
  let problem: string | undefined;
  const text = env.OTEL_RESOURCE_ATTRIBUTES?.trim();
  if (text !== undefined && text !== '') {
    const parsed = parseResourceAttributes(text);
    if (typeof parsed === 'string') problem = parsed;
    else Object.assign(attributes, parsed);
  }
  const serviceName = env.OTEL_SERVICE_NAME?.trim();
  if (serviceName !== undefined && serviceName !== '') attributes['service.name'] = serviceName;
  return problem === undefined ? { attributes } : { attributes, problem };
}

/** The attributes, or why the text is not a valid list (without quoting it). */
function parseResourceAttributes(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) return 'an entry is not key=value';
    const key = pair.slice(0, eq).trim();
    if (key === '') return 'an entry has an empty key';
    try {
      out[key] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      return 'a value is not valid percent-encoding';
    }
  }
  return out;
}

/** `OTEL_SDK_DISABLED=true`, case-insensitively, as the specification defines the boolean. */
export function sdkDisabled(env: EnvironmentVariables): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
}
