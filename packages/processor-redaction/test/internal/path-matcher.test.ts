import { describe, expect, it } from 'vitest';
import { compilePathMatcher, type MatchState, PathMatcherTooLarge } from '../../src/internal/path-matcher.ts';
import { type ParsedPath, parsePath } from '../../src/internal/path-syntax.ts';

function path(text: string): ParsedPath {
  const parsed = parsePath(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.path;
}

function walk(state: MatchState, ...keys: string[]): MatchState {
  return keys.reduce((s, key) => s.next(key), state);
}

describe('compilePathMatcher', () => {
  it('decides each node by the first listed rule that matches it', () => {
    const m = compilePathMatcher({
      rules: [
        path('raw_input.user'),
        path('raw_input.email'),
        path('raw_input.**.email'),
        path('attributes["ml.entity.id"]'),
      ],
      allow: undefined,
    });
    expect(walk(m.body, 'raw_input', 'user').rule).toBe(0);
    expect(walk(m.body, 'raw_input', 'email').rule).toBe(1);
    expect(walk(m.body, 'raw_input', 'a', 'b', 'email').rule).toBe(2);
    expect(walk(m.body, 'raw_input', 'a', 'b').rule).toBe(-1);
    // A node inside a decided node stays decided by it.
    expect(walk(m.body, 'raw_input', 'user', 'email').rule).toBe(0);
    expect(walk(m.body, 'prediction').idle).toBe(true);
    expect(walk(m.attributes, 'ml.entity.id').rule).toBe(3);
    expect(walk(m.attributes, 'ml.model.name').idle).toBe(true);
    expect(m.body.idle).toBe(false);
  });

  it('marks a part no path reaches as idle, so the walker can skip it', () => {
    const m = compilePathMatcher({ rules: [path('raw_input.email')], allow: undefined });
    expect(m.attributes.idle).toBe(true);
    expect(walk(m.body, 'input_features').idle).toBe(true);
  });

  it('in allow-list mode, allows listed nodes and their insides, keeps prefixes open, denies the rest', () => {
    const m = compilePathMatcher({
      rules: [path('raw_input.user')],
      allow: [path('raw_input.user.name'), path('input_features'), path('attributes["ml.model.name"]')],
    });
    expect(m.body.allowed).toBe(false);
    expect(m.body.denied).toBe(false);
    expect(walk(m.body, 'input_features', 'x', 'y').allowed).toBe(true);
    expect(walk(m.body, 'prediction').denied).toBe(true);
    const user = walk(m.body, 'raw_input', 'user');
    expect(user.allowed).toBe(false);
    expect(user.rule).toBe(0);
    expect(walk(user, 'name').allowed).toBe(true);
    expect(walk(user, 'name').rule).toBe(0);
    expect(walk(user, 'email').denied).toBe(true);
    expect(walk(m.attributes, 'ml.model.name').allowed).toBe(true);
    expect(walk(m.attributes, 'ml.entity.id').denied).toBe(true);
  });

  it('denies everything with an empty allow list', () => {
    const m = compilePathMatcher({ rules: [], allow: [] });
    expect(m.body.denied).toBe(true);
    expect(m.attributes.denied).toBe(true);
  });

  it('builds its states once and bounds their number', () => {
    const m = compilePathMatcher({ rules: [path('a.**.b'), path('**.c.**.d')], allow: undefined });
    expect(m.stateCount).toBeLessThan(20);
    const many = Array.from({ length: 12 }, (_, i) => path(`**.k${i}.**.x${i}`));
    expect(() => compilePathMatcher({ rules: many, allow: undefined, maxStates: 50 })).toThrow(
      PathMatcherTooLarge,
    );
  });
});
