import { describe, expect, it } from 'vitest';
import { detectCard } from '../../src/internal/detect-card.ts';
import { detectEmail } from '../../src/internal/detect-email.ts';
import { detectIban } from '../../src/internal/detect-iban.ts';
import { detectIpv4, detectIpv6 } from '../../src/internal/detect-ip.ts';
import { detectPhone } from '../../src/internal/detect-phone.ts';
import { detectSsn } from '../../src/internal/detect-ssn.ts';
import { MatchRanges } from '../../src/internal/match-ranges.ts';
import { PATTERN_CONTEXT, PATTERN_WINDOW } from '../../src/internal/pattern-runner.ts';
import { RedactionTally } from '../../src/internal/redaction-tally.ts';
import { BUILT_IN_COUNT, StringScanner } from '../../src/internal/string-scanner.ts';
import type { TextAction } from '../../src/internal/text-actions.ts';
import { CountingText, ReadCounter } from '../support/counting-text.ts';
import type { Detect } from '../support/detector-matches.ts';

/**
 * Linearity without a clock: the work of a scan is the number of characters it reads (see
 * CountingText), measured at n and 2n repetitions of each adversarial unit. Linear code reads a
 * bounded number of characters per input character and doubles its reads when the input doubles;
 * the quadratic e-mail detector read 2^16 times more at 128 Ki repetitions of `a@` than at one.
 */
const REPEATS = 64 * 1024; // and twice that: 128 Ki repetitions
/** The whole scanner reads every input through two passes and seven detectors: a smaller n. */
const SCANNER_REPEATS = 16 * 1024;

/** Units repeated to build the adversarial strings (and one mix of all of them). */
const UNITS = [
  'a@',
  'é@',
  'a@a.',
  '1 ',
  '1-',
  '4111 ',
  '4111-',
  '1 1-',
  'DE89',
  'DE89 ',
  '+1 (',
  '00 1 ',
  '0 ',
  '012 ',
  '+1 1 ',
  'a.',
  '1.',
  '1.1.1.1 ',
  '1:',
  '::1 ',
  'a:',
  '123-45-',
  '4.1111111111111e15 ',
  '１ ',
  'ａ＠',
  'a%40',
] as const;

function adversarial(unit: string, repeats: number): string {
  return unit.repeat(repeats);
}

/** The mix: every unit in turn, repeated to about the same length. */
function mix(repeats: number): string {
  const all = UNITS.join('');
  return all.repeat(Math.ceil((repeats * 3) / all.length));
}

/** `DE` then digits, and other one-prefix runs that are not a repetition. */
const RUNS: ReadonlyArray<[string, (n: number) => string]> = [
  ['DE + digits', (n) => `DE${'8'.repeat(2 * n)}`],
  ['+ + digits', (n) => `+${'1'.repeat(2 * n)}`],
  ['digits', (n) => '4'.repeat(2 * n)],
];

/** Every adversarial input, by label, built for a number of repetitions. */
const INPUTS: ReadonlyArray<[string, (n: number) => string]> = [
  ...UNITS.map((unit): [string, (n: number) => string] => [unit, (n) => adversarial(unit, n)]),
  ...RUNS,
  ['mix', mix],
];

const DETECTORS: ReadonlyArray<[string, Detect]> = [
  ['email', detectEmail],
  ['card', detectCard],
  ['iban', detectIban],
  ['ssn', detectSsn],
  ['phone', detectPhone],
  ['ipv6', detectIpv6],
  ['ipv4', detectIpv4],
];

function detectorReads(detect: Detect, text: string): number {
  const counting = new CountingText(text);
  detect(counting as unknown as string, text.length, new MatchRanges(), 0);
  return counting.reads;
}

/** Reads at n and 2n stay within `perChar` per input character and double (not quadruple). */
function expectLinear(
  label: string,
  at: (repeats: number) => { reads: number; chars: number },
  perChar: number,
  repeats = REPEATS,
) {
  const small = at(repeats);
  const large = at(2 * repeats);
  expect(large.reads / large.chars, `${label}: reads per character`).toBeLessThanOrEqual(perChar);
  // Linear work doubles with the input (a little slack for constant terms); quadratic work quadruples.
  expect(large.reads, `${label}: reads at 2n over reads at n`).toBeLessThanOrEqual(2.2 * small.reads + 64);
}

describe('every detector reads a bounded number of characters per input character', () => {
  for (const [name, detect] of DETECTORS) {
    it(`${name}: on every adversarial unit repeated 128 Ki times, and their mix`, () => {
      for (const [label, build] of INPUTS) {
        expectLinear(
          `${name} on ${JSON.stringify(label)}`,
          (n) => {
            const text = build(n);
            return { reads: detectorReads(detect, text), chars: text.length };
          },
          // The heaviest: an IBAN candidate every 5 characters reads up to its country's length.
          12,
        );
      }
    });
  }
});

describe('the scanner with every detector and a user pattern on', () => {
  it('reads a bounded number of characters per input character on every adversarial input', () => {
    const names = ['email', 'card', 'iban', 'ssn', 'phone', 'ipv6', 'ipv4', 'ticket', 'cut', 'error'];
    const counter = new ReadCounter();
    const replace = (name: string): TextAction => ({ kind: 'replace', with: `[${name}]` });
    const scanner = new StringScanner({
      builtIn: names.slice(0, BUILT_IN_COUNT).map(replace),
      patterns: [{ regex: /T-\d{4,8}/g, action: replace('ticket') }],
      hasher: undefined,
      maxStringChars: 1 << 22,
      tally: new RedactionTally(names),
      firstName: 0,
      cutName: 8,
      errorName: 9,
      onError: () => undefined,
      instrument: counter.instrument,
    });
    for (const [label, build] of INPUTS) {
      expectLinear(
        `scanner on ${JSON.stringify(label)}`,
        (n) => {
          const text = build(n);
          counter.take();
          scanner.scan(text);
          scanner.scanTruncated(text, text.length - 7);
          const reads = counter.take();
          // The hook saw the text: a scan that read nothing would pass any bound.
          expect(reads).toBeGreaterThan(2 * text.length);
          return { reads, chars: 2 * text.length };
        },
        40,
        SCANNER_REPEATS,
      );
    }
  });

  it('hands a user pattern bounded windows whose lengths add up to a few times the input', () => {
    const counts = (n: number) => {
      let longest = 0;
      let total = 0;
      const regex = /\d+x/g;
      const exec = regex.exec.bind(regex);
      regex.exec = (subject: string) => {
        longest = Math.max(longest, subject.length);
        total += subject.length;
        return exec(subject);
      };
      const scanner = new StringScanner({
        builtIn: [],
        patterns: [{ regex, action: { kind: 'drop' } }],
        hasher: undefined,
        maxStringChars: 1 << 22,
        tally: new RedactionTally(['p', 'cut', 'error']),
        firstName: 0,
        cutName: 1,
        errorName: 2,
        onError: () => undefined,
      });
      // `\d+x` over digits with no x: a global exec over the whole string tries every start against
      // the rest of it, n²/2 steps.
      scanner.scan('1'.repeat(n));
      return { longest, total };
    };
    const small = counts(2 * REPEATS);
    const large = counts(4 * REPEATS);
    expect(large.longest).toBe(2 * PATTERN_WINDOW + PATTERN_CONTEXT);
    expect(large.total).toBeLessThanOrEqual(2.2 * 4 * REPEATS);
    expect(large.total).toBeLessThanOrEqual(2.2 * small.total);
  });
});

describe('MatchRanges.resolve', () => {
  /** Counts every read and write of the parallel arrays and the merge's buffers. */
  function countingRanges(): { ranges: MatchRanges; steps: () => number } {
    const ranges = new MatchRanges();
    let steps = 0;
    const handler: ProxyHandler<number[]> = {
      get(target, key, receiver) {
        if (typeof key === 'string' && key !== 'length') steps++;
        return Reflect.get(target, key, receiver);
      },
      set(target, key, value, receiver) {
        steps++;
        return Reflect.set(target, key, value, receiver);
      },
    };
    ranges.starts = new Proxy<number[]>([], handler);
    ranges.ends = new Proxy<number[]>([], handler);
    ranges.detectors = new Proxy<number[]>([], handler);
    ranges.scratchStarts = new Proxy<number[]>([], handler);
    ranges.scratchEnds = new Proxy<number[]>([], handler);
    ranges.scratchDetectors = new Proxy<number[]>([], handler);
    return { ranges, steps: () => steps };
  }

  it('merges two detectors’ interleaved matches in linear steps, not quadratic', () => {
    const at = (k: number) => {
      const { ranges, steps } = countingRanges();
      // Detector 0 matched every even slot, then detector 1 every odd one: two ascending runs.
      for (let i = 0; i < k; i++) ranges.add(4 * i, 4 * i + 2, 0);
      for (let i = 0; i < k; i++) ranges.add(4 * i + 2, 4 * i + 4, 1);
      const before = steps();
      ranges.resolve();
      expect(ranges.length).toBe(2 * k);
      expect(ranges.starts[2 * k - 1]).toBe(4 * k - 2);
      return steps() - before;
    };
    const small = at(4096);
    const large = at(8192);
    expect(large).toBeLessThanOrEqual(2.2 * small);
    expect(large / (2 * 8192)).toBeLessThanOrEqual(40);
  });
});
