import { ConfigError } from '@predlog/core';
import { type MetricsConfigInput, metricsConfigSchema } from './config.ts';
import { ModelMetrics, type ModelMetricsOptions } from './model-metrics.ts';

export interface CreateModelMetricsOptions extends ModelMetricsOptions {
  /** The metrics config (see the README's table); every key has a default. */
  readonly config?: MetricsConfigInput | undefined;
}

/**
 * Checks the config (throwing core's `ConfigError` with every problem, each naming its key path),
 * builds the metrics and, when `prometheus.port` is set, starts the standalone scrape server
 * (`metrics.scrapeAddress` says where; `shutdown()` closes it).
 */
export async function createModelMetrics(options: CreateModelMetricsOptions = {}): Promise<ModelMetrics> {
  const parsed = metricsConfigSchema.safeParse(options.config ?? {});
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        file: '<metrics config>',
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
  }
  const metrics = new ModelMetrics(parsed.data, options);
  if (parsed.data.prometheus.port !== undefined) {
    try {
      await metrics.listen();
    } catch (error) {
      await metrics.shutdown();
      throw error;
    }
  }
  return metrics;
}
