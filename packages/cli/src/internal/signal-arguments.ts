import {
  type AnalyticsConfig,
  type BusinessSeries,
  type DistributionProfile,
  type ProxySignalConfig,
  type ProxySignalConfigInput,
  proxySignalConfigSchema,
  readBaselineFile,
  readBusinessSeries,
} from '@predlog/analytics';
import { UsageError } from '../command.ts';
import {
  fileArgument,
  numberArgument,
  positiveIntegerArgument,
  withInputErrors,
} from './analytics-arguments.ts';
import { readJsonArgument } from './read-json-file.ts';
import { schemaArgument } from './schema-argument.ts';

/** parseArgs options of the commands that compute proxy signals (signals, backtest). */
export const SIGNAL_OPTIONS = {
  baseline: { type: 'string' },
  business: { type: 'string' },
  'reference-days': { type: 'string' },
  warn: { type: 'string' },
  page: { type: 'string' },
  weights: { type: 'string' },
} as const;

export const SIGNAL_USAGE = `  --baseline <file>       baseline profile for the feature anomaly rate: predlog drift
                          --save-baseline output, predlog stats --out lines, or stored
                          prediction records (a training set); without it, no anomaly rate
  --business <file>       business metrics per day: CSV with a date column and one column per
                          metric, or NDJSON {"date": ..., "<metric>": number}
  --reference-days <n>    the first n days are the reference every day is scored against (default 7)
  --warn <0-100>          composite score above which a day warns (default 60)
  --page <0-100>          composite score above which a day pages (default 80)
  --weights <file>        the composite's weights: predlog backtest --json output (its calibrated
                          weights) or {"anomaly": 0.3, "confidence": 0.2, ...}; default the
                          documented defaults`;

type Values = Record<string, string | boolean | string[] | undefined>;

const text = (values: Values, key: string): string | undefined => {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
};

/** The proxy-signal settings, baseline profile and business series the flags name. */
export async function signalArguments(
  cwd: string,
  values: Values,
  config: AnalyticsConfig,
): Promise<{ signals: ProxySignalConfig; baseline?: DistributionProfile; business?: BusinessSeries }> {
  const input: ProxySignalConfigInput = {};
  const referenceDays = text(values, 'reference-days');
  if (referenceDays !== undefined)
    input.referenceDays = positiveIntegerArgument('--reference-days', referenceDays);
  const warn = text(values, 'warn');
  if (warn !== undefined) input.warnScore = scoreArgument('--warn', warn);
  const page = text(values, 'page');
  if (page !== undefined) input.pageScore = scoreArgument('--page', page);
  const weightsFile = text(values, 'weights');
  if (weightsFile !== undefined)
    input.weights = weightsArgument(await readJsonArgument(cwd, weightsFile), weightsFile);
  const out: { signals: ProxySignalConfig; baseline?: DistributionProfile; business?: BusinessSeries } = {
    signals: schemaArgument(proxySignalConfigSchema, input),
  };
  const baselineFile = text(values, 'baseline');
  if (baselineFile !== undefined) {
    const file = await fileArgument(cwd, '--baseline', baselineFile);
    out.baseline = (await withInputErrors(() => readBaselineFile(file, config))).profile;
  }
  const businessFile = text(values, 'business');
  if (businessFile !== undefined) {
    const file = await fileArgument(cwd, '--business', businessFile);
    out.business = await withInputErrors(() => readBusinessSeries(file));
  }
  return out;
}

/**
 * The weights in a `predlog backtest --json` report (`calibration.weights`) or a plain object of
 * them; the schema checks each (unknown signals, values outside 0–1 are usage errors).
 */
function weightsArgument(json: unknown, file: string): NonNullable<ProxySignalConfigInput['weights']> {
  const calibration = (json as { calibration?: { weights?: unknown } } | null)?.calibration;
  const weights = calibration?.weights ?? json;
  if (weights === null || typeof weights !== 'object' || Array.isArray(weights)) {
    throw new UsageError(
      `--weights: ${file} holds no weights (an object of signal: weight, or predlog backtest --json output)`,
    );
  }
  return weights as NonNullable<ProxySignalConfigInput['weights']>;
}

function scoreArgument(flag: string, value: string): number {
  const n = numberArgument(flag, value);
  if (!(n >= 0 && n <= 100)) throw new UsageError(`${flag} must be a score from 0 to 100 (got '${value}')`);
  return n;
}
