import path from 'node:path';
import {
  ConfigError,
  type ConfigIssue,
  loadConfigFile,
  loadConfigSection,
  type PredlogConfig,
} from '@predlog/core';
import { type MetricsConfig, metricsConfigSchema } from '@predlog/metrics';
import { type RegisterConfig, registerConfigSchema } from '@predlog/register/api';
import { createBuiltinRegistry } from '../builtin-components.ts';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK } from '../command.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';

export const validateCommand: Command = {
  name: 'validate',
  usage: `Usage: predlog validate <config>

Loads a YAML or JSON config the way the logger does at start-up (\${env:NAME} substitution,
every component checked by its own schema; the metrics: section as @predlog/metrics reads it,
the instrumentation: section as @predlog/register reads it)
and prints each pipeline as processors -> exporters, or every problem found as
file:line:col: key.path: message.

Exit codes: 0 valid, 1 invalid, 2 usage error.

Example:
  predlog validate ./predlog.yaml`,

  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals } = parseCommandLine({ args, options: {}, allowPositionals: true });
    const [file = ''] = expectPositionals(positionals, ['<config>']);
    const absolute = path.resolve(io.cwd, file);
    const issues: ConfigIssue[] = [];
    let config: PredlogConfig | undefined;
    let metrics: MetricsConfig | undefined;
    let instrumentation: RegisterConfig | undefined;
    try {
      config = await loadConfigFile(absolute, createBuiltinRegistry(), io.env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
    }
    // A file that cannot be read or parsed was reported once above; otherwise the sections other
    // packages own are checked too, so one run shows every problem.
    if (!issues.some((issue) => issue.path === '')) {
      try {
        metrics = await loadConfigSection(absolute, 'metrics', metricsConfigSchema, io.env);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        issues.push(...error.issues);
      }
      try {
        instrumentation = await loadConfigSection(absolute, 'instrumentation', registerConfigSchema, io.env);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        issues.push(...error.issues);
      }
    }
    if (config === undefined || issues.length > 0) {
      // The loader names the file as it was given to it: show the user's own spelling of the path.
      const lines = new ConfigError(issues).message.split(absolute).join(file);
      const count = issues.length;
      io.stderr.write(`${lines}\n${file}: invalid (${count} ${count === 1 ? 'problem' : 'problems'})\n`);
      return EXIT_FAILED;
    }
    io.stdout.write(summarise(file, config, metrics, instrumentation));
    return EXIT_OK;
  },
};

function summarise(
  file: string,
  config: PredlogConfig,
  metrics: MetricsConfig | undefined,
  instrumentation: RegisterConfig | undefined,
): string {
  const lines = [`${file}: valid`];
  for (const [name, pipeline] of config.pipelines) {
    const processors = pipeline.processors.length === 0 ? ['(no processors)'] : pipeline.processors;
    const stages = [...processors, pipeline.exporters.join(', ')].join(' -> ');
    lines.push(`  pipeline ${name}: ${stages}  [events: ${pipeline.events.join(', ')}]`);
  }
  for (const [id, processor] of config.processors)
    lines.push(`  processor ${id}: type ${processor.factory.type}`);
  for (const [id, exporter] of config.exporters)
    lines.push(`  exporter ${id}: type ${exporter.factory.type}`);
  if (metrics !== undefined) {
    const features = Object.keys(metrics.features);
    const where =
      metrics.prometheus.port === undefined
        ? `${metrics.prometheus.endpoint} (mounted by the application)`
        : `http://${metrics.prometheus.host}:${metrics.prometheus.port}${metrics.prometheus.endpoint}`;
    lines.push(
      `  metrics: ${features.length} key feature${features.length === 1 ? '' : 's'}${features.length > 0 ? ` (${features.join(', ')})` : ''}, scrape ${where}`,
    );
  }
  if (instrumentation?.http !== undefined)
    lines.push(
      `  instrumentation (node --import @predlog/register): http routes ${Object.keys(instrumentation.http.routes).join(', ')}`,
    );
  if (config.unused.length > 0)
    lines.push(`warning: defined but used by no pipeline: ${config.unused.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
