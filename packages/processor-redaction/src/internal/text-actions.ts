import { safeCut } from '@predlog/schema';
import type { RedactionHasher } from '../hasher.ts';

/** What replaces a value or a matched part of a string; compiled from the config once. */
export type TextAction =
  | { readonly kind: 'drop' }
  | { readonly kind: 'mask'; readonly keepLastChars: number; readonly maskChar: string }
  | { readonly kind: 'hash' }
  | { readonly kind: 'truncate'; readonly maxChars: number }
  | { readonly kind: 'replace'; readonly with: string };

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Masks every character but the last `keepLastChars`; never reveals more than half of the value,
 * so a short value is masked whole. A surrogate pair is never split.
 */
export function maskText(text: string, keepLastChars: number, maskChar: string): string {
  const n = text.length;
  let keep = Math.min(keepLastChars, Math.floor(n / 2));
  if (keep > 0 && isLowSurrogate(text.charCodeAt(n - keep))) keep--;
  return maskChar.repeat(n - keep) + (keep > 0 ? text.slice(n - keep) : '');
}

/** What ends a value that was cut: by a `truncate` rule, or (with `[cut N chars]`) at `maxStringChars`. */
export const TRUNCATION_MARK = '…';

/**
 * At most the first `maxChars` characters and `…` when the text is longer, cut with `safeCut`: the
 * cut backs off past a card number, e-mail, IBAN or phone number it would split, so no piece of one
 * survives, and never splits a surrogate pair. With detectors on, the scanner's `scanTruncated`
 * does this cut after detecting on the whole value instead.
 */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return safeCut(text, maxChars) + TRUNCATION_MARK;
}

/**
 * Applies a value action (not `drop`, which removes the value, and not `truncate`, whose output is
 * scanned again) to text. `hashInput` is the form hashed: detectors pass a normalised match so that
 * `4111 1111 1111 1111` and `4111111111111111` hash alike.
 */
export function replaceText(
  action: TextAction,
  text: string,
  hashInput: string,
  hasher: RedactionHasher | undefined,
): string {
  switch (action.kind) {
    case 'drop':
      return '';
    case 'mask':
      return maskText(text, action.keepLastChars, action.maskChar);
    case 'hash':
      // The config check guarantees a hasher whenever a hash action exists; the fallback is unreachable.
      return hasher === undefined ? '[REDACTED]' : hasher.hash(hashInput);
    case 'truncate':
      return truncateText(text, action.maxChars);
    case 'replace':
      return action.with;
  }
}
