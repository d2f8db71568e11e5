import { ConfigError, loadConfigSection } from '@predlog/core';
import { z } from 'zod';

const money = z.number().min(0, 'must be a price of 0 or more');

/** `prices:` of prices.yaml: what storage, queries and jobs cost where the logs live. */
export const pricesSchema = z.strictObject({
  /** Printed beside the figures; no conversion. */
  currency: z.string().min(1).default('USD'),
  storage: z.strictObject({
    /** Per GB (10^9 bytes) and month: queryable storage (the hot tier). */
    hotPerGbMonth: money,
    /** Compressed, still readable (warm). */
    warmPerGbMonth: money,
    /** Archival (cold). */
    coldPerGbMonth: money,
  }),
  /** Per query: each rule evaluation of the rendered Prometheus rules is one. */
  perQuery: money,
  /** Per monitoring job run (a drift check or a performance evaluation over the logs). */
  perJob: money,
  /** Per GB a job reads, on top of perJob. */
  perGbScanned: money.default(0),
});
export type Prices = z.output<typeof pricesSchema>;

/** `retention:` of prices.yaml: the seed's hot / warm / cold tiers by age of the logs. */
export const retentionSchema = z
  .strictObject({
    /** Days kept hot (queryable, uncompressed). */
    hotDays: z.number().int('must be a whole number').min(0).default(7),
    /** Logs up to this age are warm (compressed); from hotDays to warmDays. */
    warmDays: z.number().int('must be a whole number').min(0).default(90),
    /** Logs up to this age are cold (archived, compressed); equal to warmDays: deleted after warm. */
    coldDays: z.number().int('must be a whole number').min(0).default(90),
    /** Compressed size over plain size; default: measured on the .gz files of the logs, else 0.2. */
    compressionRatio: z.number().gt(0, 'must be above 0').max(1, 'must be at most 1').optional(),
  })
  .superRefine((r, ctx) => {
    if (r.warmDays < r.hotDays)
      ctx.addIssue({ code: 'custom', path: ['warmDays'], message: 'must be at least hotDays' });
    if (r.coldDays < r.warmDays)
      ctx.addIssue({ code: 'custom', path: ['coldDays'], message: 'must be at least warmDays' });
  });
export type Retention = z.output<typeof retentionSchema>;

type Env = Readonly<Record<string, string | undefined>>;

/** Reads `prices:` (required) and `retention:` (defaults) of a file, with core's messages. */
export async function loadCostConfig(
  file: string,
  env: Env = process.env,
): Promise<{ prices: Prices; retention: Retention }> {
  const prices = await loadConfigSection(file, 'prices', pricesSchema, env);
  if (prices === undefined)
    throw new ConfigError([
      { file, path: '', message: 'has no prices: section (storage, perQuery, perJob)' },
    ]);
  const retention =
    (await loadConfigSection(file, 'retention', retentionSchema, env)) ?? retentionSchema.parse({});
  return { prices, retention };
}
