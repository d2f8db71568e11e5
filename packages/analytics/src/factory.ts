import { Analytics } from './analytics.ts';
import { type AnalyticsConfigInput, analyticsConfigSchema } from './config.ts';

/** Parses the configuration (every default filled in, unknown keys rejected) and binds the analyses to it. */
export function createAnalytics(config: AnalyticsConfigInput = {}): Analytics {
  return new Analytics(analyticsConfigSchema.parse(config));
}
