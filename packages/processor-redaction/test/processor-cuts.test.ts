import { describe, expect, it } from 'vitest';
import type { RedactionProcessor } from '../src/index.ts';
import { DETECTORS_OFF, redactOne, redactor } from './support/redactor.ts';

/** The `notes` body field after redaction. */
function notesAfter(processor: RedactionProcessor, notes: string): string {
  const record = redactOne(processor, {}, { notes });
  if (record === undefined) throw new Error('record was dropped');
  return (record.body as { notes: string }).notes;
}

/** One value of each kind a detector catches, as it appears in free text. */
const VALUES: ReadonlyArray<[string, string]> = [
  ['card spaced', '4111 1111 1111 1111'],
  ['card compact', '4111111111111111'],
  ['card dashed', '5500-0000-0000-0004'],
  ['email', 'ann.lee@example.org'],
  ['iban grouped', 'DE89 3704 0044 0532 0130 00'],
  ['iban compact', 'DE89370400440532013000'],
  ['phone international', '+44 20 7946 0958'],
  ['phone nanp', '(415) 555-2671'],
  ['ssn', '123-45-6789'],
];

/** Every piece of `value` of 4 or more characters that `out` still holds (none may). */
function leakedPieces(out: string, value: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i + 4 <= value.length; i++) {
    const piece = value.slice(i, i + 4);
    if (out.includes(piece)) pieces.push(piece);
  }
  return pieces;
}

describe('cuts never leave part of a personal value', () => {
  const prefix = 'note: ';
  for (const [kind, value] of VALUES) {
    it(`truncate: a ${kind} across the cut is replaced whole (detectors on) or cut away (off)`, () => {
      for (let inside = 1; inside < value.length; inside++) {
        const maxChars = prefix.length + inside;
        const text = `${prefix}${value} and the rest of the note`;
        const config = { rules: [{ path: 'notes', action: 'truncate' as const, maxChars }] };
        const withDetectors = notesAfter(redactor(config).processor, text);
        expect(withDetectors, `${kind} cut after ${inside}`).toMatch(/^note: \[REDACTED:\w+\]…$/);
        const withoutDetectors = notesAfter(
          redactor({ ...config, detectors: DETECTORS_OFF }).processor,
          text,
        );
        expect(leakedPieces(withoutDetectors, value), `${kind} cut after ${inside}`).toEqual([]);
        expect(withoutDetectors.endsWith('…')).toBe(true);
      }
    });

    it(`maxStringChars: a ${kind} across the cut is replaced whole or cut away, never split`, () => {
      const { processor } = redactor({ maxStringChars: 1024 });
      for (let inside = 1; inside < value.length; inside++) {
        const filler = 'x '.repeat(600).slice(0, 1024 - inside);
        const text = `${filler}${value} ${'y '.repeat(2000)}`;
        const out = notesAfter(processor, text);
        expect(leakedPieces(out, value), `${kind} cut after ${inside}`).toEqual([]);
        expect(out, `${kind} cut after ${inside}`).toMatch(/(\[REDACTED:\w+\] )?…\[cut \d+ chars\]$/);
        expect(out.length).toBeLessThanOrEqual(1024 + 32);
      }
    });
  }

  it('keeps a replacement that starts before the cut whole, and drops every match after it', () => {
    const { processor } = redactor({ rules: [{ path: 'notes', action: 'truncate', maxChars: 10 }] });
    expect(notesAfter(processor, 'mail ann@example.org or bob@example.org')).toBe('mail [REDACTED:email]…');
  });

  it('counts the cut as the rule that cut (truncate) or max_string_chars', () => {
    const truncate = redactor({ rules: [{ name: 'short', path: 'notes', action: 'truncate', maxChars: 4 }] });
    const a = redactOne(truncate.processor, {}, { notes: 'hello world' });
    expect(a?.attributes['ml.redaction.rules']).toEqual(['short']);
    const long = redactor({ maxStringChars: 1024 });
    const b = redactOne(long.processor, {}, { notes: 'z '.repeat(1000) });
    expect(b?.attributes['ml.redaction.rules']).toEqual(['max_string_chars']);
  });
});
