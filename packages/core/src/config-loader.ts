import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Document, isMap, isPair, isScalar, LineCounter, type ParsedNode, parseDocument } from 'yaml';
import type { z } from 'zod';
import {
  type ConfigFile,
  configFileSchema,
  type ExportQueueConfig,
  exportQueueConfigSchema,
  type LoggerConfig,
  loggerConfigSchema,
  type PipelineConfig,
  pipelineConfigSchema,
} from './config.ts';
import type { ExporterFactory, ProcessorFactory } from './contracts.ts';
import { envReferences, looksSecret, SECRET_TEXT, SecretValues } from './internal/config-secrets.ts';
import { type EnvOrigin, EnvSubstitution, pathKey, readEnvScalarAs } from './internal/env-substitution.ts';
import { type ComponentRegistry, componentType } from './registry.ts';
import { redactUrl } from './url-redaction.ts';

export interface ConfigIssue {
  /** The file, or `<inline config>` for an object passed in code. */
  file: string;
  line?: number;
  column?: number;
  /** Dotted key path, e.g. `processors.sampling/default.rate`. */
  path: string;
  message: string;
}

/** Start-up failure of a config: every problem found, each with file, position and key path. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  return `${where}: ${issue.path === '' ? '(top level)' : issue.path}: ${issue.message}`;
}

export interface ResolvedProcessor {
  id: string;
  factory: ProcessorFactory;
  config: unknown;
}

export interface ResolvedExporter {
  id: string;
  factory: ExporterFactory;
  config: unknown;
  queue: ExportQueueConfig;
}

/** A config that passed every check, with each component's factory and parsed config. */
export interface PredlogConfig {
  /** Where it came from, for messages. */
  source: string;
  /** Directory relative paths in component configs resolve against. */
  baseDir: string;
  resource: Record<string, string>;
  logger: LoggerConfig;
  processors: Map<string, ResolvedProcessor>;
  exporters: Map<string, ResolvedExporter>;
  pipelines: Map<string, PipelineConfig>;
  /** Components defined but used by no pipeline (a warning, not an error). */
  unused: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads, substitutes and validates a YAML or JSON config file. Throws `ConfigError`. */
export async function loadConfigFile(
  file: string,
  registry: ComponentRegistry,
  env: Env = process.env,
): Promise<PredlogConfig> {
  return parseConfigText(await readConfigText(file), file, registry, env);
}

/** Same as `loadConfigFile` on text already in memory (`file` names it in messages). */
export function parseConfigText(
  text: string,
  file: string,
  registry: ComponentRegistry,
  env: Env = process.env,
): PredlogConfig {
  const { raw, locate } = parseYaml(text, file);
  return validateConfig(raw, {
    file,
    baseDir: path.dirname(path.resolve(file)),
    env,
    registry,
    locate,
  });
}

/**
 * Reads one top-level section of a config file that another package owns (`metrics:`, read by
 * `@predlog/metrics`) with the rules of the rest of the file: `${env:NAME}` substitution, values
 * from the environment or under secret-looking keys never echoed, and every issue naming the file,
 * line, column and key. Resolves to undefined when the file has no such section. Throws
 * `ConfigError`.
 */
export async function loadConfigSection<S extends z.ZodType>(
  file: string,
  key: string,
  schema: S,
  env: Env = process.env,
): Promise<z.output<S> | undefined> {
  return parseConfigSection(await readConfigText(file), file, key, schema, env);
}

/** Same as `loadConfigSection` on text already in memory. */
export function parseConfigSection<S extends z.ZodType>(
  text: string,
  file: string,
  key: string,
  schema: S,
  env: Env = process.env,
): z.output<S> | undefined {
  const { raw, locate } = parseYaml(text, file);
  if (!isPlainObject(raw) || raw[key] === undefined || raw[key] === null) return undefined;
  const issues: ConfigIssue[] = [];
  const ctx = substitutedContext({ file, env, locate }, issues);
  const substituted = ctx.substitution.substitute(raw[key], [key]);
  const parsed = checkAgainst(schema, substituted, [key], ctx, issues);
  if (issues.length > 0) throw configError(issues, ctx, substituted, [key]);
  return parsed as z.output<S>;
}

async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([{ file, path: '', message: `cannot read the config file (${reason})` }]);
  }
}

type Locate = (keyPath: readonly PropertyKey[], atKey?: string) => { line?: number; column?: number };

/** The file as plain data, and a way back from a key path to its line and column. */
function parseYaml(text: string, file: string): { raw: unknown; locate: Locate } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return {
          file,
          line: pos.line,
          column: pos.col,
          path: '',
          message: `not valid ${file.endsWith('.json') ? 'JSON/YAML' : 'YAML'}: ${e.message.split('\n')[0]}`,
        };
      }),
    );
  }
  return {
    raw: doc.toJS() ?? {},
    locate: (keyPath, atKey) => locateInDocument(doc, lineCounter, keyPath, atKey),
  };
}

/** Validates a config object built in code (same rules as a file). Throws `ConfigError`. */
export function resolveConfig(
  raw: unknown,
  registry: ComponentRegistry,
  options: { env?: Env; baseDir?: string } = {},
): PredlogConfig {
  return validateConfig(raw, {
    file: '<inline config>',
    baseDir: options.baseDir ?? process.cwd(),
    env: options.env ?? process.env,
    registry,
    locate: () => ({}),
  });
}

/** Where values come from and where issues point: enough for substitution and schema checks. */
interface SourceContext {
  file: string;
  env: Env;
  locate: Locate;
}

/** A source with its substitution under way: which paths and values came from the environment. */
interface SubstitutedContext extends SourceContext {
  substitution: EnvSubstitution;
}

interface ValidationContext extends SourceContext {
  baseDir: string;
  registry: ComponentRegistry;
}

function substitutedContext<C extends SourceContext>(ctx: C, issues: ConfigIssue[]): C & SubstitutedContext {
  const substitution = new EnvSubstitution(ctx.env, (keyPath, message) =>
    addIssue(issues, ctx, keyPath, message),
  );
  return { ...ctx, substitution };
}

/**
 * The error for `issues`, with every value that came from the environment or sits under a
 * secret-looking key replaced in the messages (a rule's own message may embed a value).
 */
function configError(
  issues: readonly ConfigIssue[],
  ctx: SubstitutedContext,
  tree: unknown,
  treePath: readonly PropertyKey[] = [],
): ConfigError {
  const secrets = new SecretValues();
  secrets.addFromEnv(ctx.substitution.values);
  secrets.addSecretsIn(tree, [...treePath]);
  return new ConfigError(issues.map((issue) => ({ ...issue, message: secrets.scrub(issue.message) })));
}

function validateConfig(raw: unknown, source: ValidationContext): PredlogConfig {
  const issues: ConfigIssue[] = [];
  const ctx = substitutedContext(source, issues);
  const substituted = ctx.substitution.substitute(raw, []);
  const fail = () => configError(issues, ctx, substituted);

  const issue = (keyPath: readonly PropertyKey[], message: string, atKey?: string) =>
    addIssue(issues, ctx, keyPath, message, atKey);
  const zodIssues = (base: readonly PropertyKey[], schema: z.ZodType, value: unknown): unknown =>
    checkAgainst(schema, value, base, ctx, issues);

  let top = zodIssues([], configFileSchema, substituted) as ConfigFile | undefined;
  if (top === undefined) {
    // Keep going with what is usable, so one run reports the component errors too.
    top = lenientTopLevel(substituted);
    if (top === undefined) throw fail();
  }

  const processors = new Map<string, ResolvedProcessor>();
  for (const [id, body] of Object.entries(top.processors)) {
    const type = componentType(id);
    const factory = ctx.registry.getProcessor(type);
    if (factory === undefined) {
      issue(
        ['processors', id],
        `unknown processor type "${type}"${listKnown(ctx.registry.types('processor'))}`,
        id,
      );
      continue;
    }
    const config = zodIssues(['processors', id], factory.configSchema, body ?? {});
    if (config !== undefined) processors.set(id, { id, factory, config });
  }

  const exporters = new Map<string, ResolvedExporter>();
  for (const [id, body] of Object.entries(top.exporters)) {
    const type = componentType(id);
    const factory = ctx.registry.getExporter(type);
    if (factory === undefined) {
      issue(
        ['exporters', id],
        `unknown exporter type "${type}"${listKnown(ctx.registry.types('exporter'))}`,
        id,
      );
      continue;
    }
    const { queue: queueBody, ...own } = isPlainObject(body) ? body : body == null ? {} : { __invalid: body };
    if ('__invalid' in own) {
      issue(['exporters', id], `must be a map of settings (got ${typeName(body)})`);
      continue;
    }
    const queue = zodIssues(['exporters', id, 'queue'], exportQueueConfigSchema, queueBody ?? {}) as
      | ExportQueueConfig
      | undefined;
    const config = zodIssues(['exporters', id], factory.configSchema, own);
    if (config !== undefined && queue !== undefined) exporters.set(id, { id, factory, config, queue });
  }

  const used = new Set<string>();
  const pipelines = new Map<string, PipelineConfig>();
  for (const [name, pipeline] of Object.entries(top.pipelines)) {
    pipeline.processors.forEach((id, i) => {
      used.add(`processors.${id}`);
      if (!(id in top.processors)) {
        issue(['pipelines', name, 'processors', i], `processor "${id}" is not defined under processors`);
      }
    });
    pipeline.exporters.forEach((id, i) => {
      used.add(`exporters.${id}`);
      if (!(id in top.exporters)) {
        issue(['pipelines', name, 'exporters', i], `exporter "${id}" is not defined under exporters`);
      }
    });
    const duplicate = pipeline.processors.find((id, i) => pipeline.processors.indexOf(id) !== i);
    if (duplicate !== undefined)
      issue(['pipelines', name, 'processors'], `processor "${duplicate}" is listed twice`);
    pipelines.set(name, pipeline);
  }

  if (issues.length > 0) throw fail();
  const unused = [
    ...Object.keys(top.processors).map((id) => `processors.${id}`),
    ...Object.keys(top.exporters).map((id) => `exporters.${id}`),
  ].filter((key) => !used.has(key));
  return {
    source: ctx.file,
    baseDir: ctx.baseDir,
    resource: top.resource,
    logger: top.logger,
    processors,
    exporters,
    pipelines,
    unused,
  };
}

/** One problem at `keyPath`, pointing at its line and column (at the key itself with `atKey`). */
function addIssue(
  issues: ConfigIssue[],
  ctx: SourceContext,
  keyPath: readonly PropertyKey[],
  message: string,
  atKey?: string,
): void {
  issues.push({
    file: ctx.file,
    ...ctx.locate(keyPath, atKey),
    path: keyPath.map(String).join('.'),
    message,
  });
}

/**
 * Parses `value` (found at `base`) with `schema`; on failure adds one issue per problem, with the
 * line and column of the key, a "did you mean" for unknown keys, and no value echoed that came from
 * the environment or sits under a secret-looking key. Returns the parsed value, or undefined.
 *
 * A scalar that was one whole `${env:NAME}` stays the string the environment holds unless the
 * schema refuses that string where it takes a number or a boolean: then, and only then, it is read
 * as one (`port: ${env:PORT}`), and parsed again.
 */
function checkAgainst(
  schema: z.ZodType,
  value: unknown,
  base: readonly PropertyKey[],
  ctx: SubstitutedContext,
  issues: ConfigIssue[],
): unknown {
  let input = value;
  let parsed = schema.safeParse(input);
  // Each round turns at least one string into a number or boolean for good, so this ends.
  while (!parsed.success) {
    const coerced = coerceWhereSchemaExpects(parsed.error.issues, input, base, ctx.substitution.origins);
    if (coerced === undefined) break;
    input = coerced.value;
    parsed = schema.safeParse(input);
  }
  if (parsed.success) return parsed.data;
  for (const zi of parsed.error.issues) {
    const keyPath = [...base, ...zi.path];
    if (zi.code === 'unrecognized_keys') {
      for (const key of zi.keys)
        addIssue(
          issues,
          ctx,
          [...keyPath, key],
          `unknown key${suggest(key, knownKeys(schema, zi.path))}`,
          key,
        );
      continue;
    }
    const origin = ctx.substitution.origins.get(pathKey(keyPath));
    addIssue(
      issues,
      ctx,
      keyPath,
      describeZodIssue(zi, valueAt(input, zi.path), origin ?? (looksSecret(keyPath) ? 'secret' : undefined)),
    );
  }
  return undefined;
}

/**
 * `root` with each whole-reference string that the issues say should be a number or a boolean (an
 * `invalid_type`, a literal or enum of numbers, one branch of a union) replaced by that reading; or
 * undefined when there is none to change. Changes objects in place (they are the substitution's own
 * copies) and returns the root, which is new only when the root itself is the scalar.
 */
function coerceWhereSchemaExpects(
  zodIssues: readonly z.core.$ZodIssue[],
  root: unknown,
  base: readonly PropertyKey[],
  origins: ReadonlyMap<string, EnvOrigin>,
  within: readonly PropertyKey[] = [],
): { value: unknown } | undefined {
  let value = root;
  let changed = false;
  for (const zi of zodIssues) {
    const at = [...within, ...zi.path];
    if (zi.code === 'invalid_union') {
      for (const branch of zi.errors) {
        const coerced = coerceWhereSchemaExpects(branch, value, base, origins, at);
        if (coerced !== undefined) {
          value = coerced.value;
          changed = true;
          break;
        }
      }
      continue;
    }
    const wanted: 'number' | 'boolean' | undefined =
      zi.code === 'invalid_type'
        ? zi.expected === 'number'
          ? 'number'
          : zi.expected === 'boolean'
            ? 'boolean'
            : undefined
        : zi.code === 'invalid_value'
          ? zi.values.some((v) => typeof v === 'number')
            ? 'number'
            : zi.values.some((v) => typeof v === 'boolean')
              ? 'boolean'
              : undefined
          : undefined;
    if (wanted === undefined) continue;
    const text = valueAt(value, at);
    if (typeof text !== 'string' || origins.get(pathKey([...base, ...at]))?.whole !== true) continue;
    const read = readEnvScalarAs(text, wanted);
    if (read === undefined) continue;
    value = setAt(value, at, read);
    changed = true;
  }
  return changed ? { value } : undefined;
}

function setAt(root: unknown, keyPath: readonly PropertyKey[], replacement: unknown): unknown {
  if (keyPath.length === 0) return replacement;
  const parent = valueAt(root, keyPath.slice(0, -1)) as Record<PropertyKey, unknown>;
  parent[keyPath[keyPath.length - 1] as PropertyKey] = replacement;
  return root;
}

/** The parts of an invalid top level that are still well-formed, to validate components against. */
function lenientTopLevel(raw: unknown): ConfigFile | undefined {
  if (!isPlainObject(raw)) return undefined;
  const pick = (key: string) => (isPlainObject(raw[key]) ? raw[key] : {});
  const pipelines: Record<string, PipelineConfig> = {};
  for (const [name, body] of Object.entries(pick('pipelines'))) {
    const parsed = pipelineConfigSchema.safeParse(body);
    if (parsed.success) pipelines[name] = parsed.data;
  }
  const logger = loggerConfigSchema.safeParse(raw.logger ?? {});
  return {
    resource: {},
    logger: logger.success ? logger.data : loggerConfigSchema.parse({}),
    processors: pick('processors'),
    exporters: pick('exporters'),
    pipelines,
  };
}

/**
 * The rule broken and the value found: shown as where it came from when it came from the
 * environment (`got a value from ${env:API_TOKEN}, not shown`), as a secret under a secret-looking key, and as a
 * URL without its user info and query.
 */
function describeZodIssue(
  zi: z.core.$ZodIssue,
  got: unknown,
  hidden: EnvOrigin | 'secret' | undefined,
): string {
  const shown =
    hidden === undefined
      ? describeValue(got)
      : hidden === 'secret'
        ? SECRET_TEXT
        : `a value from ${envReferences(hidden.names)}, not shown`;
  switch (zi.code) {
    case 'invalid_type':
      if (got === undefined) return `is required (expected ${zi.expected})`;
      return `expected ${zi.expected} (got ${shown})`;
    case 'invalid_key':
      return `key ${zi.issues[0]?.message ?? 'is not valid'}`;
    case 'invalid_value':
      return `must be one of ${zi.values.map((v) => JSON.stringify(v)).join(', ')} (got ${shown})`;
    default:
      // A rule about a whole map or list reads better without echoing the structure back.
      return got !== null && typeof got === 'object' ? zi.message : `${zi.message} (got ${shown})`;
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    // A URL's user info and query are where credentials hide (`user:pw@`, `?token=`).
    const shown = redactUrl(value);
    return shown.length > 60 ? `a ${value.length}-character string` : JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return typeName(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}

function valueAt(root: unknown, keyPath: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of keyPath) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Keys of the (possibly nested) object schema at `keyPath`, for "did you mean" hints. */
function knownKeys(schema: z.ZodType, keyPath: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  const unwrap = (s: unknown): unknown => {
    let node = s as {
      _zod?: { def?: { innerType?: unknown; in?: unknown; schema?: unknown; shape?: unknown } };
    };
    for (let i = 0; i < 8 && node?._zod?.def; i++) {
      const def = node._zod.def;
      if (def.shape !== undefined) return node;
      const next = def.innerType ?? def.in ?? def.schema;
      if (next === undefined) return node;
      node = next as typeof node;
    }
    return node;
  };
  current = unwrap(current);
  for (const key of keyPath) {
    const shape = (current as { _zod?: { def?: { shape?: Record<string, unknown> } } })?._zod?.def?.shape;
    if (shape === undefined) return [];
    current = unwrap(shape[String(key)]);
  }
  const shape = (current as { _zod?: { def?: { shape?: Record<string, unknown> } } })?._zod?.def?.shape;
  return shape === undefined ? [] : Object.keys(shape);
}

function suggest(key: string, known: string[]): string {
  if (known.length === 0) return '';
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  const hint =
    best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3))
      ? ` (did you mean "${best}"?)`
      : '';
  return `${hint}; known keys: ${known.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        previous + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      previous = current;
    }
  }
  return row[b.length] as number;
}

function listKnown(types: string[]): string {
  return types.length === 0 ? ' (no components of this kind are registered)' : `; known: ${types.join(', ')}`;
}

/**
 * Line and column of the node at `keyPath` (or of the key `atKey` inside it), walking up to the
 * nearest existing parent for keys that are missing.
 */
function locateInDocument(
  doc: Document.Parsed,
  lineCounter: LineCounter,
  keyPath: readonly PropertyKey[],
  atKey?: string,
): { line?: number; column?: number } {
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  for (let depth = keyPath.length; depth >= 0; depth--) {
    const prefix = keyPath.slice(0, depth);
    const parentPath = prefix.slice(0, -1);
    const last = prefix[prefix.length - 1];
    const parent = depth === 0 ? doc.contents : doc.getIn(parentPath, true);
    if (depth > 0 && isMap(parent)) {
      const pair = parent.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(last),
      );
      if (pair !== undefined) {
        const target = atKey !== undefined && depth === keyPath.length ? pair.key : (pair.value ?? pair.key);
        const range = (target as ParsedNode | null)?.range;
        if (range) return position(range[0]);
      }
      continue;
    }
    const node = depth === 0 ? doc.contents : (doc.getIn(prefix, true) as ParsedNode | undefined);
    const range = (node as ParsedNode | null | undefined)?.range;
    if (range) return position(range[0]);
  }
  return {};
}
