import { describe, expect, it } from 'vitest';
import { flatCopy, MAX_TOKEN_BACKOFF, safeCut, safeCutLength } from '../src/safe-text-cut.ts';

/** Every cut position across `value` placed after `prefix`: no kept prefix may hold a piece of it. */
function keptPiecesAcross(prefix: string, value: string, suffix: string, minPiece: number): string[] {
  const text = prefix + value + suffix;
  const leaks: string[] = [];
  for (let cut = prefix.length + 1; cut < prefix.length + value.length; cut++) {
    const kept = safeCut(text, cut);
    expect(kept.length).toBeLessThanOrEqual(cut);
    const tail = kept.slice(prefix.length - 1);
    const compact = value.replace(/[\s-]/g, '');
    const keptCompact = kept.slice(Math.max(0, prefix.length - 8)).replace(/[\s-]/g, '');
    for (let n = minPiece; n <= compact.length; n++) {
      if (keptCompact.includes(compact.slice(0, n))) leaks.push(`${cut}: ${tail}`);
    }
  }
  return leaks;
}

describe('safeCutLength', () => {
  it('keeps a text that fits whole', () => {
    expect(safeCutLength('short', 10)).toBe(5);
    expect(safeCut('short', 5)).toBe('short');
  });

  it('cuts plain prose at the word before the limit', () => {
    expect(safeCut('hello wonderful world', 12)).toBe('hello ');
  });

  it.each([
    ['card, spaced', '4111 1111 1111 1111'],
    ['card, compact', '4111111111111111'],
    ['card, dashed', '5500-0000-0000-0004'],
    ['e-mail', 'jane.doe+work@example.co.uk'],
    ['e-mail, percent-encoded', 'jane.doe%40example.org'],
    ['IBAN, grouped', 'DE89 3704 0044 0532 0130 00'],
    ['IBAN, grouped with letters', 'GB82 WEST 1234 5698 7654 32'],
    ['phone, NANP', '+1 (415) 555-2671'],
    ['phone, European', '+49 30 1234 5678'],
    ['SSN', '123-45-6789'],
    ['fullwidth card', '４１１１ １１１１ １１１１ １１１１'],
  ])('leaves no piece of a %s straddling any cut', (_kind, value) => {
    for (const [prefix, suffix] of [
      ['note: pay with ', ' today'],
      ['{"card":"', '","x":1}'],
      ['x=', '&y=2'],
    ] as const) {
      expect(keptPiecesAcross(prefix, value, suffix, 3)).toEqual([]);
    }
  });

  it('never keeps half of a surrogate pair', () => {
    const text = `ab ${'😀'.repeat(10)}`;
    for (let cut = 1; cut < text.length; cut++) {
      const kept = safeCut(text, cut);
      const last = kept.charCodeAt(kept.length - 1);
      expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
    }
  });

  it('bounds the back-off: a huge token loses at most its last MAX_TOKEN_BACKOFF chars', () => {
    const text = 'x'.repeat(100_000);
    expect(safeCutLength(text, 50_000)).toBe(50_000 - MAX_TOKEN_BACKOFF);
  });

  it('is constant-time per cut on adversarial input (work bounded by the window)', () => {
    const text = '1 '.repeat(500_000);
    // Groups of one digit for a megabyte: the back-off stops within its window.
    expect(safeCutLength(text, 800_000)).toBeGreaterThanOrEqual(800_000 - MAX_TOKEN_BACKOFF - 64);
  });
});

describe('flatCopy', () => {
  it('returns an equal string', () => {
    const big = 'a'.repeat(1000) + 'b'.repeat(1000);
    expect(flatCopy(big.slice(500, 1500))).toBe(big.slice(500, 1500));
  });
});
