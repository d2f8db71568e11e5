/** A target of the issue: predlog's figure over a peer's figure from the same run, against a limit. */
export interface TargetResult {
  id: string;
  /** `ratio`: subject over a peer's figure; `absolute`: subject against a fixed limit (peer is the limit). */
  kind: 'ratio' | 'absolute';
  /** e.g. `record() 100% p50 <= 0.4 x OTel emit() p50`. */
  description: string;
  subject: { label: string; value: number };
  peer: { label: string; value: number };
  unit: string;
  comparison: '<=' | '>=';
  limit: number;
  /** subject / peer; for an absolute target with limit 0, the subject itself. */
  ratio: number;
  pass: boolean;
}

export interface TargetDefinition {
  id: string;
  subject: { label: string; value: number };
  peer: { label: string; value: number };
  unit: string;
  comparison: '<=' | '>=';
  limit: number;
}

/** Evaluates a ratio target. A missed target is reported, never thrown: benchmarks do not gate. */
export function ratioTarget(definition: TargetDefinition): TargetResult {
  const ratio =
    definition.peer.value === 0 ? Number.POSITIVE_INFINITY : definition.subject.value / definition.peer.value;
  const pass = definition.comparison === '<=' ? ratio <= definition.limit : ratio >= definition.limit;
  return {
    ...definition,
    kind: 'ratio',
    description: `${definition.subject.label} ${definition.comparison} ${definition.limit} x ${definition.peer.label}`,
    ratio,
    pass,
  };
}

/** A target with an absolute limit (no peer), e.g. zero drops. */
export function absoluteTarget(definition: {
  id: string;
  subject: { label: string; value: number };
  unit: string;
  comparison: '<=' | '>=';
  limit: number;
}): TargetResult {
  const { value } = definition.subject;
  const pass = definition.comparison === '<=' ? value <= definition.limit : value >= definition.limit;
  return {
    ...definition,
    kind: 'absolute',
    description: `${definition.subject.label} ${definition.comparison} ${definition.limit} ${definition.unit}`,
    peer: { label: 'limit', value: definition.limit },
    ratio: definition.limit === 0 ? value : value / definition.limit,
    pass,
  };
}
