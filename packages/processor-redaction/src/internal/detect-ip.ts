import { isDigit, isHexDigit, isWordChar } from './char-classes.ts';
import type { MatchRanges } from './match-ranges.ts';

const DOT = 46;
const COLON = 58;

/** Parses a dotted quad at `at`; returns the index after it, or -1. Octets 0-255, 1-3 digits each. */
function dottedQuadEnd(text: string, at: number, to: number): number {
  let i = at;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (i >= to || text.charCodeAt(i) !== DOT) return -1;
      i++;
    }
    let value = 0;
    let digits = 0;
    while (i < to && digits < 4 && isDigit(text.charCodeAt(i))) {
      value = value * 10 + (text.charCodeAt(i) - 48);
      digits++;
      i++;
    }
    if (digits === 0 || digits > 3 || value > 255) return -1;
  }
  return i;
}

/**
 * IPv4 addresses: four dotted octets 0-255, not part of a longer dotted number (`1.2.3.4.5`, a
 * version such as `v1.2.3.4`) or of a word. A port or CIDR suffix after the address is kept.
 */
export function detectIpv4(text: string, limit: number, ranges: MatchRanges, detector: number): void {
  const n = text.length;
  for (let i = 0; i < limit; i++) {
    if (!isDigit(text.charCodeAt(i))) continue;
    if (i > 0) {
      const before = text.charCodeAt(i - 1);
      if (isWordChar(before) || before === DOT) continue;
    }
    const end = dottedQuadEnd(text, i, n);
    if (end < 0) {
      while (i + 1 < n && isDigit(text.charCodeAt(i + 1))) i++;
      continue;
    }
    if (end < n) {
      const after = text.charCodeAt(end);
      if (isWordChar(after) || (after === DOT && end + 1 < n && isDigit(text.charCodeAt(end + 1)))) {
        i = end - 1;
        continue;
      }
    }
    ranges.add(i, end, detector);
    i = end - 1;
  }
}

function isIpv6RunChar(code: number): boolean {
  return isHexDigit(code) || code === COLON || code === DOT;
}

/** Whether `text[from, to)` is an IPv6 address (RFC 4291 text forms, an IPv4 tail included). */
export function isIpv6(text: string, from: number, to: number): boolean {
  let groups = 0;
  let compressed = false;
  let i = from;
  let hexDigits = 0;
  if (to - from < 3) return false;
  if (text.charCodeAt(i) === COLON) {
    if (text.charCodeAt(i + 1) !== COLON) return false;
    compressed = true;
    i += 2;
    if (i === to) return false; // a bare "::" is more often punctuation than an address
  }
  while (i < to) {
    // One group: hex digits, or an IPv4 tail as the last two groups.
    const groupStart = i;
    let digits = 0;
    while (i < to && isHexDigit(text.charCodeAt(i))) {
      i++;
      digits++;
    }
    if (i < to && text.charCodeAt(i) === DOT) {
      if (dottedQuadEnd(text, groupStart, to) !== to) return false;
      groups += 2;
      hexDigits += 1;
      i = to;
      break;
    }
    if (digits === 0 || digits > 4) return false;
    groups++;
    hexDigits += digits;
    if (i === to) break;
    // A colon follows; a second colon marks the one allowed compression.
    i++;
    if (i < to && text.charCodeAt(i) === COLON) {
      if (compressed) return false;
      compressed = true;
      i++;
      if (i === to) break;
    } else if (i === to) return false;
  }
  if (hexDigits === 0) return false;
  return compressed ? groups <= 7 : groups === 8;
}

/**
 * IPv6 addresses: each maximal run of hex digits, colons and dots with at least two colons, trimmed
 * of a trailing sentence dot or colon, validated as an address. A run glued to a word on either side
 * (`std::vector`, `Foo::Bar`) is not one; `key:2001:db8::1` is (the first colon delimits).
 */
export function detectIpv6(text: string, limit: number, ranges: MatchRanges, detector: number): void {
  const n = text.length;
  let i = 0;
  while (i < limit) {
    if (!isIpv6RunChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let start = i;
    let end = i;
    let colons = 0;
    while (end < n && isIpv6RunChar(text.charCodeAt(end))) {
      if (text.charCodeAt(end) === COLON) colons++;
      end++;
    }
    i = end;
    if (colons < 2) continue;
    const gluedBefore = start > 0 && isWordChar(text.charCodeAt(start - 1));
    if (gluedBefore) {
      // `key:2001:db8::1`: a single leading colon separates a label from the address.
      if (text.charCodeAt(start) !== COLON || text.charCodeAt(start + 1) === COLON) continue;
      start++;
    }
    if (end < n && isWordChar(text.charCodeAt(end))) continue;
    while (end > start && text.charCodeAt(end - 1) === DOT) end--;
    if (end - start > 1 && text.charCodeAt(end - 1) === COLON && text.charCodeAt(end - 2) !== COLON) end--;
    if (isIpv6(text, start, end)) ranges.add(start, end, detector);
  }
}
