import { readdir, readFile } from 'node:fs/promises';
import { ComponentRegistry, ConfigError, resolveConfig } from '@predlog/core';
import { fileExporterFactory } from '@predlog/exporter-file';
import { describe, expect, it } from 'vitest';
import { type RedactionConfig, redactionConfigSchema, redactionProcessorFactory } from '../src/index.ts';

const fixtures = new URL('./fixtures/config/', import.meta.url);
const registry = new ComponentRegistry([redactionProcessorFactory, fileExporterFactory]);

/** Secrets of the test environment; no error message may ever contain one. */
const env = {
  OLD_KEY: 'old-secret-key-material-0123456789abcdef',
  NEW_KEY: 'new-secret-key-material-0123456789abcdef',
  SHORT_KEY: 'short-env-secret',
  NUMERIC_KEY: '123456789012345678901234567890123456',
  RULE_NAME: 'rule-name-from-the-environment',
  RULE_PATH: 'attributes.path-from-the.environment',
  PATTERN: '(regex-from-the-environment',
};
const SECRETS = [...Object.values(env), 'inline-secret-value'];

/** A `${env:NAME}` reference, as a config file holds it. */
function fromEnv(name: string): string {
  return `\${env:${name}}`;
}

async function fixture(name: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(name, fixtures), 'utf8'));
}

/** Resolves a whole predlog config whose processor `redaction/pii` has `body` as its config. */
function resolve(body: unknown) {
  return resolveConfig(
    {
      processors: { 'redaction/pii': body },
      exporters: { file: { directory: './logs' } },
      pipelines: { main: { processors: ['redaction/pii'], exporters: ['file'] } },
    },
    registry,
    { env },
  );
}

function parsedConfig(body: unknown): RedactionConfig {
  return resolve(body).processors.get('redaction/pii')?.config as RedactionConfig;
}

function configError(body: unknown): ConfigError {
  try {
    resolve(body);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const P = 'processors.redaction/pii';

/** What each fixture must parse to, or the key path and rule its error must name. */
const expectations: Record<
  string,
  { ok: true; check: (config: RedactionConfig) => void } | { ok: false; path: string; message: RegExp }
> = {
  'minimal.json': { ok: true, check: (c) => expect(c.mode).toBe('redact') },
  'full.json': {
    ok: true,
    check: (c) => {
      expect(c.keys).toEqual({ k2025: env.OLD_KEY, k2026: env.NEW_KEY });
      expect(c.activeKey).toBe('k2026');
      expect(c.rules.map((r) => r.name)).toEqual([
        'customer_email',
        'input_features.ssn',
        'raw_input.card_number',
        'raw_input.notes',
        'attributes["ml.entity.id"]',
      ]);
      expect(c.rules[2]).toMatchObject({ action: 'mask', keepLastChars: 4, maskChar: '#' });
      expect(c.detectors.ipv4).toEqual({ action: 'replace', with: '[REDACTED:ipv4]' });
      expect(c.patterns[0]).toMatchObject({ flags: 'i', with: '[REDACTED:employee_id]' });
      expect(c).toMatchObject({ hashHexChars: 24, maxStringChars: 65536, maxDepth: 16 });
    },
  },
  'allow-list.json': { ok: true, check: (c) => expect(c.allow).toHaveLength(3) },
  'hash-without-key.json': {
    ok: false,
    path: `${P}.keys`,
    message: /hash actions need a secret key.*no unkeyed fallback/,
  },
  'detector-hash-without-key.json': {
    ok: false,
    path: `${P}.keys`,
    message: /hash actions need a secret key/,
  },
  'key-too-short-env.json': {
    ok: false,
    path: `${P}.keys`,
    message: /key "k1" must be a secret of at least 32 characters/,
  },
  'key-too-short-inline.json': {
    ok: false,
    path: `${P}.keys`,
    message: /key "k1" must be a secret of at least 32/,
  },
  // 36 digits from the environment stay the 36-character string exported (core reads a value from
  // the environment as a number only where a schema takes a number), so this is a valid key.
  'key-numeric-env.json': { ok: true, check: (c) => expect(c.keys).toEqual({ k1: env.NUMERIC_KEY }) },
  'key-missing-env.json': {
    ok: false,
    path: `${P}.keys.k1`,
    message: /environment variable UNSET_KEY is not set/,
  },
  'key-id-invalid.json': {
    ok: false,
    path: `${P}.keys.key:1`,
    message: /key must use letters, digits, _ and -/,
  },
  'active-key-unknown.json': { ok: false, path: `${P}.activeKey`, message: /must be one of the keys: k1/ },
  'active-key-missing.json': {
    ok: false,
    path: `${P}.activeKey`,
    message: /is required with keys: one of k1/,
  },
  'path-empty-segment.json': { ok: false, path: `${P}.rules.0.path`, message: /empty segment/ },
  'path-dotted-attribute.json': {
    ok: false,
    path: `${P}.rules.0.path`,
    message: /attribute keys contain dots: bracket the key, as in attributes\["ml\.entity\.id"\]/,
  },
  'path-stored-field.json': {
    ok: false,
    path: `${P}.rules.0.path`,
    message: /starts with a stored field that comes from an attribute .*write the attribute by its key/,
  },
  'path-partial-wildcard.json': {
    ok: false,
    path: `${P}.allow.0`,
    message: /wildcards must be whole segments/,
  },
  'action-unknown.json': {
    ok: false,
    path: `${P}.rules.0.action`,
    message: /action must be one of drop, mask, hash, truncate, replace/,
  },
  'detector-action-unknown.json': {
    ok: false,
    path: `${P}.detectors.phone.action`,
    message: /action must be one of off, drop, mask, hash, replace/,
  },
  'unknown-key.json': { ok: false, path: `${P}.rule`, message: /unknown key \(did you mean "rules"\?\)/ },
  'pattern-unsafe.json': { ok: false, path: `${P}.patterns.0.regex`, message: /exponential time/ },
  'pattern-invalid.json': {
    ok: false,
    path: `${P}.patterns.0.regex`,
    message: /is not a valid regular expression/,
  },
  'pattern-backreference.json': { ok: false, path: `${P}.patterns.0.regex`, message: /backreferences/ },
  'name-taken.json': {
    ok: false,
    path: `${P}.rules.0.name`,
    message: /is already the name of a detector or an outcome of the processor itself/,
  },
  'name-taken-env.json': {
    ok: false,
    path: `${P}.rules.1.name`,
    message: /is already the name of rules\[0\]/,
  },
  'pattern-name-taken-env.json': {
    ok: false,
    path: `${P}.patterns.0.name`,
    message: /is already the name of rules\[0\]; give each pattern its own name/,
  },
  'path-from-env.json': {
    ok: false,
    path: `${P}.rules.0.path`,
    message: /attribute keys contain dots/,
  },
  'pattern-invalid-env.json': {
    ok: false,
    path: `${P}.patterns.0.regex`,
    message: /is not a valid regular expression \(Unterminated group\)/,
  },
  'allow-without-mode.json': { ok: false, path: `${P}.allow`, message: /only used with mode: allowList/ },
  'keep-last-too-many.json': { ok: false, path: `${P}.rules.0.keepLastChars`, message: /from 0 to 64/ },
  'max-string-chars-small.json': { ok: false, path: `${P}.maxStringChars`, message: /at least 1024/ },
};

describe('redactionConfigSchema', () => {
  it('holds every default', () => {
    const placeholder = (name: string) => ({ action: 'replace', with: `[REDACTED:${name}]` });
    expect(redactionConfigSchema.parse({})).toEqual({
      mode: 'redact',
      allow: [],
      rules: [],
      detectors: {
        email: placeholder('email'),
        card: placeholder('card'),
        iban: placeholder('iban'),
        ssn: placeholder('ssn'),
        phone: placeholder('phone'),
        ipv6: placeholder('ipv6'),
        ipv4: placeholder('ipv4'),
      },
      patterns: [],
      keys: {},
      hashHexChars: 32,
      maxStringChars: 262_144,
      maxDepth: 32,
    });
  });

  it('fills rule and pattern defaults: name from the path, mask keeps nothing, truncate 32, replace marker', () => {
    const config = redactionConfigSchema.parse({
      rules: [
        { path: 'raw_input.a', action: 'mask' },
        { path: 'raw_input.b', action: 'truncate' },
        { path: 'raw_input.c', action: 'replace' },
      ],
      patterns: [{ name: 'ticket', regex: 'T-\\d+', action: 'replace' }],
    });
    expect(config.rules).toEqual([
      { name: 'raw_input.a', path: 'raw_input.a', action: 'mask', keepLastChars: 0, maskChar: '*' },
      { name: 'raw_input.b', path: 'raw_input.b', action: 'truncate', maxChars: 32 },
      { name: 'raw_input.c', path: 'raw_input.c', action: 'replace', with: '[REDACTED]' },
    ]);
    expect(config.patterns[0]).toEqual({
      name: 'ticket',
      regex: 'T-\\d+',
      flags: '',
      action: 'replace',
      with: '[REDACTED:ticket]',
    });
  });

  it('has an expectation for every fixture', async () => {
    expect((await readdir(fixtures)).sort()).toEqual(Object.keys(expectations).sort());
  });

  for (const [name, expected] of Object.entries(expectations)) {
    it(`${name}: ${expected.ok ? 'parses' : `fails at "${expected.path}"`} through core's resolveConfig`, async () => {
      const body = await fixture(name);
      if (expected.ok) {
        expected.check(parsedConfig(body));
        return;
      }
      const error = configError(body);
      const issue = error.issues.find((i) => i.path === expected.path);
      expect(issue, error.message).toBeDefined();
      expect(issue?.message).toMatch(expected.message);
      for (const secret of SECRETS) expect(error.message).not.toContain(secret);
    });
  }

  it('never echoes a key, from the environment or inline, whatever is wrong with it', () => {
    const bodies = [
      { keys: { k1: 'inline-secret-value' }, activeKey: 'k1' },
      { keys: { k1: fromEnv('SHORT_KEY'), k2: 'inline-secret-value' }, activeKey: 'k3' },
      { keys: { k1: fromEnv('NUMERIC_KEY') }, activeKey: 'k9', rules: [{ path: 'x', action: 'hash' }] },
      { keys: { 'bad id': fromEnv('NEW_KEY') }, activeKey: 'bad id' },
    ];
    for (const body of bodies) {
      const error = configError(body);
      expect(error.message).toContain(`${P}`);
      for (const secret of SECRETS) expect(error.message).not.toContain(secret);
    }
  });

  it('never puts a name, path or regex in its own messages, whatever core adds', () => {
    // The schema alone: what core prints beside the message is core's concern, the message is ours.
    const secret = 'value-that-came-from-the-environment';
    const result = redactionConfigSchema.safeParse({
      rules: [
        { name: secret, path: 'raw_input.a', action: 'drop' },
        { name: secret, path: 'raw_input.b', action: 'drop' },
        { path: `attributes.${secret}.x`, action: 'drop' },
        { path: `${secret}[x]`, action: 'drop' },
      ],
      patterns: [
        { name: secret, regex: 'x', action: 'drop' },
        { name: 'p', regex: `(${secret}`, action: 'drop' },
      ],
    });
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((issue) => issue.message) ?? [];
    expect(messages).toHaveLength(5);
    for (const message of messages) expect(message).not.toContain(secret);
  });

  it('accepts a key of exactly 32 characters and refuses 31', () => {
    expect(() => resolve({ keys: { k: 'x'.repeat(32) }, activeKey: 'k' })).not.toThrow();
    expect(() => resolve({ keys: { k: 'x'.repeat(31) }, activeKey: 'k' })).toThrow(ConfigError);
  });
});
