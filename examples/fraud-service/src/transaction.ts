import { isValidCardNumber } from './card-number.ts';
import { countryByCode, EUR_RATES } from './countries.ts';
import { MERCHANT_RISK } from './merchant-categories.ts';

export const ENTRY_MODES = ['chip', 'contactless', 'swipe', 'manual', 'ecommerce'] as const;
export type EntryMode = (typeof ENTRY_MODES)[number];

/**
 * The authorisation request as the payment gateway sends it: what `POST /predict` accepts and
 * what predlog logs as `raw_input`. It holds personal data (e-mail, card number, IP address) on
 * purpose; the model never sees those values, only features derived from them.
 */
export interface RawTransaction {
  /** In `currency`, greater than 0. */
  amount: number;
  /** ISO 4217 code, one of the currencies in `EUR_RATES`. */
  currency: string;
  /** One of `MERCHANT_CATEGORIES`. */
  merchant_category: string;
  /** ISO 3166 alpha-2 code, one of `COUNTRIES`. */
  merchant_country: string;
  entry_mode: EntryMode;
  /** ISO 8601 time of the authorisation request. */
  timestamp: string;
  /** The e-mail given at checkout, or the account's for card-present payments. */
  customer_email: string;
  /** Primary account number, 12–19 digits, Luhn-valid. */
  card_number: string;
  /** Device fingerprint of the wallet or browser; null when no device is involved (plain chip, swipe). */
  device_id: string | null;
  /** IPv4 address of the buyer; null for card-present payments. */
  ip_address: string | null;
}

export const RAW_FIELDS = [
  'amount',
  'currency',
  'merchant_category',
  'merchant_country',
  'entry_mode',
  'timestamp',
  'customer_email',
  'card_number',
  'device_id',
  'ip_address',
] as const satisfies ReadonlyArray<keyof RawTransaction>;

export interface ValidationIssue {
  readonly field: string;
  /** States the rule; never echoes the value, which may be personal data. */
  readonly message: string;
}

/** A request body that is not a valid transaction. The message names fields, never values. */
export class InvalidTransactionError extends Error {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super(`invalid transaction: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`);
    this.name = 'InvalidTransactionError';
    this.issues = issues;
  }
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,}$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const DEVICE_ID = /^[A-Za-z0-9_-]{4,128}$/;
const knownFields = new Set<string>(RAW_FIELDS);

function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Per field: the check and the rule it states when it fails. */
const FIELD_RULES: Readonly<Record<keyof RawTransaction, readonly [(value: unknown) => boolean, string]>> = {
  amount: [
    (v) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 1_000_000,
    'must be a number greater than 0 and at most 1000000',
  ],
  currency: [(v) => typeof v === 'string' && EUR_RATES[v] !== undefined, 'must be a supported ISO 4217 code'],
  merchant_category: [
    (v) => typeof v === 'string' && MERCHANT_RISK[v] !== undefined,
    'must be a known merchant category',
  ],
  merchant_country: [
    (v) => typeof v === 'string' && countryByCode(v) !== undefined,
    'must be a supported ISO 3166 alpha-2 code',
  ],
  entry_mode: [
    (v) => typeof v === 'string' && (ENTRY_MODES as readonly string[]).includes(v),
    `must be one of ${ENTRY_MODES.join(', ')}`,
  ],
  timestamp: [
    (v) => typeof v === 'string' && ISO_TIMESTAMP.test(v) && !Number.isNaN(Date.parse(v)),
    'must be an ISO 8601 timestamp with a zone',
  ],
  customer_email: [(v) => typeof v === 'string' && EMAIL.test(v), 'must be an e-mail address'],
  card_number: [
    (v) => typeof v === 'string' && isValidCardNumber(v),
    'must be 12 to 19 digits passing the Luhn check',
  ],
  device_id: [
    (v) => v === null || (typeof v === 'string' && DEVICE_ID.test(v)),
    'must be null or 4 to 128 characters of [A-Za-z0-9_-]',
  ],
  ip_address: [(v) => v === null || (typeof v === 'string' && isIpv4(v)), 'must be null or an IPv4 address'],
};

/** Checks a parsed JSON body; returns the transaction or throws `InvalidTransactionError` naming every bad field. */
export function parseTransaction(body: unknown): RawTransaction {
  if (!isRecord(body)) throw new InvalidTransactionError([{ field: '$', message: 'must be a JSON object' }]);
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(body)) {
    if (!knownFields.has(key)) issues.push({ field: key, message: 'is not a known field' });
  }
  for (const field of RAW_FIELDS) {
    const [check, rule] = FIELD_RULES[field];
    if (body[field] === undefined) issues.push({ field, message: 'is required' });
    else if (!check(body[field])) issues.push({ field, message: rule });
  }
  if (issues.length > 0) throw new InvalidTransactionError(issues);
  // A copy in field order: a later change to the parsed body cannot change what was scored.
  const transaction: Record<string, unknown> = {};
  for (const field of RAW_FIELDS) transaction[field] = body[field];
  return transaction as unknown as RawTransaction;
}
