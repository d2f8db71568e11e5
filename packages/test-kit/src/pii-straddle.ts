import { type PiiKind, type PiiValue, piiCorpus } from './pii-corpus.ts';

/**
 * Personal values placed across a length limit (core's string and key limits, the HTTP body cap),
 * and the search for what a cut could leave of them. A detector recognises whole values only, so a
 * cut that keeps `4111 1111 1111` or `ann.lee@exa` leaks what no later redaction can find: these
 * helpers let every limit be tested with the same values, placements and notion of a piece.
 */

/** A corpus value in one written form, named for the test title. */
export interface StraddleCase {
  readonly name: string;
  readonly kind: PiiKind;
  readonly value: string;
}

const pickers: ReadonlyArray<readonly [string, PiiKind, (value: string) => boolean]> = [
  ['card, spaced', 'card', (v) => /^\d{4}( \d{4}){3}$/.test(v)],
  ['card, compact', 'card', (v) => /^\d{16}$/.test(v)],
  ['card, dashed', 'card', (v) => /^\d{4}(-\d{4}){3}$/.test(v)],
  ['e-mail', 'email', (v) => /^[a-z]{4,}[._][a-z]{4,}\d*@[a-z.]+$/.test(v)],
  ['IBAN, grouped', 'iban', (v) => /^[A-Z]{2}\d{2}( [A-Z0-9]{1,4})+$/.test(v)],
  ['IBAN, compact', 'iban', (v) => /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(v)],
  ['phone, international', 'phone', (v) => /^\+\d{1,3}( \d{2,4}){2,}$/.test(v)],
  ['phone, NANP', 'phone', (v) => /^\(\d{3}\) \d{3}-\d{4}$/.test(v)],
  ['SSN', 'ssn', (v) => /^\d{3}-\d{2}-\d{4}$/.test(v)],
];

/** One corpus value of each kind and form a cut can split: card (spaced, compact, dashed), e-mail, IBAN, phone, SSN. */
export function straddleCases(): StraddleCase[] {
  const corpus = piiCorpus();
  return pickers.map(([name, kind, fits]) => {
    const found = corpus.find((pii) => pii.kind === kind && typeof pii.value === 'string' && fits(pii.value));
    if (found === undefined) throw new Error(`the PII corpus has no ${name}`);
    return { name, kind, value: found.value as string };
  });
}

const PROSE = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ';

/** `length` characters of prose without digits, `@` or capitals, ending in a space (for `length` ≥ 1). */
export function prose(length: number): string {
  if (length <= 0) return '';
  const text = PROSE.repeat(Math.ceil(length / PROSE.length) + 1).slice(0, length - 1);
  return `${text} `;
}

/**
 * A text of prose with `value` starting `shift` characters before `cut` (so it straddles `cut` for
 * 0 < shift < value.length), and `after` characters of prose behind it.
 */
export function straddling(value: string, cut: number, shift: number, after = 64): string {
  return `${prose(cut - shift)}${value} ${prose(after)}`;
}

/** Every shift that puts some but not all of `value` before the cut. */
export function straddleShifts(value: string): number[] {
  return Array.from({ length: value.length - 1 }, (_, i) => i + 1);
}

/**
 * The pieces of `pii` found in `text`: any 4 consecutive digits of its digits (text read digits
 * only, so `4111 11` counts), the local part of an e-mail, the first 6 characters of an IBAN
 * (text read compact and upper case). Meant for text that holds no other digits, such as `prose()`.
 */
export function piecesIn(text: string, pii: Pick<PiiValue, 'kind' | 'value'>): string[] {
  const value = String(pii.value);
  const found: string[] = [];
  if (pii.kind === 'email') {
    const local = value.slice(0, value.indexOf('@')).toLowerCase();
    if (text.toLowerCase().includes(local)) found.push(local);
    return found;
  }
  const digits = value.replace(/\D/g, '');
  const textDigits = text.replace(/\D/g, '');
  for (let i = 0; i + 4 <= digits.length; i++) {
    const window = digits.slice(i, i + 4);
    if (textDigits.includes(window)) found.push(window);
  }
  if (pii.kind === 'iban') {
    const head = value.replace(/\s/g, '').toUpperCase().slice(0, 6);
    if (text.replace(/\s/g, '').toUpperCase().includes(head)) found.push(head);
  }
  return found;
}
