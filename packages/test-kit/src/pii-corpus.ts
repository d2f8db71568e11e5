import { type Random, seededRandom } from './seeded-random.ts';
/**
 * Personal data the redaction detectors must find, in varied formats, and near-misses they must
 * leave alone. Numbers (cards, IBANs) are generated with valid check digits; near-miss card numbers
 * are the same numbers with a wrong check digit. One seeded generator makes the whole corpus, so
 * every test that reads it (the redaction package's, the exporters' leak test) sees the same values.
 */

export type PiiKind = 'email' | 'phone' | 'card' | 'ssn' | 'iban' | 'ipv4' | 'ipv6' | 'employee_id';

export interface PiiValue {
  readonly kind: PiiKind;
  /** The value as placed in a record: a string, or a number for cards stored as JSON numbers. */
  readonly value: string | number;
}

const CORPUS_SEED = 20260131;

const digit = (random: Random) => Math.floor(random() * 10);
const digits = (random: Random, n: number) => Array.from({ length: n }, () => digit(random)).join('');

/** The digit that makes `payload` followed by it pass the Luhn check. */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** A Luhn-valid number of `length` digits starting with `prefix`. */
export function cardNumber(prefix: string, length: number, random: Random): string {
  const payload = prefix + digits(random, length - prefix.length - 1);
  return payload + luhnCheckDigit(payload);
}

/** The same number with a wrong check digit. */
function breakLuhn(card: string, random: Random): string {
  const last = Number(card[card.length - 1]);
  return card.slice(0, -1) + ((last + 1 + Math.floor(random() * 8)) % 10);
}

function group(text: string, sizes: readonly number[], separator: string): string {
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    parts.push(text.slice(at, at + size));
    at += size;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts.join(separator);
}

function ibanCheck(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`.toUpperCase();
  let remainder = 0;
  for (const c of rearranged) {
    const v = c >= 'A' && c <= 'Z' ? c.charCodeAt(0) - 55 : Number(c);
    remainder = v < 10 ? (remainder * 10 + v) % 97 : (remainder * 100 + v) % 97;
  }
  return String(98 - remainder).padStart(2, '0');
}

function iban(country: string, bban: string): string {
  return `${country}${ibanCheck(country, bban)}${bban}`;
}

/** IBAN layouts: country and a BBAN template (9 = digit, A = letter, X = either). */
const IBAN_LAYOUTS: ReadonlyArray<readonly [string, string]> = [
  ['DE', '999999999999999999'],
  ['GB', 'AAAA99999999999999'],
  ['FR', '9999999999XXXXXXXXXXX99'],
  ['NL', 'AAAA9999999999'],
  ['ES', '99999999999999999999'],
  ['IT', 'A9999999999XXXXXXXXXXXX'],
  ['CH', '99999XXXXXXXXXXXX'],
  ['AT', '9999999999999999'],
  ['BE', '999999999999'],
  ['PL', '999999999999999999999999'],
  ['SE', '99999999999999999999'],
  ['NO', '99999999999'],
  ['DK', '99999999999999'],
  ['FI', '99999999999999'],
  ['IE', 'AAAA99999999999999'],
  ['PT', '999999999999999999999'],
  ['LU', '999XXXXXXXXXXXXX'],
  ['GR', '9999999XXXXXXXXXXXXXXXX'],
  ['CZ', '99999999999999999999'],
  ['HU', '999999999999999999999999'],
  ['RO', 'AAAAXXXXXXXXXXXXXXXX'],
  ['SK', '99999999999999999999'],
  ['SI', '999999999999999'],
  ['HR', '99999999999999999'],
  ['LT', '9999999999999999'],
];

function fill(template: string, random: Random): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let out = '';
  for (const c of template) {
    if (c === '9') out += String(digit(random));
    else if (c === 'A') out += letters[Math.floor(random() * 26)];
    else out += random() < 0.5 ? String(digit(random)) : letters[Math.floor(random() * 26)];
  }
  return out;
}

const FIRST = ['anna', 'lukas', 'marie', 'jonas', 'sofia', 'elias', 'lea', 'noah', 'emma', 'paul'];
const LAST = ['schmidt', 'dubois', 'jansen', 'rossi', 'garcia', 'smith', 'meier', 'berg', 'nowak', 'silva'];
const DOMAINS = ['example.com', 'mail.example.org', 'example.net', 'corp.example.co.uk', 'example.de'];

function emails(random: Random): string[] {
  const fixed = [
    'ann.lee@example.org',
    'J.Doe+newsletter@mail.example.co.uk',
    "o'brien@example.ie",
    'x_y-z%1@sub.domain.example.com',
    'UPPER.CASE@EXAMPLE.COM',
    'josé.garcía@correo.example.es',
    'user@xn--mnchen-3ya.de',
    '12345@example.net',
    'a@b.io',
    'first.last@example.museum',
  ];
  const generated = Array.from(
    { length: 30 },
    (_, i) =>
      `${FIRST[i % FIRST.length]}${i % 3 === 0 ? '.' : i % 3 === 1 ? '_' : ''}${LAST[(i * 7) % LAST.length]}${i % 2 ? Math.floor(random() * 1000) : ''}@${DOMAINS[i % DOMAINS.length]}`,
  );
  return [...fixed, ...generated];
}

function phones(random: Random): string[] {
  const nanp = () => `${2 + Math.floor(random() * 8)}${digits(random, 2)}`;
  const generated: string[] = [];
  for (let i = 0; i < 8; i++) {
    const area = nanp();
    const exchange = nanp();
    const line = digits(random, 4);
    generated.push(
      [
        `(${area}) ${exchange}-${line}`,
        `${area}-${exchange}-${line}`,
        `${area}.${exchange}.${line}`,
        `+1${area}${exchange}${line}`,
      ][i % 4] as string,
    );
  }
  return [
    '+14155552671',
    '+442079460958',
    '+4930123456789',
    '+33612345678',
    '+44 20 7946 0958',
    '+1 (415) 555-2671',
    '+49 30 1234567',
    '+33 6 12 34 56 78',
    '+81 3-1234-5678',
    '+61 2 9374 4000',
    '+34 912 345 678',
    '+39 06 1234 5678',
    '0049 30 1234567',
    '0044 20 7946 0958',
    '(415) 555-2671',
    '415-555-2671',
    '415.555.2671',
    '415 555 2671',
    '1-800-555-0199',
    '030 1234567',
    '0151 12345678',
    '020 7946 0958',
    '07700 900123',
    '01 23 45 67 89',
    '06 12 34 56 78',
    '030/1234567',
    '0612-345678',
    '089 12345678',
    '0221 9876543',
    '+91 98765 43210',
    '+55 11 91234-5678',
    '+86 138 0013 8000',
    ...generated,
  ];
}

function cards(random: Random): PiiValue[] {
  const layouts: ReadonlyArray<readonly [string, number]> = [
    ['4', 16],
    ['4', 13],
    ['4', 19],
    ['51', 16],
    ['53', 16],
    ['55', 16],
    ['2221', 16],
    ['2720', 16],
    ['34', 15],
    ['37', 15],
    ['6011', 16],
    ['65', 16],
    ['3528', 16],
    ['3589', 16],
    ['36', 14],
    ['300', 14],
    ['62', 16],
    ['62', 19],
    ['50', 16],
    ['56', 18],
    ['2200', 16],
    ['6759', 16],
  ];
  const out: PiiValue[] = [];
  layouts.forEach(([prefix, length], i) => {
    const n = cardNumber(prefix, length, random);
    const format = i % 4;
    const value =
      format === 0
        ? n
        : format === 1
          ? group(n, length === 15 ? [4, 6, 5] : [4, 4, 4, 4], ' ')
          : format === 2
            ? group(n, [4, 4, 4, 4], '-')
            : n;
    out.push({ kind: 'card', value });
  });
  // Card numbers stored as JSON numbers (all below 2^53, so the value is exact).
  for (const prefix of ['4', '51', '37', '6011', '35', '4', '55', '2221', '36', '4']) {
    const length = prefix === '37' ? 15 : prefix === '36' ? 14 : 16;
    let n = cardNumber(prefix === '35' ? '3530' : prefix, length, random);
    while (Number(n) > Number.MAX_SAFE_INTEGER) n = cardNumber(prefix, length, random);
    out.push({ kind: 'card', value: Number(n) });
  }
  // And as strings of a JSON number.
  for (let i = 0; i < 8; i++)
    out.push({ kind: 'card', value: cardNumber(i % 2 ? '4' : '5' + (1 + (i % 5)), 16, random) });
  return out;
}

function ssns(random: Random): string[] {
  const out: string[] = [];
  for (let i = 0; i < 25; i++) {
    let area = 1 + Math.floor(random() * 898);
    if (area === 666) area = 667;
    const groupNumber = 1 + Math.floor(random() * 99);
    const serial = 1 + Math.floor(random() * 9999);
    const parts = [
      String(area).padStart(3, '0'),
      String(groupNumber).padStart(2, '0'),
      String(serial).padStart(4, '0'),
    ];
    out.push(parts.join(i % 3 === 2 ? ' ' : '-'));
  }
  return out;
}

function ibans(random: Random): string[] {
  return IBAN_LAYOUTS.map(([country, template], i) => {
    const value = iban(country, fill(template, random));
    if (i % 3 === 0) return value;
    if (i % 3 === 1) return value.replace(/(.{4})/g, '$1 ').trim();
    return value.toLowerCase();
  });
}

function ipv4s(random: Random): string[] {
  const out = ['192.168.1.20', '10.0.0.1', '172.16.254.3', '8.8.8.8', '203.0.113.195', '255.255.255.255'];
  for (let i = 0; i < 9; i++) out.push(Array.from({ length: 4 }, () => Math.floor(random() * 256)).join('.'));
  return out;
}

const IPV6S = [
  '2001:db8:85a3::8a2e:370:7334',
  '2001:0db8:0000:0000:0000:ff00:0042:8329',
  'fe80::1ff:fe23:4567:890a',
  '2001:db8::1',
  '::ffff:192.0.2.128',
  '2606:4700:4700::1111',
  '2a00:1450:4001:82a::200e',
  'FE80:0000:0000:0000:0202:B3FF:FE1E:8329',
  '2001:db8:0:0:1:0:0:1',
  'fd12:3456:789a:1::1',
  '2001:db8:a0b:12f0::1',
  '::1',
  '2001:db8:1234:ffff:ffff:ffff:ffff:ffff',
  '64:ff9b::192.0.2.33',
  '2001:db8:3333:4444:5555:6666:7777:8888',
];

function nearMissValues(random: Random): Array<string | number> {
  const luhnFails: Array<string | number> = [];
  for (const [prefix, length] of [
    ['4', 16],
    ['51', 16],
    ['37', 15],
    ['6011', 16],
    ['3530', 16],
    ['2221', 16],
    ['62', 19],
    ['36', 14],
  ] as const) {
    const bad = breakLuhn(cardNumber(prefix, length, random), random);
    luhnFails.push(bad, group(bad, [4, 4, 4, 4], ' '));
  }
  luhnFails.push(
    Number(breakLuhn(cardNumber('4', 16, random), random)),
    Number(breakLuhn(cardNumber('55', 16, random), random)),
  );
  return [
    ...luhnFails,
    // Numbers of card length outside every card network's range.
    '1234567890123456',
    '9876543210987654',
    '7000000000000000',
    '0000 0000 0000 0000',
    '1111-2222-3333-4444',
    // Order and invoice ids, SKUs, internal ids.
    'ORD-2024-000123',
    'INV-88231-A',
    'PO#4512-99',
    'sku-12345-xl',
    'cust_000042',
    'tx_9f8e7d6c',
    'A1B2-C3D4-E5F6',
    'TICKET-55123',
    'batch/2024/03/17/0042',
    'ref 00123 45678',
    // Timestamps and dates.
    '2024-01-15T10:30:00Z',
    '2024-01-15T10:30:00.123+01:00',
    '2024-01-15 10:30:00',
    '15/01/2024',
    '01-02-2024',
    '05-01-2024 10:30',
    '2024.01.15',
    '20240115103000',
    '1700000000000',
    '1700000000',
    1700000000000,
    1700000000,
    '10:30:00',
    '12:34:56.789',
    'Mon, 15 Jan 2024 10:30:00 GMT',
    // Version strings.
    '1.2.3',
    'v2.10.4',
    '1.0.0-beta.1',
    'v1.2.3.4',
    '1.2.3.4.5',
    'node-v24.1.0',
    'release 3.12.1 (build 4471)',
    // Identifiers and hashes.
    '550e8400-e29b-41d4-a716-446655440000',
    '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    'sha256:e3b0c44298fc1c149afbf4c8996fb924',
    'dev-fdb7dced',
    'fraud-service-7f9c6d5b8-x2k4p',
    // Amounts and measures.
    '1,234.56',
    '$1,234,567.89',
    '12345.67',
    '0.000123',
    '3.14159',
    98.6,
    1234567.891,
    '-42',
    // Invalid SSNs (area 000, 666, 9xx; group 00; serial 0000).
    '000-12-3456',
    '666-12-3456',
    '912-34-5678',
    '123-00-4567',
    '123-45-0000',
    // IBANs with a wrong check sum or an unknown country.
    'DE89 3704 0044 0532 0130 01',
    'GB82WEST12345698765433',
    'XX89370400440532013000',
    'FR7630006000011234567890188',
    // Not IP addresses.
    '256.1.1.1',
    '1.2.3',
    '192.168.1.300',
    'std::vector<int>',
    'Foo::Bar::baz',
    '00:1A:2B:3C:4D:5E',
    'a:b:c',
    // Not phone numbers.
    '123-456-7890',
    '555-123-4567',
    '12345',
    '+1',
    'x1234567',
    '0.5',
    '(0) 123',
    '+0 123 456 789',
    // Not e-mail addresses.
    '@username',
    'user@localhost',
    'foo@bar',
    'a@b.c',
    'name(at)example(dot)com',
    'mailto:',
    'email@123.456',
    // Words and text.
    'fraud-detector',
    'merchant_category',
    'The quick brown fox jumps over the lazy dog',
    'Error: connection refused (code 111)',
    'page 12 of 34',
    'EUR',
    'DE12',
    'AB12CD34',
    'chip',
    'contactless',
  ];
}

interface GeneratedCorpus {
  readonly values: readonly PiiValue[];
  readonly nearMisses: ReadonlyArray<string | number>;
}

let generated: GeneratedCorpus | undefined;

/** The corpus and its near-misses, made once: both come from one random stream, in this order. */
function generatedCorpus(): GeneratedCorpus {
  if (generated) return generated;
  const random = seededRandom(CORPUS_SEED);
  const employeeIds = Array.from({ length: 10 }, () => `EMP-${digits(random, 6)}`);
  const values: PiiValue[] = [
    ...emails(random).map((value) => ({ kind: 'email' as const, value })),
    ...phones(random).map((value) => ({ kind: 'phone' as const, value })),
    ...cards(random),
    ...ssns(random).map((value) => ({ kind: 'ssn' as const, value })),
    ...ibans(random).map((value) => ({ kind: 'iban' as const, value })),
    ...ipv4s(random).map((value) => ({ kind: 'ipv4' as const, value })),
    ...IPV6S.map((value) => ({ kind: 'ipv6' as const, value })),
    ...employeeIds.map((value) => ({ kind: 'employee_id' as const, value })),
  ];
  generated = {
    values: Object.freeze(values.map((pii) => Object.freeze(pii))),
    nearMisses: Object.freeze(nearMissValues(random)),
  };
  return generated;
}

/** At least 200 personal-data values of every kind; the same values on every call and every run. */
export function piiCorpus(): readonly PiiValue[] {
  return generatedCorpus().values;
}

/** Values that look a little like personal data but are not; none may be changed. */
export function nearMisses(): ReadonlyArray<string | number> {
  return generatedCorpus().nearMisses;
}
