import { consistentHash } from '@predlog/core';
import { ATTR } from '@predlog/schema';
import { type LeafPolicyType, POLICY_EVALUATION_ORDER, type PolicyCondition } from '../config.ts';
import type { Attributes, GroupView } from './group-view.ts';
import { TokenBucket } from './token-bucket.ts';

/** Decides whether a group matches a condition. Must not throw on any record content. */
export type Evaluator = (view: GroupView) => boolean;

/** OTel severity ERROR is 17–20, FATAL 21–24. */
const SEVERITY_ERROR = 17;

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A scalar attribute as text, for label and string comparisons. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function isErrorRecord(view: GroupView): boolean {
  for (const record of view.records) {
    const attributes = record.attributes as Attributes;
    if (attributes[ATTR.predictionStatus] === 'error') return true;
    if (attributes[ATTR.errorType] !== undefined) return true;
    if ((record.severityNumber ?? 0) >= SEVERITY_ERROR) return true;
  }
  return false;
}

/**
 * The serving prediction a feedback or shadow record answers: the one with the same request id
 * (a trace-id group may hold several requests), else the group's primary.
 */
function counterpart(view: GroupView, attributes: Attributes): Attributes | undefined {
  const id = attributes[ATTR.requestId];
  if (id !== undefined && view.predictions.length > 1) {
    for (const candidate of view.predictions) if (candidate[ATTR.requestId] === id) return candidate;
  }
  return view.predictions[0];
}

function anyPrediction(view: GroupView, test: (attributes: Attributes) => boolean): boolean {
  for (const attributes of view.predictions) if (test(attributes)) return true;
  return false;
}

function anyRecordAttribute(view: GroupView, key: string, test: (value: unknown) => boolean): boolean {
  for (const record of view.records) {
    const value = (record.attributes as Attributes)[key];
    if (value !== undefined && test(value)) return true;
  }
  return false;
}

export interface EvaluatorContext {
  /** Monotonic milliseconds (services.clock), for rate limits. */
  readonly monotonicMs: () => number;
}

/** Compiles a condition into a closure; everything that can be decided up front is decided here. */
export function compileCondition(condition: PolicyCondition, ctx: EvaluatorContext): Evaluator {
  switch (condition.type) {
    case 'always':
      return () => true;
    case 'error':
      return isErrorRecord;
    case 'latency': {
      const bound = condition.thresholdMs;
      const slow = (a: Attributes) => (num(a[ATTR.inferenceDurationMs]) ?? 0) > bound;
      return (view) => anyPrediction(view, slow);
    }
    case 'numeric_attribute': {
      const min = condition.min ?? Number.NEGATIVE_INFINITY;
      const max = condition.max ?? Number.POSITIVE_INFINITY;
      const inRange = (value: unknown) => typeof value === 'number' && value >= min && value <= max;
      return (view) => anyRecordAttribute(view, condition.key, inRange);
    }
    case 'string_attribute': {
      const exact = new Set(condition.values);
      const patterns = condition.patterns.map((p) => new RegExp(p, 'u'));
      const matches = (value: unknown) => {
        const s = text(value);
        if (s === undefined) return false;
        if (exact.has(s)) return true;
        for (const pattern of patterns) if (pattern.test(s)) return true;
        return false;
      };
      return (view) => anyRecordAttribute(view, condition.key, matches);
    }
    case 'score_band': {
      const min = condition.min ?? Number.NEGATIVE_INFINITY;
      const max = condition.max ?? Number.POSITIVE_INFINITY;
      return (view) => {
        const score = view.primary === undefined ? undefined : num(view.primary[ATTR.predictionScore]);
        return score !== undefined && score >= min && score <= max;
      };
    }
    case 'low_confidence': {
      const { delta, defaultThreshold } = condition;
      return (view) => {
        const primary = view.primary;
        if (primary === undefined) return false;
        const score = num(primary[ATTR.predictionScore]);
        if (score === undefined) return false;
        const threshold = num(primary[ATTR.predictionThreshold]) ?? defaultThreshold;
        return Math.abs(score - threshold) < delta;
      };
    }
    case 'feedback': {
      const { onDisagreement, onComplaint } = condition;
      return (view) => {
        for (const feedback of view.feedback) {
          if (onComplaint && feedback[ATTR.feedbackComplaint] === true) return true;
          if (!onDisagreement) continue;
          const truth = text(feedback[ATTR.feedbackLabel]);
          if (truth === undefined) continue;
          const prediction = counterpart(view, feedback);
          const predicted = prediction === undefined ? undefined : text(prediction[ATTR.predictionLabel]);
          if (predicted !== undefined && truth !== predicted) return true;
        }
        return false;
      };
    }
    case 'shadow_disagreement': {
      const scoreDelta = condition.scoreDelta;
      return (view) => {
        if (view.shadows.length === 0 || view.predictions.length === 0) return false;
        for (const shadow of view.shadows) {
          const serving = counterpart(view, shadow) as Attributes;
          const label = text(serving[ATTR.predictionLabel]);
          const score = num(serving[ATTR.predictionScore]);
          const shadowLabel = text(shadow[ATTR.predictionLabel]);
          if (label !== undefined && shadowLabel !== undefined && shadowLabel !== label) return true;
          if (scoreDelta !== undefined && score !== undefined) {
            const shadowScore = num(shadow[ATTR.predictionScore]);
            if (shadowScore !== undefined && Math.abs(shadowScore - score) > scoreDelta) return true;
          }
        }
        return false;
      };
    }
    case 'probabilistic': {
      const { rate, seed } = condition;
      if (rate >= 1) return () => true;
      if (rate <= 0) return () => false;
      // The sampling processor keeps a request when consistentHash(requestId, seed) < rate: the same
      // test here keeps the same requests, so a head sample and a tail baseline line up.
      return (view) => consistentHash(view.hashKey, seed) < rate;
    }
    case 'rate_limiting': {
      const bucket = new TokenBucket(condition.groupsPerSecond, condition.burstGroups, ctx.monotonicMs);
      return () => bucket.take();
    }
    case 'and': {
      const children = condition.policies.map((child) => compileCondition(child, ctx));
      return (view) => {
        for (const child of children) if (!child(view)) return false;
        return true;
      };
    }
    case 'or': {
      const children = condition.policies.map((child) => compileCondition(child, ctx));
      return (view) => {
        for (const child of children) if (child(view)) return true;
        return false;
      };
    }
    case 'not': {
      const child = compileCondition(condition.policy, ctx);
      return (view) => !child(view);
    }
  }
}

/** Where a policy stands in the evaluation order: its type's place, or a combinator's latest leaf. */
export function evaluationRank(condition: PolicyCondition): number {
  switch (condition.type) {
    case 'and':
    case 'or':
      return Math.max(...condition.policies.map(evaluationRank));
    case 'not':
      return evaluationRank(condition.policy);
    default:
      return POLICY_EVALUATION_ORDER.indexOf(condition.type satisfies LeafPolicyType);
  }
}
