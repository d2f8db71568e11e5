import { z } from 'zod';

const MiB = 1024 * 1024;
/** setInterval fires at once for longer delays. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const positiveInt = 'must be a positive whole number';
const unitRange = 'must be a number from 0 to 1';

/**
 * Policy types in the order they are evaluated: cheap, stateless checks first, then the ones that
 * keep state (`probabilistic` is pure but picks a share, `rate_limiting` spends tokens), so a token
 * is only spent on a group no earlier policy already keeps for at least as long. A combinator
 * (`and`, `or`, `not`) takes the place of the latest type it contains. Ties keep config order.
 */
export const POLICY_EVALUATION_ORDER = [
  'always',
  'error',
  'latency',
  'numeric_attribute',
  'string_attribute',
  'score_band',
  'low_confidence',
  'feedback',
  'shadow_disagreement',
  'probabilistic',
  'rate_limiting',
] as const;

export type LeafPolicyType = (typeof POLICY_EVALUATION_ORDER)[number];
export type PolicyType = LeafPolicyType | 'and' | 'or' | 'not';

const POLICY_TYPES: readonly PolicyType[] = [...POLICY_EVALUATION_ORDER, 'and', 'or', 'not'];

/** A retention class name becomes a directory name and a Loki label value: keep it plain. */
const className = z
  .string()
  .regex(
    /^[A-Za-z0-9_-]{1,64}$/,
    'must be 1-64 letters, digits, "_" or "-" (it becomes a directory name and a label value)',
  );

const policyName = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, "_", ".", ":" or "-"');

/**
 * Fields every policy may carry. `name` and `class` belong on the top-level entries of `policies`
 * only (the config-level check says so for nested ones): the top-level policy is what decides.
 */
const identity = {
  /** Written to `ml.retention.policy`; defaults to the type. */
  name: policyName.optional(),
  /** The retention class this policy grants; required at the top level. */
  class: className.optional(),
};

function validRegex(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const alwaysPolicy = z.strictObject({ type: z.literal('always'), ...identity });

const errorPolicy = z.strictObject({ type: z.literal('error'), ...identity });

const latencyPolicy = z.strictObject({
  type: z.literal('latency'),
  ...identity,
  /** Keep when a (non-shadow) prediction took longer than this (`ml.inference.duration_ms`). */
  thresholdMs: z.number().positive('must be a positive number'),
});

const numericAttributePolicy = z
  .strictObject({
    type: z.literal('numeric_attribute'),
    ...identity,
    key: z.string().min(1, 'must name an attribute'),
    min: finite.optional(),
    max: finite.optional(),
  })
  .refine((p) => p.min !== undefined || p.max !== undefined, {
    path: ['min'],
    message: 'needs min, max or both',
  })
  .refine((p) => p.min === undefined || p.max === undefined || p.min <= p.max, {
    path: ['max'],
    message: 'must not be less than min',
  });

const stringAttributePolicy = z
  .strictObject({
    type: z.literal('string_attribute'),
    ...identity,
    key: z.string().min(1, 'must name an attribute'),
    /** Exact values that match. */
    values: z.array(z.string()).default([]),
    /** Regular expressions (JavaScript syntax, `u` flag); a value matches when one finds a match. */
    patterns: z.array(z.string().refine(validRegex, 'is not a valid regular expression')).default([]),
  })
  .refine((p) => p.values.length > 0 || p.patterns.length > 0, {
    path: ['values'],
    message: 'needs at least one entry in values or patterns',
  });

const scoreBandPolicy = z
  .strictObject({
    type: z.literal('score_band'),
    ...identity,
    min: finite.optional(),
    max: finite.optional(),
  })
  .refine((p) => p.min !== undefined || p.max !== undefined, {
    path: ['min'],
    message: 'needs min, max or both',
  })
  .refine((p) => p.min === undefined || p.max === undefined || p.min <= p.max, {
    path: ['max'],
    message: 'must not be less than min',
  });

const lowConfidencePolicy = z.strictObject({
  type: z.literal('low_confidence'),
  ...identity,
  /** Keep when |score − threshold| < delta. */
  delta: z.number().positive('must be a positive number').default(0.05),
  /** Threshold for a prediction that carries no `ml.prediction.threshold`. */
  defaultThreshold: finite.default(0.5),
});

const feedbackPolicy = z
  .strictObject({
    type: z.literal('feedback'),
    ...identity,
    /** Keep when a feedback label differs from the prediction's label. */
    onDisagreement: z.boolean().default(true),
    /** Keep when a feedback record carries `ml.feedback.complaint: true`. */
    onComplaint: z.boolean().default(true),
  })
  .refine((p) => p.onDisagreement || p.onComplaint, {
    path: ['onDisagreement'],
    message: 'onDisagreement and onComplaint are both false: the policy would never keep anything',
  });

const shadowDisagreementPolicy = z.strictObject({
  type: z.literal('shadow_disagreement'),
  ...identity,
  /** Also keep when a shadow's score differs from the primary's by more than this. */
  scoreDelta: z.number().positive('must be a positive number').optional(),
});

const probabilisticPolicy = z.strictObject({
  type: z.literal('probabilistic'),
  ...identity,
  rate: z.number().min(0, unitRange).max(1, unitRange),
  /** Hash seed; the same seed as the sampling processor keeps the same requests. */
  seed: z
    .number()
    .int('must be a whole number from 0 to 4294967295')
    .min(0, 'must be a whole number from 0 to 4294967295')
    .max(0xffff_ffff, 'must be a whole number from 0 to 4294967295')
    .default(0),
});

const rateLimitingPolicy = z.strictObject({
  type: z.literal('rate_limiting'),
  ...identity,
  groupsPerSecond: z.number().positive('must be a positive number'),
  /** Bucket size; default one second of `groupsPerSecond`, rounded up. */
  burstGroups: z.number().int(positiveInt).positive(positiveInt).optional(),
});

const childrenRule = 'needs at least one policy';

interface PolicyIdentity {
  name?: string | undefined;
  class?: string | undefined;
}

/** One policy as written in config (nested ones carry neither name nor class). */
export type PolicyConfigInput = PolicyIdentity &
  (
    | { type: 'always' }
    | { type: 'error' }
    | { type: 'latency'; thresholdMs: number }
    | { type: 'numeric_attribute'; key: string; min?: number | undefined; max?: number | undefined }
    | {
        type: 'string_attribute';
        key: string;
        values?: string[] | undefined;
        patterns?: string[] | undefined;
      }
    | { type: 'score_band'; min?: number | undefined; max?: number | undefined }
    | { type: 'low_confidence'; delta?: number | undefined; defaultThreshold?: number | undefined }
    | { type: 'feedback'; onDisagreement?: boolean | undefined; onComplaint?: boolean | undefined }
    | { type: 'shadow_disagreement'; scoreDelta?: number | undefined }
    | { type: 'probabilistic'; rate: number; seed?: number | undefined }
    | { type: 'rate_limiting'; groupsPerSecond: number; burstGroups?: number | undefined }
    | { type: 'and' | 'or'; policies: PolicyConfigInput[] }
    | { type: 'not'; policy: PolicyConfigInput }
  );

/** A policy as the schema parses it, before names and burst sizes are filled in. */
type ParsedPolicy = PolicyIdentity &
  (
    | { type: 'always' }
    | { type: 'error' }
    | { type: 'latency'; thresholdMs: number }
    | { type: 'numeric_attribute'; key: string; min?: number | undefined; max?: number | undefined }
    | { type: 'string_attribute'; key: string; values: string[]; patterns: string[] }
    | { type: 'score_band'; min?: number | undefined; max?: number | undefined }
    | { type: 'low_confidence'; delta: number; defaultThreshold: number }
    | { type: 'feedback'; onDisagreement: boolean; onComplaint: boolean }
    | { type: 'shadow_disagreement'; scoreDelta?: number | undefined }
    | { type: 'probabilistic'; rate: number; seed: number }
    | { type: 'rate_limiting'; groupsPerSecond: number; burstGroups?: number | undefined }
    | { type: 'and'; policies: ParsedPolicy[] }
    | { type: 'or'; policies: ParsedPolicy[] }
    | { type: 'not'; policy: ParsedPolicy }
  );

const andPolicy = z.strictObject({
  type: z.literal('and'),
  ...identity,
  get policies() {
    return z.array(policySchema).min(1, childrenRule);
  },
});

const orPolicy = z.strictObject({
  type: z.literal('or'),
  ...identity,
  get policies() {
    return z.array(policySchema).min(1, childrenRule);
  },
});

const notPolicy = z.strictObject({
  type: z.literal('not'),
  ...identity,
  get policy() {
    return policySchema;
  },
});

// Annotated: the union refers to itself through and/or/not, which inference cannot follow.
const policySchema: z.ZodType<ParsedPolicy, PolicyConfigInput> = z.discriminatedUnion(
  'type',
  [
    alwaysPolicy,
    errorPolicy,
    latencyPolicy,
    numericAttributePolicy,
    stringAttributePolicy,
    scoreBandPolicy,
    lowConfidencePolicy,
    feedbackPolicy,
    shadowDisagreementPolicy,
    probabilisticPolicy,
    rateLimitingPolicy,
    andPolicy,
    orPolicy,
    notPolicy,
  ],
  { error: () => `unknown policy type; known types: ${POLICY_TYPES.join(', ')}` },
);

/** A condition after parsing, with `burstGroups` filled in; nested conditions have no identity. */
export type PolicyCondition =
  | { type: 'always' }
  | { type: 'error' }
  | { type: 'latency'; thresholdMs: number }
  | { type: 'numeric_attribute'; key: string; min?: number | undefined; max?: number | undefined }
  | { type: 'string_attribute'; key: string; values: string[]; patterns: string[] }
  | { type: 'score_band'; min?: number | undefined; max?: number | undefined }
  | { type: 'low_confidence'; delta: number; defaultThreshold: number }
  | { type: 'feedback'; onDisagreement: boolean; onComplaint: boolean }
  | { type: 'shadow_disagreement'; scoreDelta?: number | undefined }
  | { type: 'probabilistic'; rate: number; seed: number }
  | { type: 'rate_limiting'; groupsPerSecond: number; burstGroups: number }
  | { type: 'and'; policies: PolicyCondition[] }
  | { type: 'or'; policies: PolicyCondition[] }
  | { type: 'not'; policy: PolicyCondition };

/** A top-level policy after parsing: a condition with the name and class it writes. */
export type RetentionPolicyConfig = PolicyCondition & { name: string; class: string };

/** What a config without `policies` gets: errors, disputes, doubt and a 10% baseline. */
export const DEFAULT_POLICIES: readonly PolicyConfigInput[] = [
  { name: 'errors', type: 'error', class: 'standard' },
  { name: 'feedback', type: 'feedback', class: 'audit' },
  { name: 'shadow-disagreement', type: 'shadow_disagreement', class: 'standard' },
  { name: 'low-confidence', type: 'low_confidence', class: 'standard' },
  { name: 'baseline', type: 'probabilistic', rate: 0.1, class: 'debug' },
];

export const DEFAULT_RETENTION_DAYS_BY_CLASS: Readonly<Record<string, number>> = {
  debug: 7,
  standard: 90,
  audit: 2555,
};

export const tailRetentionConfigSchema = z
  .strictObject({
    /** What makes records one group: `ml.request.id`, or the trace id of the record's span context. */
    groupBy: z.enum(['request_id', 'trace_id']).default('request_id'),
    /** How long a group collects records after its first one before it is decided. */
    decisionWaitMs: z
      .number()
      .int(positiveInt)
      .positive(positiveInt)
      .max(MAX_TIMER_MS, 'must be at most 2147483647 ms (about 24.8 days)')
      .default(30_000),
    /** How often a timer looks for groups whose wait is over. */
    checkIntervalMs: z
      .number()
      .int(positiveInt)
      .positive(positiveInt)
      .max(MAX_TIMER_MS, 'must be at most 2147483647 ms (about 24.8 days)')
      .default(1000),
    maxBufferedGroups: z
      .number()
      .int(positiveInt)
      .positive(positiveInt)
      .max(10_000_000, 'must be at most 10000000')
      .default(50_000),
    maxRecordsPerGroup: z.number().int(positiveInt).positive(positiveInt).default(1000),
    /** Sum of the records' approximate sizes (`approxBytes`, else an estimate). */
    maxBufferedBytes: z
      .number()
      .int(positiveInt)
      .positive(positiveInt)
      .default(64 * MiB),
    maxBytesPerGroup: z
      .number()
      .int(positiveInt)
      .positive(positiveInt)
      .default(4 * MiB),
    /** Decisions remembered (by group key) so records arriving after the decision follow it; 0 turns it off. */
    decisionCacheSize: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .max(10_000_000, 'must be at most 10000000 (about 400 MB of decision table)')
      .default(100_000),
    /** `ml.model.role` values that mark a shadow (challenger) prediction. */
    shadowRoles: z.array(z.string().min(1, 'cannot be empty')).default(['shadow', 'challenger']),
    /** Retention classes and their durations; when several policies keep a group, the longest wins. */
    retentionDaysByClass: z
      .record(className, z.number().int(positiveInt).positive(positiveInt))
      .refine((classes) => Object.keys(classes).length > 0, 'needs at least one retention class')
      .default({ ...DEFAULT_RETENTION_DAYS_BY_CLASS }),
    policies: z
      .array(policySchema)
      .min(1, 'needs at least one policy (with none, every record would be dropped)')
      .prefault(() => DEFAULT_POLICIES.map((p) => ({ ...p }))),
  })
  .superRefine((c, ctx) => {
    if (c.maxBytesPerGroup > c.maxBufferedBytes)
      ctx.addIssue({
        code: 'custom',
        path: ['maxBytesPerGroup'],
        message: 'must not be more than maxBufferedBytes',
      });
    if (c.maxRecordsPerGroup > 1_000_000)
      ctx.addIssue({ code: 'custom', path: ['maxRecordsPerGroup'], message: 'must be at most 1000000' });
    const known = Object.keys(c.retentionDaysByClass);
    const names = new Map<string, number>();
    c.policies.forEach((policy, i) => {
      if (policy.class === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['policies', i, 'class'],
          message: `names the retention class the policy grants; one of ${known.join(', ')}`,
        });
      else if (!known.includes(policy.class))
        ctx.addIssue({
          code: 'custom',
          path: ['policies', i, 'class'],
          message: `unknown retention class "${policy.class}"; known classes (retentionDaysByClass): ${known.join(', ')}`,
        });
      const name = policy.name ?? policy.type;
      const first = names.get(name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['policies', i, 'name'],
          message: `policies ${first} and ${i} are both named "${name}"; give each a distinct name`,
        });
      else names.set(name, i);
      checkNested(policy, ['policies', i], ctx);
    });
  })
  .transform((c) => ({
    ...c,
    policies: c.policies.map(
      (p): RetentionPolicyConfig => ({
        ...toCondition(p),
        name: p.name ?? p.type,
        class: p.class ?? '',
      }),
    ),
  }));

/** Nested policies are conditions: their name and class would have no effect, so they are errors. */
function checkNested(policy: ParsedPolicy, path: (string | number)[], ctx: z.RefinementCtx): void {
  const children: Array<[ParsedPolicy, (string | number)[]]> =
    policy.type === 'and' || policy.type === 'or'
      ? policy.policies.map((child, i) => [child, [...path, 'policies', i]])
      : policy.type === 'not'
        ? [[policy.policy, [...path, 'policy']]]
        : [];
  for (const [child, childPath] of children) {
    for (const key of ['name', 'class'] as const) {
      if (child[key] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [...childPath, key],
          message: `a nested policy has no ${key} of its own; set it on the top-level policy`,
        });
    }
    checkNested(child, childPath, ctx);
  }
}

function toCondition(p: ParsedPolicy): PolicyCondition {
  switch (p.type) {
    case 'and':
    case 'or':
      return { type: p.type, policies: p.policies.map(toCondition) };
    case 'not':
      return { type: 'not', policy: toCondition(p.policy) };
    case 'rate_limiting':
      return {
        type: 'rate_limiting',
        groupsPerSecond: p.groupsPerSecond,
        burstGroups: p.burstGroups ?? Math.max(1, Math.ceil(p.groupsPerSecond)),
      };
    default: {
      const { name: _name, class: _class, ...condition } = p;
      return condition;
    }
  }
}

export type TailRetentionConfig = z.output<typeof tailRetentionConfigSchema>;
/** What a config file may contain: every key has a default. */
export type TailRetentionConfigInput = z.input<typeof tailRetentionConfigSchema>;
