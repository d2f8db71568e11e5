import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ComponentRegistry, ConfigError, loadConfigFile, resolveConfig } from '@predlog/core';
import { memoryExporterFactory } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import {
  type TailRetentionConfig,
  tailRetentionConfigSchema,
  tailRetentionProcessorFactory,
} from '../src/index.ts';

const fixtures = fileURLToPath(new URL('./fixtures/config/', import.meta.url));
const registry = new ComponentRegistry([tailRetentionProcessorFactory, memoryExporterFactory()]);
const at = 'processors.tail_retention';

/** What each fixture must parse to, or the key path (below the processor) and rule its error names. */
const expectations: Record<
  string,
  | { ok: true; check: Partial<Record<keyof TailRetentionConfig, unknown>> }
  | { ok: false; path: string; message: RegExp }
> = {
  'minimal.yaml': { ok: true, check: { decisionWaitMs: 30_000, groupBy: 'request_id' } },
  'full.yaml': {
    ok: true,
    check: {
      groupBy: 'trace_id',
      decisionWaitMs: 60_000,
      checkIntervalMs: 500,
      maxBufferedGroups: 10_000,
      maxRecordsPerGroup: 200,
      maxBufferedBytes: 33_554_432,
      maxBytesPerGroup: 1_048_576,
      decisionCacheSize: 5000,
      shadowRoles: ['shadow', 'canary'],
      retentionDaysByClass: { debug: 3, standard: 30, audit: 3650 },
    },
  },
  'unknown-policy-type.yaml': {
    ok: false,
    path: 'policies.0.type',
    message:
      /^unknown policy type; known types: always, error, latency, .*, and, or, not \(got "sometimes"\)$/,
  },
  'missing-policy-type.yaml': {
    ok: false,
    path: 'policies.0.type',
    message: /unknown policy type.*\(got nothing\)/,
  },
  'bad-regex.yaml': {
    ok: false,
    path: 'policies.0.patterns.0',
    message: /is not a valid regular expression/,
  },
  'and-without-children.yaml': {
    ok: false,
    path: 'policies.0.policies',
    message: /needs at least one policy/,
  },
  'or-without-children.yaml': { ok: false, path: 'policies.0.policies', message: /is required/ },
  'not-without-policy.yaml': { ok: false, path: 'policies.0.policy', message: /is required/ },
  'unknown-class.yaml': {
    ok: false,
    path: 'policies.0.class',
    message:
      /unknown retention class "forever"; known classes \(retentionDaysByClass\): debug, standard, audit/,
  },
  'missing-class.yaml': {
    ok: false,
    path: 'policies.0.class',
    message: /names the retention class the policy grants/,
  },
  'nested-class.yaml': {
    ok: false,
    path: 'policies.0.policies.0.class',
    message: /a nested policy has no class of its own; set it on the top-level policy/,
  },
  'duplicate-names.yaml': {
    ok: false,
    path: 'policies.1.name',
    message: /policies 0 and 1 are both named "errors"/,
  },
  'empty-policies.yaml': { ok: false, path: 'policies', message: /needs at least one policy/ },
  'rate-out-of-range.yaml': {
    ok: false,
    path: 'policies.0.rate',
    message: /must be a number from 0 to 1 \(got 1.5\)/,
  },
  'bytes-per-group-over-total.yaml': {
    ok: false,
    path: 'maxBytesPerGroup',
    message: /must not be more than maxBufferedBytes/,
  },
  'unknown-key.yaml': {
    ok: false,
    path: 'decisionWait',
    message: /unknown key \(did you mean "decisionWaitMs"\?\)/,
  },
  'unknown-policy-key.yaml': { ok: false, path: 'policies.0.threshold', message: /unknown key/ },
  'feedback-never-keeps.yaml': {
    ok: false,
    path: 'policies.0.onDisagreement',
    message: /would never keep anything/,
  },
  'bad-class-name.yaml': { ok: false, path: 'retentionDaysByClass.7 years', message: /directory name/ },
  'numeric-attribute-without-bounds.yaml': {
    ok: false,
    path: 'policies.0.min',
    message: /needs min, max or both/,
  },
  'group-by-unknown.yaml': {
    ok: false,
    path: 'groupBy',
    message: /must be one of "request_id", "trace_id" \(got "session_id"\)/,
  },
};

describe('tailRetentionConfigSchema', () => {
  it('holds every default', () => {
    expect(tailRetentionConfigSchema.parse({})).toEqual({
      groupBy: 'request_id',
      decisionWaitMs: 30_000,
      checkIntervalMs: 1000,
      maxBufferedGroups: 50_000,
      maxRecordsPerGroup: 1000,
      maxBufferedBytes: 64 * 1024 * 1024,
      maxBytesPerGroup: 4 * 1024 * 1024,
      decisionCacheSize: 100_000,
      shadowRoles: ['shadow', 'challenger'],
      retentionDaysByClass: { debug: 7, standard: 90, audit: 2555 },
      policies: [
        { name: 'errors', type: 'error', class: 'standard' },
        { name: 'feedback', type: 'feedback', onDisagreement: true, onComplaint: true, class: 'audit' },
        { name: 'shadow-disagreement', type: 'shadow_disagreement', class: 'standard' },
        {
          name: 'low-confidence',
          type: 'low_confidence',
          delta: 0.05,
          defaultThreshold: 0.5,
          class: 'standard',
        },
        { name: 'baseline', type: 'probabilistic', rate: 0.1, seed: 0, class: 'debug' },
      ],
    });
  });

  it('names a policy after its type by default and sizes a rate limit burst to one second', () => {
    const config = tailRetentionConfigSchema.parse({
      policies: [
        { type: 'rate_limiting', groupsPerSecond: 2.5, class: 'debug' },
        {
          type: 'and',
          class: 'audit',
          policies: [{ type: 'error' }, { type: 'rate_limiting', groupsPerSecond: 0.2 }],
        },
      ],
    });
    expect(config.policies).toEqual([
      { name: 'rate_limiting', type: 'rate_limiting', groupsPerSecond: 2.5, burstGroups: 3, class: 'debug' },
      {
        name: 'and',
        type: 'and',
        class: 'audit',
        policies: [{ type: 'error' }, { type: 'rate_limiting', groupsPerSecond: 0.2, burstGroups: 1 }],
      },
    ]);
  });

  it('has an expectation for every fixture', async () => {
    expect((await readdir(fixtures)).sort()).toEqual(Object.keys(expectations).sort());
  });

  for (const [name, expected] of Object.entries(expectations)) {
    it(`${name}: ${expected.ok ? 'loads' : `fails at "${expected.path}"`} through core's config loader`, async () => {
      const load = loadConfigFile(`${fixtures}${name}`, registry, {});
      if (expected.ok) {
        const config = await load;
        expect(config.processors.get('tail_retention')?.config).toMatchObject(expected.check);
        return;
      }
      const error = await load.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues;
      const issue = issues.find((i) => i.path === `${at}.${expected.path}`);
      expect(issue, `issues: ${JSON.stringify(issues)}`).toBeDefined();
      expect(issue?.message).toMatch(expected.message);
      expect(issue?.line).toBeGreaterThan(0);
    });
  }

  it('reports every problem of an inline config at once (resolveConfig)', () => {
    const run = () =>
      resolveConfig(
        {
          processors: {
            tail_retention: {
              decisionWaitMs: -1,
              policies: [
                { type: 'string_attribute', key: 'k', patterns: ['[a-'], class: 'debug' },
                { type: 'or', policies: [], class: 'nope' },
              ],
            },
          },
          exporters: { memory: {} },
          pipelines: { p: { processors: ['tail_retention'], exporters: ['memory'] } },
        },
        registry,
        { env: {} },
      );
    expect(run).toThrow(ConfigError);
    try {
      run();
    } catch (error) {
      const issues = (error as ConfigError).issues;
      expect(issues.map((i) => i.path).sort()).toEqual([
        `${at}.decisionWaitMs`,
        `${at}.policies.0.patterns.0`,
        `${at}.policies.1.class`,
        `${at}.policies.1.policies`,
      ]);
      expect(issues.find((i) => i.path === `${at}.policies.1.class`)?.message).toMatch(
        /unknown retention class "nope"/,
      );
    }
  });
});
