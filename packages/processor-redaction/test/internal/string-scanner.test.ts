import { describe, expect, it } from 'vitest';
import { RedactionTally } from '../../src/internal/redaction-tally.ts';
import {
  BUILT_IN_COUNT,
  ERROR_MARKER,
  StringScanner,
  type UserPattern,
} from '../../src/internal/string-scanner.ts';
import type { TextAction } from '../../src/internal/text-actions.ts';

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

  it('runs user patterns on the cut string only', () => {
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
    expect(longest).toBe(2000);
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
});
