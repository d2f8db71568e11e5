import { z } from 'zod';
import { parsePath } from './internal/path-syntax.ts';
import { unsafePatternReason } from './internal/pattern-safety.ts';

/** The built-in detectors, in the order they take precedence when their matches overlap. */
export const DETECTOR_NAMES = ['email', 'card', 'iban', 'ssn', 'phone', 'ipv6', 'ipv4'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/** Names the summary and the metric use for what the processor itself did (not a rule). */
export const RESERVED_NAMES = ['allow_list', 'max_string_chars', 'max_depth', 'binary', 'error'] as const;

export const MIN_KEY_CHARS = 32;

/** Who holds a built-in name, in a message that must not say which name it was. */
const BUILT_IN_OWNER = `a detector or an outcome of the processor itself (${[...DETECTOR_NAMES, ...RESERVED_NAMES].join(', ')})`;
const MAX_PATH_SEGMENTS = 64;

const pathSchema = z.string().superRefine((text, ctx) => {
  const parsed = parsePath(text);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
  else if (parsed.path.segments.length > MAX_PATH_SEGMENTS)
    ctx.addIssue({ code: 'custom', message: `must have at most ${MAX_PATH_SEGMENTS} segments` });
});

const nameSchema = z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters');

const keyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must use letters, digits, _ and - (1-32 characters)');

const keepLastChars = z
  .number()
  .int('must be a whole number')
  .min(0, 'must be from 0 to 64')
  .max(64, 'must be from 0 to 64')
  .default(0);
const maskChar = z.string().length(1, 'must be exactly one character').default('*');

const actionError = (actions: readonly string[]) => () => `action must be one of ${actions.join(', ')}`;

const RULE_ACTIONS = ['drop', 'mask', 'hash', 'truncate', 'replace'] as const;
const ruleBase = { name: nameSchema.optional(), path: pathSchema };

/** A path rule: what to do with the value(s) at `path`. */
const ruleSchema = z
  .discriminatedUnion(
    'action',
    [
      z.strictObject({ ...ruleBase, action: z.literal('drop') }),
      z.strictObject({ ...ruleBase, action: z.literal('mask'), keepLastChars, maskChar }),
      z.strictObject({ ...ruleBase, action: z.literal('hash') }),
      z.strictObject({
        ...ruleBase,
        action: z.literal('truncate'),
        maxChars: z.number().int('must be a whole number').min(0, 'must be 0 or more').default(32),
      }),
      z.strictObject({ ...ruleBase, action: z.literal('replace'), with: z.string().default('[REDACTED]') }),
    ],
    { error: actionError(RULE_ACTIONS) },
  )
  .transform((rule) => ({ ...rule, name: rule.name ?? rule.path }));

const DETECTOR_ACTIONS = ['off', 'drop', 'mask', 'hash', 'replace'] as const;

/** A detector's action on the part of a string it matched; `off` disables it. */
function detectorSchema(name: string) {
  const placeholder = `[REDACTED:${name}]`;
  return z
    .discriminatedUnion(
      'action',
      [
        z.strictObject({ action: z.literal('off') }),
        z.strictObject({ action: z.literal('drop') }),
        z.strictObject({ action: z.literal('mask'), keepLastChars, maskChar }),
        z.strictObject({ action: z.literal('hash') }),
        z.strictObject({ action: z.literal('replace'), with: z.string().default(placeholder) }),
      ],
      { error: actionError(DETECTOR_ACTIONS) },
    )
    .default({ action: 'replace', with: placeholder });
}

const PATTERN_ACTIONS = ['drop', 'mask', 'hash', 'replace'] as const;
const patternBase = {
  name: nameSchema,
  regex: z.string().min(1, 'must not be empty'),
  flags: z
    .string()
    .regex(/^(?!.*(.).*\1)[imsu]*$/, 'may hold i, m, s and u, each once')
    .default(''),
};

/**
 * Why V8 refused a regex, without the regex: its message (`Invalid regular expression: /<source>/g:
 * Unterminated group`) quotes the source, which may have come from the environment.
 */
function regexReason(error: unknown): string {
  if (!(error instanceof Error)) return 'rejected';
  const colon = error.message.lastIndexOf(': ');
  return colon === -1 ? error.name : error.message.slice(colon + 2);
}

/** A user detector: a regular expression whose matches get the action. */
const patternSchema = z
  .discriminatedUnion(
    'action',
    [
      z.strictObject({ ...patternBase, action: z.literal('drop') }),
      z.strictObject({ ...patternBase, action: z.literal('mask'), keepLastChars, maskChar }),
      z.strictObject({ ...patternBase, action: z.literal('hash') }),
      z.strictObject({ ...patternBase, action: z.literal('replace'), with: z.string().optional() }),
    ],
    { error: actionError(PATTERN_ACTIONS) },
  )
  .superRefine((pattern, ctx) => {
    try {
      new RegExp(pattern.regex, `${pattern.flags}g`);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        path: ['regex'],
        message: `is not a valid regular expression (${regexReason(error)})`,
      });
      return;
    }
    const unsafe = unsafePatternReason(pattern.regex);
    if (unsafe !== undefined) ctx.addIssue({ code: 'custom', path: ['regex'], message: unsafe });
  })
  .transform((pattern) =>
    pattern.action === 'replace'
      ? { ...pattern, with: pattern.with ?? `[REDACTED:${pattern.name}]` }
      : pattern,
  );

export const redactionConfigSchema = z
  .strictObject({
    /** `redact`: everything passes except what rules and detectors redact. `allowList`: only `allow` paths pass. */
    mode: z.enum(['redact', 'allowList']).default('redact'),
    /** Allow-list mode: the paths that pass (with everything inside them); the rest is dropped. */
    allow: z.array(pathSchema).default([]),
    rules: z.array(ruleSchema).default([]),
    detectors: z
      .strictObject({
        email: detectorSchema('email'),
        card: detectorSchema('card'),
        iban: detectorSchema('iban'),
        ssn: detectorSchema('ssn'),
        phone: detectorSchema('phone'),
        ipv6: detectorSchema('ipv6'),
        ipv4: detectorSchema('ipv4'),
      })
      .prefault({}),
    patterns: z.array(patternSchema).default([]),
    /**
     * HMAC keys by id, each from `${env:NAME}`. Values are checked below, at the `keys` level, so no
     * error message ever echoes one.
     */
    keys: z
      .record(
        keyIdSchema,
        z.custom<string>(() => true),
      )
      .default({}),
    /** The key new hashes are made with; the others stay so old hashes can be verified. */
    activeKey: keyIdSchema.optional(),
    hashHexChars: z
      .number()
      .int('must be a whole number')
      .min(16, 'must be from 16 to 64')
      .max(64, 'must be from 16 to 64')
      .default(32),
    /** Longer strings are cut to this many characters (with a marker) when any detector is on. */
    maxStringChars: z
      .number()
      .int('must be a whole number')
      .min(1024, 'must be at least 1024')
      .default(262_144),
    /** Values nested deeper than this are replaced by a marker. */
    maxDepth: z.number().int('must be a whole number').min(1).max(256, 'must be at most 256').default(32),
  })
  .superRefine((config, ctx) => {
    for (const [id, secret] of Object.entries(config.keys)) {
      if (typeof secret !== 'string' || secret.length < MIN_KEY_CHARS) {
        // Reported on `keys`, never on the key itself: core prints the value of the path it is given.
        ctx.addIssue({
          code: 'custom',
          path: ['keys'],
          message: `key "${id}" must be a secret of at least ${MIN_KEY_CHARS} characters from \${env:NAME} (e.g. openssl rand -base64 48)`,
        });
      }
    }
    const ids = Object.keys(config.keys);
    const usesHash =
      config.rules.some((r) => r.action === 'hash') ||
      config.patterns.some((p) => p.action === 'hash') ||
      Object.values(config.detectors).some((d) => d.action === 'hash');
    if (usesHash && ids.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['keys'],
        message: `hash actions need a secret key: keys: { <id>: \${env:NAME} } and activeKey: <id> (there is no unkeyed fallback)`,
      });
    }
    if (ids.length > 0 && config.activeKey === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['activeKey'],
        message: `is required with keys: one of ${ids.join(', ')}`,
      });
    }
    if (config.activeKey !== undefined && !ids.includes(config.activeKey)) {
      ctx.addIssue({
        code: 'custom',
        path: ['activeKey'],
        message:
          ids.length === 0 ? 'names a key but keys is empty' : `must be one of the keys: ${ids.join(', ')}`,
      });
    }
    if (config.mode !== 'allowList' && config.allow.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['allow'], message: 'is only used with mode: allowList' });
    }
    // Where each name is used, described without the name: a name may come from ${env:...}, and
    // an error message must never print a value from the environment.
    const owners = new Map<string, string>();
    for (const name of [...DETECTOR_NAMES, ...RESERVED_NAMES]) owners.set(name, BUILT_IN_OWNER);
    config.rules.forEach((rule, i) => {
      // A rule whose path failed its check was not given its default name: nothing to compare.
      if (typeof rule.name !== 'string') return;
      const owner = owners.get(rule.name);
      if (owner !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'name'],
          message: `is already the name of ${owner} (a rule without a name is named by its path); give each rule its own name`,
        });
      else owners.set(rule.name, `rules[${i}]`);
    });
    config.patterns.forEach((pattern, i) => {
      const owner = owners.get(pattern.name);
      if (owner !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['patterns', i, 'name'],
          message: `is already the name of ${owner}; give each pattern its own name`,
        });
      else owners.set(pattern.name, `patterns[${i}]`);
    });
  });

export type RedactionConfig = z.output<typeof redactionConfigSchema>;
/** What a config file may contain (every key has a default). */
export type RedactionConfigInput = z.input<typeof redactionConfigSchema>;
export type RedactionRule = RedactionConfig['rules'][number];
export type RedactionPattern = RedactionConfig['patterns'][number];
export type DetectorAction = RedactionConfig['detectors'][DetectorName];
