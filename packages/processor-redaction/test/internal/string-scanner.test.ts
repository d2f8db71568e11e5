import { describe, expect, it } from 'vitest';
import { createRedactionHasher } from '../../src/index.ts';
import { PATTERN_CONTEXT, PATTERN_WINDOW } from '../../src/internal/pattern-runner.ts';
import { RedactionTally } from '../../src/internal/redaction-tally.ts';
import {
  BUILT_IN_COUNT,
  ERROR_MARKER,
  StringScanner,
  type UserPattern,
} from '../../src/internal/string-scanner.ts';
import type { TextAction } from '../../src/internal/text-actions.ts';
import { TEST_KEY } from '../support/redactor.ts';

const NAMES = [
  'email',
  'card',
  'iban',
  'ssn',
  'phone',
  'ipv6',
  'ipv4',
  'custom',
  'max_string_chars',
  'error',
];

function scanner(options: {
  builtIn?: Array<TextAction | undefined>;
  patterns?: UserPattern[];
  maxStringChars?: number;
}) {
  const tally = new RedactionTally(NAMES);
  const errors: string[] = [];
  const replace = (name: string): TextAction => ({ kind: 'replace', with: `[${name}]` });
  const scan = new StringScanner({
    builtIn: options.builtIn ?? NAMES.slice(0, BUILT_IN_COUNT).map(replace),
    patterns: options.patterns ?? [],
    hasher: undefined,
    maxStringChars: options.maxStringChars ?? 1024,
    tally,
    firstName: 0,
    cutName: 8,
    errorName: 9,
    onError: (stage, name) => errors.push(`${stage}:${name}`),
  });
  return { scan, tally, errors };
}

describe('StringScanner', () => {
  it('returns the very same string when nothing matches', () => {
    const { scan } = scanner({});
    const text = 'nothing to see here, order ORD-2024-000123 at 10:30';
    expect(scan.scan(text)).toBe(text);
  });

  it('merges overlapping matches of different detectors into one replacement, counting each', () => {
    const { scan, tally } = scanner({});
    // An Amex number written as an international phone number: both detectors match it.
    expect(scan.scan('pay +378282246310005 now')).toBe('pay [card] now');
    expect(tally.endRecord().names).toEqual(['card', 'phone']);
  });

  it('cuts a string longer than maxStringChars after scanning it, and counts the cut', () => {
    const { scan, tally } = scanner({ maxStringChars: 1024 });
    const text = `${'x'.repeat(1015)} ann@example.org ${'y'.repeat(5000)}`;
    const out = scan.scan(text);
    expect(out).toBe(`${'x'.repeat(1015)} [email]…[cut 5001 chars]`);
    expect(tally.endRecord().names).toEqual(['email', 'max_string_chars']);
  });

  it('runs user patterns over bounded windows of a long string, never the whole of it', () => {
    let longest = 0;
    const regex = /T-\d+/g;
    const exec = regex.exec.bind(regex);
    regex.exec = (subject: string) => {
      longest = Math.max(longest, subject.length);
      return exec(subject);
    };
    const { scan } = scanner({
      builtIn: [],
      patterns: [{ regex, action: { kind: 'replace', with: '[t]' } }],
      maxStringChars: 2000,
    });
    expect(scan.scan(`T-1 ${'z'.repeat(100_000)}`).startsWith('[t] zzz')).toBe(true);
    expect(longest).toBe(2 * PATTERN_WINDOW + PATTERN_CONTEXT);
  });

  it('skips empty matches of a user pattern instead of looping', () => {
    const { scan } = scanner({
      builtIn: [],
      patterns: [{ regex: /x*/g, action: { kind: 'replace', with: '_' } }],
    });
    expect(scan.scan('abxxc')).toBe('ab_c');
  });

  it('replaces a string whose scan throws with the error marker, counts it, reports only the error name', () => {
    const regex = /never/g;
    regex.exec = () => {
      throw new RangeError('ann@example.org made it fail');
    };
    const { scan, tally, errors } = scanner({ patterns: [{ regex, action: { kind: 'drop' } }] });
    expect(scan.scan('ann@example.org')).toBe(ERROR_MARKER);
    expect(tally.endRecord().names).toEqual(['error']);
    expect(errors).toEqual(['string:RangeError']);
  });

  it('remembers clean map keys only', () => {
    const { scan, tally } = scanner({});
    expect(scan.scanKey('amount')).toBe('amount');
    expect(scan.scanKey('ann@example.org')).toBe('[email]');
    expect(scan.scanKey('ann@example.org')).toBe('[email]');
    expect(tally.endRecord()).toEqual({ total: 2, names: ['email'] });
  });

  it('checks numbers for card numbers only', () => {
    const { scan } = scanner({});
    expect(scan.scanNumber(4111111111111111)).toBe('[card]');
    expect(scan.scanNumber(4111111111111112)).toBe(4111111111111112);
    expect(scan.scanNumber(123456789)).toBe(123456789);
    expect(scan.scanNumber(4.5)).toBe(4.5);
  });

  it('recognises a card stored as a float, negative, or beyond 2^53 (where a double rounds it)', () => {
    const { scan } = scanner({});
    // JSON `4.111111111111111e15` and `4111111111111111.0` parse to the same double as the integer.
    expect(scan.scanNumber(JSON.parse('4.111111111111111e15') as number)).toBe('[card]');
    expect(scan.scanNumber(JSON.parse('4111111111111111.0') as number)).toBe('[card]');
    expect(scan.scanNumber(4111111111111111.5)).toBe('[card]');
    expect(scan.scanNumber(-4111111111111111)).toBe('[card]');
    // A 19-digit Visa number cannot be held exactly; its leading digits still are the card's.
    expect(scan.scanNumber(Number('4111111111111111113'))).toBe('[card]');
    // Not in a network's range (9…), or a timestamp in ms (1…): numbers pass.
    expect(scan.scanNumber(Number('9111111111111111113'))).toBe(Number('9111111111111111113'));
    expect(scan.scanNumber(1_769_860_800_000)).toBe(1_769_860_800_000);
    expect(scan.scanNumber(Number.NaN)).toBeNaN();
    expect(scan.scanNumber(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });

  it('recognises a card written as a float in text: 4111111111111111.0 and scientific notation', () => {
    const { scan } = scanner({});
    // The digits before the dot are the card; the fraction is not personal and stays.
    expect(scan.scan('amount 4111111111111111.0 EUR')).toBe('amount [card].0 EUR');
    expect(scan.scan('pan=4.111111111111111e15;')).toBe('pan=[card];');
    expect(scan.scan('pan 4.111111111111111E+15')).toBe('pan [card]');
    // 19 digits rounded by a double, printed with 17 significant digits.
    expect(scan.scan('pan 4.1111111111111111e18')).toBe('pan [card]');
    // An ordinary large float, a failed Luhn check and a fraction stay.
    for (const plain of ['rate 4.1e18', 'x 4.111111111111112e15', 'v 4.1111111111111111e15'])
      expect(scan.scan(plain)).toBe(plain);
  });

  it('finds values written with fullwidth digits and letters, replacing the original characters', () => {
    const { scan } = scanner({});
    expect(scan.scan('pay ４１１１ １１１１ １１１１ １１１１ now')).toBe('pay [card] now');
    expect(scan.scan('mail ａｎｎ＠ｅｘａｍｐｌｅ．ｏｒｇ, thanks')).toBe('mail [email], thanks');
    expect(scan.scan('call ＋４４ ２０ ７９４６ ０９５８')).toBe('call [phone]');
    expect(scan.scan('ssn １２３-４５-６７８９ ok')).toBe('ssn [ssn] ok');
    // Mixed widths, and a fullwidth value beside an ASCII one.
    expect(scan.scan('4111 １１１１ 1111 １１１１ / ann@example.org')).toBe('[card] / [email]');
  });

  it('masks the original characters and hashes the normalised form of a fullwidth value', () => {
    const hasher = createRedactionHasher({ keys: { k: TEST_KEY }, activeKey: 'k' });
    const tally = new RedactionTally(NAMES);
    const make = (action: TextAction) =>
      new StringScanner({
        builtIn: [undefined, action],
        patterns: [],
        hasher,
        maxStringChars: 1024,
        tally,
        firstName: 0,
        cutName: 8,
        errorName: 9,
        onError: () => undefined,
      });
    expect(
      make({ kind: 'mask', keepLastChars: 4, maskChar: '*' }).scan('４１１１１１１１１１１１１１１１'),
    ).toBe('************１１１１');
    const hash = make({ kind: 'hash' });
    expect(hash.scan('４１１１１１１１１１１１１１１１')).toBe(hash.scan('4111111111111111'));
  });

  it('finds percent-encoded e-mail addresses (%40 for @), replacing the encoded text', () => {
    const { scan } = scanner({});
    expect(scan.scan('jane%40example.org')).toBe('[email]');
    expect(scan.scan('/unsubscribe?user=jane%40example.org&x=1')).toBe('/unsubscribe?user=[email]&x=1');
    expect(scan.scan('100%40 off')).toBe('100%40 off');
  });
});
