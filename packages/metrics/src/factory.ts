import { ConfigError, loadConfigSection } from '@predlog/core';
import { type MetricsConfig, type MetricsConfigInput, metricsConfigSchema } from './config.ts';
import { ModelMetrics, type ModelMetricsOptions } from './model-metrics.ts';

export interface CreateModelMetricsOptions extends ModelMetricsOptions {
  /** The metrics config (see the README's table); every key has a default. */
  readonly config?: MetricsConfigInput | undefined;
  /**
   * Or: the predlog config file whose `metrics:` section holds it (the same file the logger reads;
   * no section means every default). Errors name the file, line and key. Not with `config`.
   */
  readonly configFile?: string | undefined;
  /** Environment for `${env:NAME}` in `configFile`; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

/**
 * Checks the config (throwing core's `ConfigError` with every problem, each naming its key path),
 * builds the metrics and, when `prometheus.port` is set, starts the standalone scrape server
 * (`metrics.scrapeAddress` says where; `shutdown()` closes it).
 */
export async function createModelMetrics(options: CreateModelMetricsOptions = {}): Promise<ModelMetrics> {
  const config = await resolveMetricsConfig(options);
  const metrics = new ModelMetrics(config, options);
  if (config.prometheus.port !== undefined) {
    try {
      await metrics.listen();
    } catch (error) {
      await metrics.shutdown();
      throw error;
    }
  }
  return metrics;
}

async function resolveMetricsConfig(options: CreateModelMetricsOptions): Promise<MetricsConfig> {
  if (options.configFile !== undefined) {
    if (options.config !== undefined)
      throw new TypeError('createModelMetrics: give config or configFile, not both');
    return (
      (await loadConfigSection(options.configFile, 'metrics', metricsConfigSchema, options.env)) ??
      metricsConfigSchema.parse({})
    );
  }
  const parsed = metricsConfigSchema.safeParse(options.config ?? {});
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => ({
      file: '<metrics config>',
      path: issue.path.map(String).join('.'),
      message: issue.message,
    })),
  );
}
