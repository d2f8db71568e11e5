import type { RetentionPolicyConfig } from '../config.ts';
import type { GroupView } from './group-view.ts';
import { compileCondition, type EvaluatorContext, evaluationRank } from './policy-evaluators.ts';

/** The verdict on a group. One object per outcome, shared by every group with that outcome. */
export interface RetentionDecision {
  readonly keep: boolean;
  /** Slot of the outcome in the counters: 0 drop, 1..n the policies in config order, n+1 evaluation error. */
  readonly slot: number;
  /** Written to `ml.retention.policy`; undefined for a drop. */
  readonly policy: string | undefined;
  /** Written to `ml.retention.class`; undefined for a drop. */
  readonly retentionClass: string | undefined;
}

/** What a group gets when a policy throws (a bug): kept, for the longest class, never silently lost. */
export const EVALUATION_ERROR_POLICY = 'evaluation_error';

interface CompiledPolicy {
  readonly decision: RetentionDecision;
  readonly days: number;
  readonly rank: number;
  readonly order: number;
  readonly matches: (view: GroupView) => boolean;
}

/**
 * The configured policies, compiled and sorted into evaluation order. `decide()` keeps the longest
 * class any matching policy grants: a policy whose class is not longer than the one already granted
 * is skipped, unevaluated (so a rate limit spends no token on a group kept anyway), and evaluation
 * stops once the longest configured class is granted. The deciding policy is the first, in
 * evaluation order, that grants the winning class.
 */
export class RetentionPolicies {
  readonly drop: RetentionDecision = { keep: false, slot: 0, policy: undefined, retentionClass: undefined };
  readonly evaluationError: RetentionDecision;
  /** Every outcome, by slot. */
  readonly outcomes: readonly RetentionDecision[];
  private readonly ordered: readonly CompiledPolicy[];
  private readonly longestDays: number;

  constructor(
    policies: readonly RetentionPolicyConfig[],
    daysByClass: Readonly<Record<string, number>>,
    ctx: EvaluatorContext,
  ) {
    const compiled = policies.map(
      (policy, i): CompiledPolicy => ({
        decision: { keep: true, slot: i + 1, policy: policy.name, retentionClass: policy.class },
        days: daysByClass[policy.class] ?? 0,
        rank: evaluationRank(policy),
        order: i,
        matches: compileCondition(policy, ctx),
      }),
    );
    let longestClass = '';
    let longestDays = 0;
    for (const [name, days] of Object.entries(daysByClass)) {
      if (days > longestDays) {
        longestDays = days;
        longestClass = name;
      }
    }
    this.longestDays = longestDays;
    this.evaluationError = {
      keep: true,
      slot: policies.length + 1,
      policy: EVALUATION_ERROR_POLICY,
      retentionClass: longestClass,
    };
    this.outcomes = [this.drop, ...compiled.map((p) => p.decision), this.evaluationError];
    this.ordered = [...compiled].sort((a, b) => a.rank - b.rank || a.order - b.order);
  }

  /** The policy names in evaluation order. */
  get evaluationOrder(): string[] {
    return this.ordered.map((p) => p.decision.policy as string);
  }

  decide(view: GroupView): RetentionDecision {
    let best: CompiledPolicy | undefined;
    for (const policy of this.ordered) {
      if (best !== undefined && policy.days <= best.days) continue;
      if (policy.matches(view)) {
        best = policy;
        if (policy.days >= this.longestDays) break;
      }
    }
    return best === undefined ? this.drop : best.decision;
  }
}
