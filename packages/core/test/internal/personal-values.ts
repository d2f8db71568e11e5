/**
 * Personal values in the forms a cut can split, placed in prose that has no digit, capital or `@`:
 * whatever a cut keeps of such a text must then be prose alone. (Core cannot depend on
 * `@predlog/test-kit`, which depends on core; the corpus-wide version of these cases is
 * `test/hostile-inputs.test.ts`.)
 */
export const PERSONAL_VALUES: ReadonlyArray<readonly [string, string]> = [
  ['card, spaced', '4111 1111 1111 1111'],
  ['card, compact', '4111111111111111'],
  ['card, dashed', '5500-0000-0000-0004'],
  ['e-mail', 'jane.doe+work@example.co.uk'],
  ['IBAN, grouped', 'DE89 3704 0044 0532 0130 00'],
  ['IBAN, compact', 'GB82WEST12345698765432'],
  ['phone', '+1 (415) 555-2671'],
  ['SSN', '123-45-6789'],
];

const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit ';

/** `value` starting `shift` characters before `cut`, in prose, with `after` characters of prose behind it. */
export function valueAcross(value: string, cut: number, shift: number, after = 64): string {
  const before = cut - shift;
  const lead = WORDS.repeat(Math.ceil(before / WORDS.length) + 1).slice(0, Math.max(0, before - 1));
  return `${lead} ${value} ${WORDS.repeat(Math.ceil(after / WORDS.length))}`;
}

/** True when `text` holds nothing but the prose: no piece of any value survived. */
export function proseOnly(text: string): boolean {
  return /^[a-z ]*$/.test(text);
}
