import type { Attributes, Meter } from '@opentelemetry/api';
import type { ModelState } from './model-state.ts';
import { KEEP_REASONS } from './sampling-reasons.ts';

/** Counts of failures the sampler absorbed instead of throwing. */
export interface SamplingErrorCounts {
  /** Key features that could not be read (throwing getter, revoked Proxy). */
  featureRead: number;
  /** A record of the OTel path whose attributes or body could not be read. */
  recordRead: number;
  /** A bug inside decide(); the record was kept with reason `sampler_error`. */
  internal: number;
  /** Records whose model deployment time could not be read (the new-version rule skipped them). */
  deployedAt: number;
}

/**
 * The sampler's metrics. The hot path only increments plain counters on the model state; these
 * observable instruments read them when the application's MeterProvider collects.
 */
export function registerSamplingMetrics(
  meter: Meter,
  componentId: string,
  models: () => Iterable<ModelState>,
  errors: SamplingErrorCounts,
): void {
  const base: Attributes = { 'predlog.component.id': componentId };
  const forModel = (state: ModelState, extra?: Attributes): Attributes => ({
    ...base,
    'ml.model.name': state.name,
    ...extra,
  });
  meter
    .createObservableCounter('predlog.sampling.decisions', {
      description: 'Sampling decisions by model, decision (kept/dropped) and reason',
      unit: '{record}',
    })
    .addCallback((result) => {
      for (const state of models()) {
        KEEP_REASONS.forEach((reason, i) => {
          const n = state.kept[i] as number;
          if (n > 0) result.observe(n, forModel(state, { decision: 'kept', reason }));
        });
        if (state.sampledOut > 0)
          result.observe(state.sampledOut, forModel(state, { decision: 'dropped', reason: 'sampled_out' }));
        let limited = 0;
        for (let i = 0; i < state.rateLimited.length; i++) limited += state.rateLimited[i] as number;
        if (limited > 0)
          result.observe(limited, forModel(state, { decision: 'dropped', reason: 'rate_limited' }));
      }
    });
  meter
    .createObservableCounter('predlog.sampling.rate_limited', {
      description: 'Records shed by the per-model rate limit, by the rule that would have kept them',
      unit: '{record}',
    })
    .addCallback((result) => {
      for (const state of models()) {
        KEEP_REASONS.forEach((reason, i) => {
          const n = state.rateLimited[i] as number;
          if (n > 0) result.observe(n, forModel(state, { reason }));
        });
      }
    });
  meter
    .createObservableGauge('predlog.sampling.rate', {
      description: 'Base sampling rate of each model now (its volume tier, or the fixed rate)',
      unit: '1',
    })
    .addCallback((result) => {
      for (const state of models()) result.observe(state.rate, forModel(state));
    });
  meter
    .createObservableGauge('predlog.sampling.volume', {
      description: 'Sliding-window estimate of each model’s predictions per day',
      unit: '{prediction}/d',
    })
    .addCallback((result) => {
      for (const state of models()) result.observe(Math.round(state.volume.perDay), forModel(state));
    });
  meter
    .createObservableCounter('predlog.sampling.tier_changes', {
      description: 'Volume tier changes per model',
      unit: '{change}',
    })
    .addCallback((result) => {
      for (const state of models())
        if (state.tierChanges > 0) result.observe(state.tierChanges, forModel(state));
    });
  meter
    .createObservableCounter('predlog.sampling.errors', {
      description: 'Failures absorbed by the sampler (it never throws), by kind',
      unit: '{error}',
    })
    .addCallback((result) => {
      if (errors.featureRead > 0) result.observe(errors.featureRead, { ...base, kind: 'feature_read' });
      if (errors.recordRead > 0) result.observe(errors.recordRead, { ...base, kind: 'record_read' });
      if (errors.internal > 0) result.observe(errors.internal, { ...base, kind: 'internal' });
      if (errors.deployedAt > 0) result.observe(errors.deployedAt, { ...base, kind: 'deployed_at' });
    });
}
