import { nearMisses, type PiiValue, piiCorpus } from './pii-corpus.ts';

/** The stated bound on the share of near-misses the redaction detectors may redact. */
export const MAX_FALSE_POSITIVE_RATE = 0.02;

/**
 * Every textual form a value could leak in: as written, JSON-escaped, its digits (8 or more), an
 * e-mail in lower case, an IBAN compact and upper case.
 */
export function leakForms(pii: PiiValue): string[] {
  const text = String(pii.value);
  const forms = new Set([text, JSON.stringify(text).slice(1, -1)]);
  const digits = text.replace(/\D/g, '');
  if (digits.length >= 8) forms.add(digits);
  if (pii.kind === 'email') forms.add(text.toLowerCase());
  if (pii.kind === 'iban') forms.add(text.replace(/\s/g, '').toUpperCase());
  return [...forms];
}

/** A place a test searches, named for the failure message: bytes are searched byte-wise (UTF-8 forms), text as text. */
export type Haystack = { readonly where: string } & ({ readonly bytes: Buffer } | { readonly text: string });

export interface Leak {
  readonly where: string;
  readonly kind: PiiValue['kind'];
  readonly value: string | number;
}

/** Every corpus value found, in any of its forms, in any haystack. */
export function findLeaks(haystacks: readonly Haystack[]): Leak[] {
  const leaks: Leak[] = [];
  for (const haystack of haystacks) {
    for (const pii of piiCorpus()) {
      const found = leakForms(pii).some((form) =>
        'bytes' in haystack ? haystack.bytes.includes(form, 0, 'utf8') : haystack.text.includes(form),
      );
      if (found) leaks.push({ where: haystack.where, kind: pii.kind, value: pii.value });
    }
  }
  return leaks;
}

/**
 * Near-misses changed in `text` (JSON holding the near-miss record of `corpusRecords()`): the value
 * itself or the free text around it is missing.
 */
export function falsePositives(text: string): Array<string | number> {
  return nearMisses().filter((miss) => {
    const value = typeof miss === 'number' ? String(miss) : JSON.stringify(miss);
    const inText = JSON.stringify(`value ${String(miss)} end`);
    return !text.includes(value) || !text.includes(inText);
  });
}

/** String near-misses whose exact UTF-8 bytes are missing from `bytes`. */
export function nearMissesMissingFromBytes(bytes: Buffer): string[] {
  return nearMisses()
    .filter((miss): miss is string => typeof miss === 'string')
    .filter((miss) => !bytes.includes(miss));
}
