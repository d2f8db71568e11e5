import { afterEach, describe, expect, it } from 'vitest';
import {
  createModelMetrics,
  type MetricsConfigInput,
  type ModelMetrics,
  metricsConfigSchema,
} from '../src/index.ts';
import { scoreEntropy } from '../src/internal/feature-anomaly-check.ts';
import { bucketsOf, parseExposition, sampleValue, select } from './support/exposition.ts';

const opened: ModelMetrics[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((m) => m.shutdown()));
});

async function metricsWith(config: MetricsConfigInput): Promise<ModelMetrics> {
  const metrics = await createModelMetrics({ config, model: { name: 'fraud', version: '2' } });
  opened.push(metrics);
  return metrics;
}

const model = { model_name: 'fraud', model_version: '2' };

describe('proxy-signal metrics', () => {
  it('defaults: ten entropy buckets, no feature ranges; a bad range names its key', () => {
    const config = metricsConfigSchema.parse({});
    expect(config.entropyBuckets).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(config.featureRanges).toEqual({});
    const bad = metricsConfigSchema.safeParse({ featureRanges: { log_amount: { min: 5, max: 1 } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['featureRanges', 'log_amount', 'max']);
  });

  it('scoreEntropy is the binary entropy in bits', () => {
    expect(scoreEntropy(0.5)).toBe(1);
    expect(scoreEntropy(0)).toBe(0);
    // −(0.9 log₂ 0.9 + 0.1 log₂ 0.1) = 0.46900
    expect(scoreEntropy(0.9)).toBeCloseTo(0.469, 4);
    expect(scoreEntropy(1.5)).toBeNaN();
  });

  it('prediction_entropy observes every scored prediction', async () => {
    const metrics = await metricsWith({});
    for (const score of [0.5, 0.9, 0.1, 0.999]) metrics.observePrediction({ score });
    const text = parseExposition(await metrics.scrape());
    expect(sampleValue(text, 'prediction_entropy_count', model)).toBe(4);
    // 1 + 0.469 + 0.469 + 0.0114
    expect(sampleValue(text, 'prediction_entropy_sum', model)).toBeCloseTo(1.9494, 3);
    const buckets = bucketsOf(text, 'prediction_entropy', model);
    expect(buckets.find(([le]) => le === '0.1')?.[1]).toBe(1);
    expect(buckets.find(([le]) => le === '0.5')?.[1]).toBe(3);
    // No ranges configured: no anomaly series at all.
    expect(select(text, 'model_feature_anomalies_total')).toHaveLength(0);
  });

  it('model_feature_anomalies_total counts predictions with a feature out of range, once each', async () => {
    const metrics = await metricsWith({
      featureRanges: {
        amount_vs_avg_30d: { min: 0.3, max: 2.8 },
        txn_count_24h: { max: 15 },
        is_foreign: { min: 0, max: 1 },
      },
    });
    metrics.observePrediction({ features: { amount_vs_avg_30d: 1, txn_count_24h: 3, is_foreign: true } });
    metrics.observePrediction({ features: { amount_vs_avg_30d: 120, txn_count_24h: 40 } });
    metrics.observePrediction({ features: { amount_vs_avg_30d: 0.1 } });
    metrics.observePrediction({ features: { amount_vs_avg_30d: 'n/a', other: 1e9 } });
    metrics.observePrediction({ modelName: 'other', features: { txn_count_24h: 16 } });
    metrics.observePrediction({ score: 0.2 });
    const text = parseExposition(await metrics.scrape());
    expect(sampleValue(text, 'model_feature_anomalies_total', model)).toBe(2);
    expect(sampleValue(text, 'model_feature_anomaly_checks_total', model)).toBe(4);
    expect(sampleValue(text, 'model_feature_anomalies_total', { model_name: 'other' })).toBe(1);
  });

  it('keeps the series bounded: past the cap, other models share the other series', async () => {
    const metrics = await metricsWith({ maxSeriesPerInstrument: 2, featureRanges: { x: { max: 1 } } });
    for (let i = 0; i < 50; i++)
      metrics.observePrediction({ modelName: `m${i}`, score: 0.5, features: { x: 2 } });
    const text = parseExposition(await metrics.scrape());
    expect(select(text, 'model_feature_anomalies_total')).toHaveLength(3);
    expect(sampleValue(text, 'model_feature_anomalies_total', { model_name: 'other' })).toBe(48);
    expect(select(text, 'prediction_entropy_count')).toHaveLength(3);
  });
});
