import { describe, expect, it } from 'vitest';
import { createRedactionHasher } from '../../src/index.ts';
import { maskText, replaceText, truncateText } from '../../src/internal/text-actions.ts';
import { TEST_KEY } from '../support/redactor.ts';

describe('text actions', () => {
  it('masks all but the last characters, never more than half, never half a surrogate pair', () => {
    expect(maskText('4111111111111111', 4, '*')).toBe('************1111');
    expect(maskText('12345', 4, '#')).toBe('###45');
    expect(maskText('a', 4, '*')).toBe('*');
    expect(maskText('', 4, '*')).toBe('');
    expect(maskText('ab😀', 1, '*')).toBe('****');
    expect(maskText('abcd😀', 2, '*')).toBe('****😀');
  });

  it('truncates with an ellipsis at a safe cut: never into a token, never half a surrogate pair', () => {
    expect(truncateText('abc def', 5)).toBe('abc …');
    expect(truncateText('abc', 3)).toBe('abc');
    expect(truncateText('x 😀😀', 3)).toBe('x …');
    expect(truncateText('abc', 0)).toBe('…');
    // A card straddling the cut loses every digit group, not just the ones past the cut.
    expect(truncateText('card 4111 1111 1111 1111 ok', 12)).toBe('card …');
  });

  it('replaces, drops and hashes a match (hashing its normalised form)', () => {
    const hasher = createRedactionHasher({ keys: { k: TEST_KEY }, activeKey: 'k' });
    expect(replaceText({ kind: 'replace', with: 'X' }, 'secret', 'secret', hasher)).toBe('X');
    expect(replaceText({ kind: 'drop' }, 'secret', 'secret', hasher)).toBe('');
    expect(replaceText({ kind: 'hash' }, 'A B', 'ab', hasher)).toBe(hasher.hash('ab'));
  });
});
