import type { ParsedPath, PathSegment } from './path-syntax.ts';

/** A state of the compiled matcher: what applies at one node of a record, and where each key leads. */
export interface MatchState {
  /** Index of the path rule that decides this node and everything inside it, or -1. */
  readonly rule: number;
  /** Allow-list mode: the node is allowed (listed itself, or inside a listed node). Always true otherwise. */
  readonly allowed: boolean;
  /** Allow-list mode: neither allowed nor on the way to an allowed node; the node is dropped. */
  readonly denied: boolean;
  /** No rule can match this node or anything inside it, and nothing is denied below. */
  readonly idle: boolean;
  /** The state of a child under `key` (a map key; lists add no level). */
  next(key: string): MatchState;
}

/** Thrown by `compilePathMatcher` when rules combine into more states than `maxStates`. */
export class PathMatcherTooLarge extends Error {
  constructor(maxStates: number) {
    super(
      `the path rules and allow list compile to more than ${maxStates} matcher states; use fewer ** wildcards`,
    );
    this.name = 'PathMatcherTooLarge';
  }
}

interface Pattern {
  readonly segments: readonly PathSegment[];
  /** Rule index for rule patterns, -1 for allow-list patterns. */
  readonly rule: number;
}

class State implements MatchState {
  rule = -1;
  allowed = false;
  denied = false;
  idle = false;
  literal: Map<string, State> | undefined = undefined;
  other: State = this;

  next(key: string): MatchState {
    const literal = this.literal;
    if (literal === undefined) return this.other;
    return literal.get(key) ?? this.other;
  }
}

export interface CompiledPathMatcher {
  readonly attributes: MatchState;
  readonly body: MatchState;
  /** How many states were built (for tests of the size bound). */
  readonly stateCount: number;
}

/**
 * Compiles rule and allow-list paths into a deterministic automaton over map keys, once, at
 * create(): walking a record then costs one Map lookup per key, with no path strings built and no
 * pattern tried per value. A state is the set of (pattern, position) pairs still alive, plus whether
 * an ancestor was allowed and which rule an ancestor matched (allow-list mode only).
 */
export function compilePathMatcher(options: {
  rules: readonly ParsedPath[];
  allow: readonly ParsedPath[] | undefined;
  maxStates?: number;
}): CompiledPathMatcher {
  const maxStates = options.maxStates ?? 10_000;
  const allowMode = options.allow !== undefined;
  const patterns: Pattern[] = [];
  const starts = { attributes: [] as number[], body: [] as number[] };
  options.rules.forEach((path, rule) => {
    starts[path.root].push(patterns.length);
    patterns.push({ segments: path.segments, rule });
  });
  for (const path of options.allow ?? []) {
    starts[path.root].push(patterns.length);
    patterns.push({ segments: path.segments, rule: -1 });
  }

  // Items are encoded as pattern * 1024 + position; a path longer than that is refused by config.
  const encode = (pattern: number, position: number) => pattern * 1024 + position;
  const closure = (items: number[]): number[] => {
    const out = new Set<number>();
    const stack = [...items];
    while (stack.length > 0) {
      const item = stack.pop() as number;
      if (out.has(item)) continue;
      out.add(item);
      const pattern = patterns[Math.floor(item / 1024)] as Pattern;
      const position = item % 1024;
      // `**` also matches zero levels: the position after it is reached without a key.
      if (pattern.segments[position]?.kind === 'anyDepth') stack.push(item + 1);
    }
    return [...out].sort((a, b) => a - b);
  };

  const states = new Map<string, State>();
  const pending: Array<{ state: State; items: number[] }> = [];

  const stateFor = (itemsIn: number[], inheritedAllowed: boolean, inheritedRule: number): State => {
    const items = closure(itemsIn);
    let rule = inheritedRule;
    let allowed = inheritedAllowed || !allowMode;
    let allowAlive = false;
    let ruleAlive = false;
    for (const item of items) {
      const pattern = patterns[Math.floor(item / 1024)] as Pattern;
      const complete = item % 1024 === pattern.segments.length;
      if (pattern.rule >= 0) {
        if (complete) {
          if (inheritedRule < 0 && (rule < 0 || pattern.rule < rule)) rule = pattern.rule;
        } else ruleAlive = true;
      } else if (complete) allowed = true;
      else allowAlive = true;
    }
    const key = `${items.join(',')}|${allowed ? 1 : 0}|${rule}`;
    const existing = states.get(key);
    if (existing !== undefined) return existing;
    if (states.size >= maxStates) throw new PathMatcherTooLarge(maxStates);
    const state = new State();
    state.rule = rule;
    state.allowed = allowed;
    state.denied = !allowed && !allowAlive;
    state.idle = allowed && rule < 0 && !ruleAlive;
    states.set(key, state);
    // A decided node (rule applies to all of it) or an idle or denied one needs no transitions.
    if (!(allowed && rule >= 0) && !state.idle && !state.denied) pending.push({ state, items });
    return state;
  };

  const advance = (items: readonly number[], key: string | undefined, keepAllow: boolean): number[] => {
    const out: number[] = [];
    for (const item of items) {
      const pattern = patterns[Math.floor(item / 1024)] as Pattern;
      if (!keepAllow && pattern.rule < 0) continue;
      const segment = pattern.segments[item % 1024];
      if (segment === undefined) continue;
      if (segment.kind === 'anyDepth') out.push(item);
      else if (segment.kind === 'any') out.push(item + 1);
      else if (key !== undefined && segment.key === key) out.push(item + 1);
    }
    return out;
  };

  const attributes = stateFor(
    starts.attributes.map((p) => encode(p, 0)),
    false,
    -1,
  );
  const body = stateFor(
    starts.body.map((p) => encode(p, 0)),
    false,
    -1,
  );
  while (pending.length > 0) {
    const { state, items } = pending.pop() as { state: State; items: number[] };
    // Inside an allowed node the allow list no longer matters; outside it, a rule matched here is
    // inherited so it still applies to the allowed nodes below.
    const keepAllow = !state.allowed;
    const inheritedRule = state.allowed ? -1 : state.rule;
    const keys = new Set<string>();
    for (const item of items) {
      const pattern = patterns[Math.floor(item / 1024)] as Pattern;
      if (!keepAllow && pattern.rule < 0) continue;
      const segment = pattern.segments[item % 1024];
      if (segment?.kind === 'key') keys.add(segment.key);
    }
    state.other = stateFor(advance(items, undefined, keepAllow), state.allowed, inheritedRule);
    if (keys.size > 0) {
      const literal = new Map<string, State>();
      for (const key of keys)
        literal.set(key, stateFor(advance(items, key, keepAllow), state.allowed, inheritedRule));
      state.literal = literal;
    }
  }
  return { attributes, body, stateCount: states.size };
}
