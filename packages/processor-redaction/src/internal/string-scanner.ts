import { flatCopy, safeCutLength } from '@predlog/schema';
import type { RedactionHasher } from '../hasher.ts';
import { detectCard, isCardDigits, isRoundedCardDigits } from './detect-card.ts';
import { detectEmail } from './detect-email.ts';
import { detectIban, isIbanCountry } from './detect-iban.ts';
import { detectIpv4, detectIpv6 } from './detect-ip.ts';
import { detectPhone } from './detect-phone.ts';
import { detectSsn } from './detect-ssn.ts';
import { MatchRanges } from './match-ranges.ts';
import { PatternRunner } from './pattern-runner.ts';
import type { RedactionTally } from './redaction-tally.ts';
import { ScanNormaliser } from './scan-normaliser.ts';
import { replaceText, type TextAction, TRUNCATION_MARK } from './text-actions.ts';

/** Detector ids, in precedence order (the lower id's action wins where matches overlap). */
export const EMAIL = 0;
export const CARD = 1;
export const IBAN = 2;
export const SSN = 3;
export const PHONE = 4;
export const IPV6 = 5;
export const IPV4 = 6;
export const BUILT_IN_COUNT = 7;

/** Characters past `maxStringChars` the built-in detectors may read to finish a match started before it. */
const LOOKAHEAD = 1024;

// Character kinds for the pre-pass, by ASCII code; anything else is OTHER.
const OTHER = 0;
const LETTER = 1;
const DIGIT = 2;
const SPACE_OR_DASH = 3;
const NUMBER_PUNCTUATION = 4;
const COLON = 5;
const MARK = 6;
const CHAR_KIND = new Uint8Array(128);
for (let c = 65; c <= 90; c++) CHAR_KIND[c] = LETTER;
for (let c = 97; c <= 122; c++) CHAR_KIND[c] = LETTER;
for (let c = 48; c <= 57; c++) CHAR_KIND[c] = DIGIT;
CHAR_KIND[32] = SPACE_OR_DASH;
CHAR_KIND[45] = SPACE_OR_DASH;
for (const c of [46, 47, 40, 41]) CHAR_KIND[c] = NUMBER_PUNCTUATION;
CHAR_KIND[58] = COLON;
CHAR_KIND[64] = MARK;
CHAR_KIND[43] = MARK;
CHAR_KIND[37] = MARK;
const AT = 1;
const PLUS = 2;
const IBAN_START = 4;
const DOUBLE_COLON = 8;
/** Something the normaliser rewrites: a fullwidth form or `%40`. */
const REWRITE = 16;
/** Two letters then two digits, as the last four two-bit classes: 01 01 10 10 (the fifth, before them, must be 00). */
const LETTER_LETTER_DIGIT_DIGIT = 0b01011010;

/** Bounds of the clean-key memory: a stream of distinct keys clears it rather than growing it. */
const MAX_REMEMBERED_KEYS = 4096;
const MAX_REMEMBERED_KEY_CHARS = 256;

export const ERROR_MARKER = '[REDACTED:error]';

export interface UserPattern {
  readonly regex: RegExp;
  readonly action: TextAction;
}

export interface StringScannerOptions {
  /** Action per built-in detector id, `undefined` when the detector is off. */
  readonly builtIn: ReadonlyArray<TextAction | undefined>;
  readonly patterns: readonly UserPattern[];
  readonly hasher: RedactionHasher | undefined;
  readonly maxStringChars: number;
  readonly tally: RedactionTally;
  /** Tally index of detector id 0; detector `d` counts at `firstName + d`. */
  readonly firstName: number;
  readonly cutName: number;
  readonly errorName: number;
  /** Called when scanning threw; gets the error's name only. */
  readonly onError: (stage: string, errorName: string) => void;
  /**
   * Tests only: wraps each text the detectors are about to read (the original and, when it differs,
   * the normalised one), so a test can count the characters they visit.
   */
  readonly instrument?: (text: string) => string;
}

/** How a cut string ends: `…` for a `truncate` rule, `…[cut N chars]` for `maxStringChars`. */
const TRUNCATE = 1;
const MAX_CHARS = 2;

/**
 * Runs the detectors over one string and returns it with every match replaced, or the same string
 * when nothing matched. A single pre-pass counts digits, `@`, `:`, `.` and looks for an IBAN-like
 * start, so each detector runs only on strings that could hold its kind of value: an ordinary
 * string costs one loop over its characters. All detectors see the original text; overlapping
 * matches are merged, so no replacement is ever scanned again.
 */
export class StringScanner {
  private readonly builtIn: ReadonlyArray<TextAction | undefined>;
  private readonly patterns: readonly UserPattern[];
  private readonly hasher: RedactionHasher | undefined;
  private readonly maxStringChars: number;
  private readonly tally: RedactionTally;
  private readonly firstName: number;
  private readonly cutName: number;
  private readonly errorName: number;
  private readonly onError: (stage: string, errorName: string) => void;
  private readonly runners: readonly PatternRunner[];
  private readonly instrument: ((text: string) => string) | undefined;
  private readonly ranges = new MatchRanges();
  private readonly normaliser = new ScanNormaliser();
  private readonly cleanKeys = new Set<string>();
  // Results of the last pre-pass (fields, so the pass allocates nothing).
  private digits = 0;
  private colons = 0;
  private dots = 0;
  private marks = 0;
  private strictMax = 0;
  private looseMax = 0;
  private readonly email: boolean;
  private readonly card: boolean;
  private readonly iban: boolean;
  private readonly ssn: boolean;
  private readonly phone: boolean;
  private readonly ipv6: boolean;
  private readonly ipv4: boolean;

  constructor(options: StringScannerOptions) {
    this.builtIn = options.builtIn;
    this.patterns = options.patterns;
    this.hasher = options.hasher;
    this.maxStringChars = options.maxStringChars;
    this.tally = options.tally;
    this.firstName = options.firstName;
    this.cutName = options.cutName;
    this.errorName = options.errorName;
    this.onError = options.onError;
    this.runners = options.patterns.map((pattern) => new PatternRunner(pattern.regex));
    this.instrument = options.instrument;
    this.email = options.builtIn[EMAIL] !== undefined;
    this.card = options.builtIn[CARD] !== undefined;
    this.iban = options.builtIn[IBAN] !== undefined;
    this.ssn = options.builtIn[SSN] !== undefined;
    this.phone = options.builtIn[PHONE] !== undefined;
    this.ipv6 = options.builtIn[IPV6] !== undefined;
    this.ipv4 = options.builtIn[IPV4] !== undefined;
  }

  /** Whether numbers are checked (only the card detector looks at them). */
  get scansNumbers(): boolean {
    return this.card;
  }

  /**
   * Map keys repeat from record to record (feature names, attribute keys), so a key found clean is
   * remembered and costs a Set lookup the next time. Keys that were redacted are never remembered.
   */
  scanKey(key: string): string {
    const clean = this.cleanKeys;
    if (clean.has(key)) return key;
    const scanned = this.scan(key);
    if (scanned === key && key.length <= MAX_REMEMBERED_KEY_CHARS) {
      if (clean.size >= MAX_REMEMBERED_KEYS) clean.clear();
      clean.add(key);
    }
    return scanned;
  }

  scan(text: string): string {
    return this.scanSafely(text, Number.POSITIVE_INFINITY);
  }

  /**
   * A `truncate` rule: the detectors run on the whole value first, then the redacted text is cut at
   * `maxChars` original characters and ends in `…`. A match that starts before the cut is replaced
   * whole, one that starts after it is gone with the rest, and the plain text before the cut is cut
   * with `safeCut`, so no piece of a value a detector would have caught survives.
   */
  scanTruncated(text: string, maxChars: number): string {
    return this.scanSafely(text, maxChars);
  }

  private scanSafely(text: string, truncateAt: number): string {
    try {
      return this.scanUnsafe(text, truncateAt);
    } catch (error) {
      this.ranges.reset();
      this.tally.hit(this.errorName);
      this.onError('string', error instanceof Error ? error.name : 'non-error');
      return ERROR_MARKER;
    }
  }

  /**
   * A number is read as its decimal digits: one whose integer part is a card number is redacted
   * with the card detector's action (the result is a string), `4111111111111111`,
   * `4111111111111111.0` and `4.111111111111111e15` alike (the same double). Above 2^53 a double
   * cannot hold 17-19 digits exactly: such a number in a card network's range and length is
   * redacted too, as its leading digits are the card's. Other numbers pass.
   */
  scanNumber(value: number): number | string {
    if (!this.card) return value;
    const magnitude = Math.trunc(Math.abs(value));
    if (!(magnitude >= 1e12 && magnitude < 1e19)) return value;
    const digits = String(magnitude);
    if (magnitude <= Number.MAX_SAFE_INTEGER ? !isCardDigits(digits) : !isRoundedCardDigits(digits))
      return value;
    this.tally.hit(this.firstName + CARD);
    return replaceText(this.builtIn[CARD] as TextAction, digits, digits, this.hasher);
  }

  private scanUnsafe(text: string, truncateAt: number): string {
    const n = text.length;
    if (n === 0) return text;
    const cap = this.maxStringChars;
    let limit = n;
    let cutKind = 0;
    if (truncateAt < n && truncateAt <= cap) {
      limit = truncateAt;
      cutKind = TRUNCATE;
    } else if (n > cap) {
      limit = cap;
      cutKind = MAX_CHARS;
    }
    let view = limit + LOOKAHEAD < n ? text.slice(0, limit + LOOKAHEAD) : text;
    if (this.instrument !== undefined) view = this.instrument(view);

    this.prepass(view);
    let subject = view;
    let subjectLimit = limit;
    let normalised = false;
    if ((this.marks & REWRITE) !== 0) {
      subject = this.normaliser.normalise(view);
      if (this.instrument !== undefined) subject = this.instrument(subject);
      subjectLimit = this.normalisedIndex(limit, subject.length);
      normalised = true;
      this.prepass(subject);
    }
    const marks = this.marks;
    const m = subject.length;

    const ranges = this.ranges;
    ranges.reset();
    if (this.email && (marks & AT) !== 0) detectEmail(subject, subjectLimit, ranges, EMAIL);
    if (this.card && this.strictMax >= 12) detectCard(subject, subjectLimit, ranges, CARD);
    if (this.iban && (marks & IBAN_START) !== 0 && m >= 15) detectIban(subject, subjectLimit, ranges, IBAN);
    if (this.ssn && this.strictMax >= 9) detectSsn(subject, subjectLimit, ranges, SSN);
    if (this.phone && ((marks & PLUS) !== 0 || this.looseMax >= 9))
      detectPhone(subject, subjectLimit, ranges, PHONE);
    // An IPv6 address has `::` or at least six colons; a time of day (`10:30:00`) has neither.
    const colons = this.colons;
    if (this.ipv6 && colons >= 2 && (colons >= 6 || (marks & DOUBLE_COLON) !== 0))
      detectIpv6(subject, subjectLimit, ranges, IPV6);
    if (this.ipv4 && this.dots >= 3 && this.digits >= 4) detectIpv4(subject, subjectLimit, ranges, IPV4);
    const runners = this.runners;
    for (let p = 0; p < runners.length; p++)
      (runners[p] as PatternRunner).run(subject, subjectLimit, ranges, BUILT_IN_COUNT + p);
    if (ranges.length === 0 && cutKind === 0) return text;
    return this.rebuild(text, view, normalised ? subject : undefined, limit, cutKind);
  }

  /** The first index of the normalised text whose original index is at least `index`. */
  private normalisedIndex(index: number, length: number): number {
    const offsets = this.normaliser.offsets;
    let k = Math.min(index, length);
    while (k > 0 && (offsets[k - 1] as number) >= index) k--;
    while (k < length && (offsets[k] as number) < index) k++;
    return k;
  }

  /**
   * One pass of cheap counts decides which detectors can possibly match. Digit runs are measured
   * two ways: joined by single spaces or dashes (cards, SSNs), and loosely, joined by up to two of
   * space - . / ( ) (phone numbers). A UUID or an ISO timestamp then runs no card or phone check.
   */
  private prepass(view: string): void {
    const m = view.length;
    let digits = 0;
    let colons = 0;
    let dots = 0;
    let marks = 0;
    let strictRun = 0;
    let strictMax = 0;
    let strictSeparator = 0;
    let looseRun = 0;
    let looseMax = 0;
    let looseSeparators = 0;
    // Classes of the last five characters, two bits each (1 letter, 2 digit, 0 other), for the IBAN start.
    let recent = 0;
    for (let i = 0; i < m; i++) {
      const code = view.charCodeAt(i);
      let kind = OTHER;
      if (code < 128) kind = CHAR_KIND[code] as number;
      else if (ScanNormaliser.rewrites(view, i, code)) marks |= REWRITE;
      if (kind === DIGIT) {
        digits++;
        if (++strictRun > strictMax) strictMax = strictRun;
        if (++looseRun > looseMax) looseMax = looseRun;
        strictSeparator = 0;
        looseSeparators = 0;
        recent = ((recent << 2) | 2) & 0x3ff;
        // Two letters that are an IBAN country, then two digits, at the start of a token.
        if (
          (recent & 0xff) === LETTER_LETTER_DIGIT_DIGIT &&
          (recent & 0x300) === 0 &&
          isIbanCountry(view.charCodeAt(i - 3), view.charCodeAt(i - 2))
        )
          marks |= IBAN_START;
        continue;
      }
      recent = ((recent << 2) | (kind === LETTER ? 1 : 0)) & 0x3ff;
      if (kind === SPACE_OR_DASH) {
        if (strictSeparator === 1) strictRun = 0;
        strictSeparator = 1;
        if (++looseSeparators > 2) looseRun = 0;
        continue;
      }
      strictRun = 0;
      if (kind === NUMBER_PUNCTUATION) {
        if (++looseSeparators > 2) looseRun = 0;
        if (code === 46) dots++;
        continue;
      }
      looseRun = 0;
      if (kind === COLON) {
        colons++;
        if (i > 0 && view.charCodeAt(i - 1) === 58) marks |= DOUBLE_COLON;
      } else if (kind === MARK) {
        if (code === 64) marks |= AT;
        else if (code === 37) {
          if (ScanNormaliser.rewrites(view, i, code)) marks |= REWRITE;
        } else {
          // Only `+` and a digit 1-9 can start an international number (`+01:00` in a timestamp cannot).
          const next = view.charCodeAt(i + 1);
          if (next >= 49 && next <= 57) marks |= PLUS;
        }
      }
    }
    this.digits = digits;
    this.colons = colons;
    this.dots = dots;
    this.marks = marks;
    this.strictMax = strictMax;
    this.looseMax = looseMax;
  }

  /**
   * Replaces every match, in original characters (a match in the normalised text covers the
   * original characters it came from). With a cut, the matches that start before `limit` are
   * replaced whole, the plain text after the last of them is cut with `safeCutLength` (never into
   * a replacement), and the rest goes: a replacement is either whole or gone.
   */
  private rebuild(
    text: string,
    view: string,
    normalised: string | undefined,
    limit: number,
    cutKind: number,
  ): string {
    const ranges = this.ranges;
    const tally = this.tally;
    for (let r = 0; r < ranges.length; r++) tally.hit(this.firstName + (ranges.detectors[r] as number));
    ranges.resolve();
    const offsets = this.normaliser.offsets;
    let out = '';
    let position = 0;
    for (let r = 0; r < ranges.length; r++) {
      let start = ranges.starts[r] as number;
      let end = ranges.ends[r] as number;
      const detector = ranges.detectors[r] as number;
      const action =
        detector < BUILT_IN_COUNT
          ? (this.builtIn[detector] as TextAction)
          : (this.patterns[detector - BUILT_IN_COUNT] as UserPattern).action;
      // The hashed form comes from what the detector read, so `４１１１…` hashes like `4111…`.
      const read = action.kind === 'hash' ? (normalised ?? view).slice(start, end) : '';
      if (normalised !== undefined) {
        start = offsets[start] as number;
        end = offsets[end] as number;
      }
      if (cutKind !== 0 && start >= limit) break;
      const match = view.slice(start, end);
      out +=
        view.slice(position, start) +
        replaceText(action, match, action.kind === 'hash' ? hashForm(detector, read) : match, this.hasher);
      position = end;
    }
    if (cutKind === 0) return out + text.slice(position);
    if (cutKind === MAX_CHARS) tally.hit(this.cutName);
    if (position < limit) {
      const keep = Math.max(position, safeCutLength(view, limit));
      out += view.slice(position, keep);
      position = keep;
    }
    const suffix =
      cutKind === TRUNCATE ? TRUNCATION_MARK : `${TRUNCATION_MARK}[cut ${text.length - position} chars]`;
    // A flat copy: the kept slices must not hold a long original alive.
    return flatCopy(out + suffix);
  }
}

/**
 * The form of a match that is hashed, so that one value written two ways hashes alike: e-mail
 * addresses in lower case; card, SSN and phone numbers as their digits (a phone keeps its `+`, and
 * `00` becomes `+`); IBANs in upper case without spaces; IPv6 in lower case.
 */
function hashForm(detector: number, match: string): string {
  switch (detector) {
    case EMAIL:
    case IPV6:
      return match.toLowerCase();
    case CARD:
    case SSN:
      return match.replace(/\D/g, '');
    case PHONE: {
      const digits = match.replace(/\D/g, '');
      if (match.startsWith('+')) return `+${digits}`;
      return match.startsWith('00') ? `+${digits.slice(2)}` : digits;
    }
    case IBAN:
      return match.replace(/\s/g, '').toUpperCase();
    default:
      return match;
  }
}
