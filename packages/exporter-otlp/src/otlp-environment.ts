import type { OtlpExporterConfig, OtlpProtocol } from './config.ts';
import { OTLP_PROTOCOLS } from './config.ts';

/** The process environment, or a test's own. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** What the exporter runs with once config, environment and the spec's defaults are combined. */
export interface ResolvedOtlpSettings {
  protocol: OtlpProtocol;
  /** HTTP: the full logs URL. gRPC: the server address (`http://host:4317`). */
  url: string;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeoutMs: number;
  /** Where each setting came from, for `predlog validate` and diagnostics (never values). */
  sources: Record<'protocol' | 'url' | 'compression' | 'timeoutMs', 'config' | string>;
}

/** A setting from the environment that is not valid: the variable's name, never its value. */
export class OtlpEnvironmentError extends Error {
  readonly variable: string;

  constructor(variable: string, expected: string) {
    super(`${variable} must be ${expected} (its value is not shown: it comes from the environment)`);
    this.name = 'OtlpEnvironmentError';
    this.variable = variable;
  }
}

const DEFAULT_HTTP_ENDPOINT = 'http://localhost:4318';
const DEFAULT_GRPC_ENDPOINT = 'http://localhost:4317';
const DEFAULT_TIMEOUT_MS = 10_000;
/** predlog's default, not the spec's `none`: a prediction record is about 8× smaller gzipped. */
const DEFAULT_COMPRESSION = 'gzip';

/** The logs-specific variable if set, else the generic one, as the OTLP exporter spec says. */
function pick(env: Environment, suffix: string): { name: string; value: string } | undefined {
  for (const name of [`OTEL_EXPORTER_OTLP_LOGS_${suffix}`, `OTEL_EXPORTER_OTLP_${suffix}`]) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}

/**
 * `key1=value1,key2=value2` (W3C Baggage-like, values percent-decoded) as the spec defines
 * `OTEL_EXPORTER_OTLP_HEADERS`. The generic variable first, the logs one over it.
 */
export function parseOtlpHeaders(env: Environment): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_LOGS_HEADERS']) {
    const text = env[name];
    if (text === undefined || text.trim() === '') continue;
    for (const pair of text.split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new OtlpEnvironmentError(name, 'a list of key=value pairs separated by commas');
      const key = pair.slice(0, eq).trim();
      let value: string;
      try {
        value = decodeURIComponent(pair.slice(eq + 1).trim());
      } catch {
        throw new OtlpEnvironmentError(name, 'percent-encoded key=value pairs');
      }
      if (key === '') throw new OtlpEnvironmentError(name, 'a list of key=value pairs with non-empty keys');
      headers[key] = value;
    }
  }
  return headers;
}

function endpointUrl(variable: string, value: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {}
  throw new OtlpEnvironmentError(variable, 'an absolute http:// or https:// URL');
}

/**
 * One setting: from config when set, else from the logs-specific or generic variable (parsed by
 * `parse`, which returns undefined for a bad value), else the default; records where it came from.
 */
function setting<T>(
  sources: ResolvedOtlpSettings['sources'],
  name: 'protocol' | 'compression' | 'timeoutMs',
  configured: T | undefined,
  env: Environment,
  suffix: string,
  fallback: T,
  parse: (value: string) => T | undefined,
  expected: string,
): T {
  if (configured !== undefined) {
    sources[name] = 'config';
    return configured;
  }
  const fromEnv = pick(env, suffix);
  if (fromEnv === undefined) {
    sources[name] = 'default';
    return fallback;
  }
  const parsed = parse(fromEnv.value);
  if (parsed === undefined) throw new OtlpEnvironmentError(fromEnv.name, expected);
  sources[name] = fromEnv.name;
  return parsed;
}

/**
 * Config first, then the OTel SDK environment variables (the logs-specific one before the generic
 * one), then the spec's defaults. `OTEL_EXPORTER_OTLP_ENDPOINT` is a base URL (HTTP appends
 * `/v1/logs`), `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` is used as is; both are the server address for
 * gRPC. Throws `OtlpEnvironmentError` naming the variable when one is malformed.
 */
export function resolveOtlpSettings(config: OtlpExporterConfig, env: Environment): ResolvedOtlpSettings {
  const sources = {} as ResolvedOtlpSettings['sources'];

  const protocol = setting(
    sources,
    'protocol',
    config.protocol,
    env,
    'PROTOCOL',
    'http/protobuf',
    (value) => ((OTLP_PROTOCOLS as readonly string[]).includes(value) ? (value as OtlpProtocol) : undefined),
    `one of ${OTLP_PROTOCOLS.join(', ')}`,
  );

  let url: string;
  const appendPath = (base: string) => (protocol === 'grpc' ? base : `${base.replace(/\/+$/, '')}/v1/logs`);
  if (config.logsEndpoint !== undefined) {
    url = config.logsEndpoint;
    sources.url = 'config';
  } else if (config.endpoint !== undefined) {
    url = appendPath(config.endpoint);
    sources.url = 'config';
  } else {
    const signal = env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT?.trim();
    const generic = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
    if (signal !== undefined && signal !== '') {
      url = endpointUrl('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', signal).href;
      sources.url = 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT';
    } else if (generic !== undefined && generic !== '') {
      url = appendPath(endpointUrl('OTEL_EXPORTER_OTLP_ENDPOINT', generic).href);
      sources.url = 'OTEL_EXPORTER_OTLP_ENDPOINT';
    } else {
      url = appendPath(protocol === 'grpc' ? DEFAULT_GRPC_ENDPOINT : DEFAULT_HTTP_ENDPOINT);
      sources.url = 'default';
    }
  }

  const compression = setting(
    sources,
    'compression',
    config.compression,
    env,
    'COMPRESSION',
    DEFAULT_COMPRESSION,
    (value) => (value === 'gzip' || value === 'none' ? value : undefined),
    'gzip or none',
  );
  const timeoutMs = setting(
    sources,
    'timeoutMs',
    config.timeoutMs,
    env,
    'TIMEOUT',
    DEFAULT_TIMEOUT_MS,
    (value) => {
      const ms = Number(value);
      return /^\d+$/.test(value) && Number.isSafeInteger(ms) && ms >= 1 ? ms : undefined;
    },
    'a whole number of milliseconds above 0',
  );

  // Config headers win over the environment's, key by key (case-insensitively, as HTTP does).
  const headers: Record<string, string> = {};
  const configured = new Set(Object.keys(config.headers).map((k) => k.toLowerCase()));
  for (const [key, value] of Object.entries(parseOtlpHeaders(env))) {
    if (!configured.has(key.toLowerCase())) headers[key] = value;
  }
  Object.assign(headers, config.headers);

  return { protocol, url, headers, compression, timeoutMs, sources };
}
