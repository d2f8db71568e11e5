import { isAsciiAlnum, isAsciiLetter, isUnicodeLetterOrNumber } from './char-classes.ts';
import type { MatchRanges } from './match-ranges.ts';

const DOT = 46;
const HYPHEN = 45;
/** RFC 5321 limits: 64 characters before the @, 255 after. They bound the work per @ as well. */
const MAX_LOCAL = 64;
const MAX_DOMAIN = 255;

function isLocalChar(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  // Letters, digits and . _ % + - ' : the characters real addresses use. The rarer RFC 5322 ones
  // (= / ? & ...) are left out so a URL query such as ?user=ann@x.org redacts only the address.
  if (isAsciiAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || c === 39) return true;
  return isUnicodeLetterOrNumber(text, i);
}

function isDomainChar(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return isAsciiAlnum(c) || c === DOT || c === HYPHEN || isUnicodeLetterOrNumber(text, i);
}

/**
 * E-mail addresses: from each @ (found with indexOf), the local part to the left and the domain to
 * the right, within the RFC length limits. Neither walk crosses another @ (it is neither a local nor
 * a domain character), and the top-level label is looked for only inside the domain just found, so
 * every character is read a bounded number of times whatever the string holds. The domain
 * needs a dot and a top-level label of two or more letters (`xn--` punycode labels too); a trailing
 * sentence dot is not part of the match.
 */
export function detectEmail(text: string, limit: number, ranges: MatchRanges, detector: number): void {
  let at = text.indexOf('@');
  // A match must start before `limit`; its @ may come up to a local part's length later.
  while (at !== -1 && at < limit + MAX_LOCAL) {
    let start = at;
    while (start > 0 && at - start < MAX_LOCAL && isLocalChar(text, start - 1)) start--;
    while (start < at && text.charCodeAt(start) === DOT) start++;
    let end = at + 1;
    const domainLimit = Math.min(text.length, at + 1 + MAX_DOMAIN);
    while (end < domainLimit && isDomainChar(text, end)) end++;
    while (end > at + 1) {
      const c = text.charCodeAt(end - 1);
      if (c !== DOT && c !== HYPHEN) break;
      end--;
    }
    if (start < at && start < limit && end > at + 1 && hasTopLevelDomain(text, at + 1, end)) {
      ranges.add(start, end, detector);
      at = text.indexOf('@', end);
    } else {
      at = text.indexOf('@', at + 1);
    }
  }
}

/**
 * Whether the domain `text[from, to)` ends in a top-level label. The last dot is searched for only
 * inside the domain: a search of the whole string (`lastIndexOf`) would run back to its start for
 * every @, quadratic on `a@a@a@...`.
 */
function hasTopLevelDomain(text: string, from: number, to: number): boolean {
  let lastDot = to - 1;
  while (lastDot > from && text.charCodeAt(lastDot) !== DOT) lastDot--;
  if (lastDot <= from || lastDot >= to - 2) return false;
  if (text.charCodeAt(lastDot - 1) === DOT) return false;
  const first = text.charCodeAt(lastDot + 1);
  if (!isAsciiLetter(first) && !isUnicodeLetterOrNumber(text, lastDot + 1)) return false;
  for (let i = lastDot + 2; i < to; i++) {
    const c = text.charCodeAt(i);
    if (isAsciiLetter(c) || isUnicodeLetterOrNumber(text, i)) continue;
    // Punycode TLDs (xn--p1ai) hold digits and hyphens.
    if ((c === HYPHEN || (c >= 48 && c <= 57)) && text.startsWith('xn--', lastDot + 1)) continue;
    return false;
  }
  return true;
}
