import type { PredictionView, Sampler, SamplingDecision } from '@predlog/core';

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * A head sampler as a real deployment would write one: consistent per request id (the same request
 * is kept or dropped in every service), keeps errors and forced records, keeps `rate` of the rest.
 */
export class HashRateSampler implements Sampler {
  private readonly bound: number;
  private readonly kept: SamplingDecision;
  private readonly dropped: SamplingDecision;
  private readonly always: SamplingDecision = { keep: true, weight: 1, reason: 'always' };

  constructor(rate: number) {
    this.bound = Math.floor(rate * 2 ** 32);
    this.kept = { keep: true, weight: 1 / rate, reason: 'head_rate' };
    this.dropped = { keep: false, weight: 0, reason: 'head_rate' };
  }

  decide(view: PredictionView): SamplingDecision {
    if (view.force === true || view.isError === true) return this.always;
    const id = view.requestId;
    if (id === undefined) return this.kept;
    return fnv1a32(id) < this.bound ? this.kept : this.dropped;
  }
}
