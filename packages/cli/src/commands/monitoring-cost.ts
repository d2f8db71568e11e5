import path from 'node:path';
import { ConfigError, loadConfigSection } from '@predlog/core';
import {
  type CostReport,
  estimateMonitoringCost,
  type LoadedModelMonitoring,
  loadCostConfig,
  readLogVolumes,
  type SamplingRates,
  type Saving,
} from '@predlog/monitoring';
import { type SamplingConfig, samplingConfigSchema } from '@predlog/processor-sampling';
import { z } from 'zod';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, UsageError } from '../command.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { readMonitoringConfigs } from '../internal/monitoring-configs.ts';
import { renderTextTable } from '../internal/text-table.ts';

export const monitoringCostCommand: Command = {
  name: 'monitoring cost',
  usage: `Usage: predlog monitoring cost <logs-dir> --config <predlog.yaml> --prices <prices.yaml>
                               [--models <dir>] [--json]

Estimates what monitoring costs per model per month, from a file exporter's logs (records, weights
and bytes per model and day, read from the files), the sampling processor of the config (its rate
by daily volume: by default 100% below 100,000 predictions a day, 50% below 1,000,000, else 10%),
and the prices you give: storage in hot / warm / cold tiers, monitoring jobs (drift checks, performance
evaluations) and queries (rule evaluations) at each model's tier frequencies. Also prints what
sampling, retention tiers and frequency tiers each save.

Options:
  --config <file>   predlog config; its sampling processor's rates (none: the default tiers)
  --prices <file>   prices: (storage per GB-month hot/warm/cold, perQuery, perJob, perGbScanned)
                    and retention: (hotDays 7, warmDays 90, coldDays 90, compressionRatio)
  --models <dir>    model monitoring configs for each model's tier (a model without one: T2)
  --json            print the full report as JSON

Exit codes: 0 estimated, 1 invalid config or no logs, 2 usage error.

Example:
  predlog monitoring cost ./prediction-logs --config predlog.yaml --prices prices.yaml --models ./models`,

  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine({
      args,
      options: {
        config: { type: 'string' },
        prices: { type: 'string' },
        models: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    const [logs = ''] = expectPositionals(positionals, ['<logs-dir>']);
    const configFile = required('--config', values.config);
    const pricesFile = required('--prices', values.prices);
    const invalid = (error: ConfigError, file: string, absolute: string) => {
      io.stderr.write(`${error.message.split(absolute).join(file)}\n${file}: invalid\n`);
      return EXIT_FAILED;
    };
    const configPath = path.resolve(io.cwd, configFile);
    let sampling: { rates: SamplingRates; from: string };
    try {
      sampling = await readSamplingRates(configPath, configFile, io.env);
    } catch (error) {
      if (error instanceof ConfigError) return invalid(error, configFile, configPath);
      throw error;
    }
    const pricesPath = path.resolve(io.cwd, pricesFile);
    let cost: Awaited<ReturnType<typeof loadCostConfig>>;
    try {
      cost = await loadCostConfig(pricesPath, io.env);
    } catch (error) {
      if (error instanceof ConfigError) return invalid(error, pricesFile, pricesPath);
      throw error;
    }
    let models: LoadedModelMonitoring[] = [];
    if (values.models !== undefined) {
      const loaded = await readMonitoringConfigs(values.models, io);
      if (loaded === undefined) return EXIT_FAILED;
      models = loaded;
    }
    let volumes: Awaited<ReturnType<typeof readLogVolumes>>;
    try {
      volumes = await readLogVolumes(path.resolve(io.cwd, logs));
    } catch (error) {
      throw new UsageError(`cannot read ${logs} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (volumes.skippedLines > 0 || volumes.unreadableFiles > 0)
      io.stderr.write(
        `warning: skipped ${volumes.skippedLines} line(s) that are not JSON records and ${volumes.unreadableFiles} unreadable file(s); their bytes still count\n`,
      );
    if (volumes.days.length === 0) {
      io.stderr.write(`${logs}: no model_name=/date= partitions with data files\n`);
      return EXIT_FAILED;
    }
    const report = estimateMonitoringCost({
      volumes: volumes.days,
      sampling: sampling.rates,
      prices: cost.prices,
      retention: cost.retention,
      models: models.map((m) => m.config),
    });
    io.stdout.write(
      values.json
        ? `${JSON.stringify({ sampling: sampling.from, ...report }, null, 2)}\n`
        : renderCost(report, sampling.from),
    );
    return EXIT_OK;
  },
};

function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${flag}`);
  return value;
}

/**
 * The base rates of the config's sampling processor (`sampling` or `sampling/<name>`), read from
 * the processors: section alone, so a config whose other components this command does not know
 * still works; none: the processor's defaults. Throws `ConfigError` (file, line, key).
 */
async function readSamplingRates(
  absolute: string,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ rates: SamplingRates; from: string }> {
  const ids = Object.keys(
    (await loadConfigSection(absolute, 'processors', z.record(z.string(), z.unknown()), env)) ?? {},
  ).filter((id) => id === 'sampling' || id.startsWith('sampling/'));
  const [id, ...more] = ids;
  if (id === undefined)
    return { rates: samplingConfigSchema.parse({}), from: 'default volume tiers (no sampling processor)' };
  if (more.length > 0)
    throw new ConfigError([
      {
        file: absolute,
        path: 'processors',
        message: `defines ${ids.length} sampling processors (${ids.join(', ')}); keep one to cost`,
      },
    ]);
  const schema = z.looseObject({ [id]: samplingConfigSchema.nullable() });
  const parsed = (await loadConfigSection(absolute, 'processors', schema, env)) as Record<
    string,
    SamplingConfig | null
  >;
  return { rates: parsed[id] ?? samplingConfigSchema.parse({}), from: `${file} processors.${id}` };
}

function renderCost(report: CostReport, samplingFrom: string): string {
  const money = (x: number) => `${x < 10 ? x.toFixed(4) : x.toFixed(2)}`;
  const share = (x: number) => `${(x * 100).toFixed(1)}%`;
  const count = (x: number) => Math.round(x).toLocaleString('en-US');
  const gb = (x: number) => (x < 10 ? x.toPrecision(3) : x.toFixed(1));
  const rows = report.models.map((m) => [
    m.model,
    `${m.tier}${m.tierAssumed ? '*' : ''}`,
    count(m.predictionsPerDay),
    share(m.configuredRate),
    gb(m.storage.hotGb),
    gb(m.storage.warmGb),
    gb(m.storage.coldGb),
    money(m.storage.cost),
    `${count(m.jobsPerMonth.drift + m.jobsPerMonth.performance)}`,
    money(m.jobCost),
    count(m.queriesPerMonth),
    money(m.queryCost),
    money(m.totalPerMonth),
  ]);
  const t = report.total;
  const saveRow = (label: string, s: Saving) => [label, money(s.without), money(s.saved), share(s.share)];
  rows.push([
    'total',
    '',
    '',
    '',
    '',
    '',
    '',
    money(t.storage),
    '',
    money(t.jobs),
    '',
    money(t.queries),
    money(t.perMonth),
  ]);
  const savings = renderTextTable(
    ['saving per month', 'without', 'saved', 'share'],
    [
      saveRow('sampling (vs 100%)', t.savings.sampling),
      saveRow('retention tiers (vs all hot)', t.savings.retentionTiers),
      saveRow('frequency tiers (vs all T1)', t.savings.frequencyTiers),
    ],
    [1, 2, 3],
  );
  const r = report.retention;
  return `${[
    `monthly monitoring cost (${report.currency}, 30-day month); sampling: ${samplingFrom}`,
    `retention: hot ${r.hotDays} d, warm to ${r.warmDays} d, cold to ${r.coldDays} d; compression ${report.compressionRatio.toFixed(3)} (${report.compressionRatioSource})`,
    '',
    renderTextTable(
      [
        'model',
        'tier',
        'pred/day',
        'rate',
        'hot GB',
        'warm GB',
        'cold GB',
        'storage',
        'jobs',
        'jobs cost',
        'queries',
        'query cost',
        'total',
      ],
      rows,
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    ),
    ...(report.models.some((m) => m.tierAssumed) ? ['* no monitoring config: costed as T2'] : []),
    '',
    savings,
  ].join('\n')}\n`;
}
