/**
 * Synthetic card-fraud data: a month of authorisation requests from the shared customer base, with
 * fraud drawn from a latent process of episodes (stolen card details used online, skimmed cards
 * used abroad, "friendly" fraud that looks like the customer). Everything is drawn from a seeded
 * PRNG, so a seed names a data set.
 *
 *   node scripts/generate-data.ts --rows 1000 --seed 7 > transactions.ndjson
 */
import { parseArgs } from 'node:util';
import { COUNTRIES, type Country, countryByCode, EUR_RATES } from '../src/countries.ts';
import {
  CUSTOMER_SEED,
  type CustomerProfile,
  generateCustomerProfiles,
  newDeviceId,
  newEmail,
} from '../src/customer-profiles.ts';
import { FeatureStore } from '../src/feature-store.ts';
import { computeFeatures, type FeatureVector } from '../src/features.ts';
import { categoriesInTier, type MerchantRiskTier } from '../src/merchant-categories.ts';
import { SeededRandom } from '../src/seeded-random.ts';
import type { EntryMode, RawTransaction } from '../src/transaction.ts';

export type Scenario =
  | 'legit'
  | 'legit_travel'
  | 'card_not_present_fraud'
  | 'skimmed_card_fraud'
  | 'friendly_fraud'
  | 'blatant_fraud';

export interface LabelledTransaction {
  readonly transaction: RawTransaction;
  readonly isFraud: boolean;
  /** The latent cause, which the model never sees; kept for analysis. */
  readonly scenario: Scenario;
}

export interface GenerateOptions {
  readonly seed: number;
  readonly rows: number;
  /** First instant of the simulated period; defaults to 2025-01-06T00:00:00Z. */
  readonly startMs?: number;
  readonly days?: number;
  /** Share of fraudulent transactions. */
  readonly fraudRate?: number;
  readonly profiles?: readonly CustomerProfile[];
}

export const DEFAULT_START_MS = Date.UTC(2025, 0, 6);
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** How a customer behaves; latent, so it is not part of the profile the feature store serves. */
interface Behaviour {
  readonly activity: number;
  readonly ecommerceShare: number;
}

interface Draft {
  readonly atMs: number;
  readonly transaction: Omit<RawTransaction, 'timestamp'>;
  readonly isFraud: boolean;
  readonly scenario: Scenario;
}

const LEGIT_CATEGORY_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['grocery', 25],
  ['restaurants', 15],
  ['fuel', 9],
  ['transport', 8],
  ['pharmacy', 5],
  ['clothing', 10],
  ['travel', 4],
  ['digital_goods', 8],
  ['jewelry', 1],
  ['electronics', 6],
  ['gift_cards', 2],
  ['gambling', 2],
  ['crypto', 1],
];

/** Typical ticket size of a category relative to the customer's average spend. */
const CATEGORY_AMOUNT_FACTOR: Readonly<Record<string, number>> = {
  grocery: 1,
  restaurants: 0.8,
  fuel: 1.1,
  transport: 0.4,
  pharmacy: 0.6,
  clothing: 1.5,
  travel: 4,
  digital_goods: 0.4,
  jewelry: 4,
  electronics: 3,
  gift_cards: 1.5,
  gambling: 1,
  crypto: 2,
};

/** Relative likelihood of a legitimate purchase at each local hour, 0–23. */
const LEGIT_HOUR_WEIGHTS: ReadonlyArray<readonly [number, number]> = Array.from({ length: 24 }, (_, hour) => [
  hour,
  hour < 6 ? 0.15 : hour < 9 ? 0.6 : hour < 22 ? 1 : 0.5,
]);

function otherCountry(random: SeededRandom, code: string): Country {
  let country = random.pick(COUNTRIES);
  while (country.code === code) country = random.pick(COUNTRIES);
  return country;
}

function ipIn(random: SeededRandom, country: Country): string {
  return `${random.pick(country.ipFirstOctets)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
}

function knownDevice(random: SeededRandom, profile: CustomerProfile): string {
  return random.pick([...profile.knownDevices.keys()]);
}

function homeOf(profile: CustomerProfile): Country {
  const home = countryByCode(profile.homeCountry);
  if (home === undefined) throw new Error('profile with an unknown home country');
  return home;
}

/** Amount in the transaction currency; `roundProbability` models people (and fraudsters) typing round sums. */
function amountIn(
  random: SeededRandom,
  amountEur: number,
  currency: string,
  roundProbability: number,
): number {
  const local = amountEur * (EUR_RATES[currency] ?? 1);
  if (local >= 40 && random.chance(roundProbability)) return Math.max(50, Math.round(local / 50) * 50);
  const decimals = currency === 'JPY' ? 0 : 2;
  return Math.max(0.01, Math.round(local * 10 ** decimals) / 10 ** decimals);
}

/** `2025-01-06T21:14:05+01:00`: the time as the merchant's terminal reports it. */
export function formatLocalTimestamp(atMs: number, utcOffsetMinutes: number): string {
  const local = new Date(atMs + utcOffsetMinutes * MINUTE_MS).toISOString().slice(0, 19);
  const sign = utcOffsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(utcOffsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

/** An instant on `day` at `localHour` in `country`, with a random minute. */
function instantAt(
  random: SeededRandom,
  startMs: number,
  day: number,
  localHour: number,
  country: Country,
): number {
  return (
    startMs +
    day * DAY_MS +
    (localHour * 60 + random.int(0, 59)) * MINUTE_MS -
    country.utcOffsetMinutes * MINUTE_MS
  );
}

function legitTransaction(
  random: SeededRandom,
  profile: CustomerProfile,
  behaviour: Behaviour,
  travelCountry: Country | undefined,
): Omit<RawTransaction, 'timestamp'> {
  const home = homeOf(profile);
  const category = random.weighted(LEGIT_CATEGORY_WEIGHTS);
  const entryMode: EntryMode = random.chance(behaviour.ecommerceShare)
    ? 'ecommerce'
    : random.weighted<EntryMode>([
        ['contactless', 0.55],
        ['chip', 0.33],
        ['swipe', 0.06],
        ['manual', 0.06],
      ]);
  let merchantCountry = travelCountry ?? home;
  let deviceId: string | null = null;
  let ipAddress: string | null = null;
  let email = profile.email;
  if (entryMode === 'ecommerce') {
    merchantCountry = random.chance(0.15) ? otherCountry(random, home.code) : home;
    // Abroad the buyer's IP is abroad too; at home a few use a VPN.
    const ipCountry = travelCountry ?? (random.chance(0.05) ? otherCountry(random, home.code) : home);
    ipAddress = ipIn(random, ipCountry);
    deviceId = random.chance(0.93) ? knownDevice(random, profile) : newDeviceId(random);
    if (random.chance(0.03)) email = newEmail(random);
  } else if (entryMode === 'contactless' && random.chance(0.5)) {
    deviceId = knownDevice(random, profile);
  }
  const currency = merchantCountry.currency;
  const amountEur = random.logNormal(profile.avgAmount30dEur * (CATEGORY_AMOUNT_FACTOR[category] ?? 1), 0.75);
  return {
    amount: amountIn(random, amountEur, currency, category === 'fuel' ? 0.15 : 0.05),
    currency,
    merchant_category: category,
    merchant_country: merchantCountry.code,
    entry_mode: entryMode,
    customer_email: email,
    card_number: profile.cardNumber,
    device_id: deviceId,
    ip_address: ipAddress,
  };
}

function cardNotPresentFraud(
  random: SeededRandom,
  profile: CustomerProfile,
  isFirst: boolean,
): Omit<RawTransaction, 'timestamp'> {
  const home = homeOf(profile);
  const entryMode: EntryMode = random.chance(0.85) ? 'ecommerce' : 'manual';
  const tier = random.weighted<MerchantRiskTier>([
    ['high', 0.55],
    ['medium', 0.3],
    ['low', 0.15],
  ]);
  const merchantCountry = random.chance(0.45) ? home : otherCountry(random, home.code);
  const online = entryMode === 'ecommerce';
  const currency = online && random.chance(0.4) ? random.pick(['EUR', 'USD']) : merchantCountry.currency;
  // Fraudsters often probe a stolen card with a tiny purchase before the real one.
  const amountEur =
    isFirst && random.chance(0.2)
      ? random.uniform(1, 5)
      : random.logNormal(Math.max(profile.avgAmount30dEur * 2.5, 80), 0.8);
  return {
    amount: amountIn(random, amountEur, currency, 0.35),
    currency,
    merchant_category: random.pick(categoriesInTier(tier)),
    merchant_country: merchantCountry.code,
    entry_mode: entryMode,
    customer_email: random.chance(0.7) ? newEmail(random) : profile.email,
    card_number: profile.cardNumber,
    device_id: online ? (random.chance(0.9) ? newDeviceId(random) : knownDevice(random, profile)) : null,
    ip_address: online ? ipIn(random, random.chance(0.65) ? otherCountry(random, home.code) : home) : null,
  };
}

function skimmedCardFraud(random: SeededRandom, profile: CustomerProfile): Omit<RawTransaction, 'timestamp'> {
  const home = homeOf(profile);
  const merchantCountry = random.chance(0.85) ? otherCountry(random, home.code) : home;
  const category = random.weighted([
    ['electronics', 0.35],
    ['jewelry', 0.2],
    ['gift_cards', 0.2],
    ['clothing', 0.1],
    ['fuel', 0.1],
    ['grocery', 0.05],
  ]);
  const amountEur = random.logNormal(Math.max(profile.avgAmount30dEur * 3, 120), 0.7);
  return {
    amount: amountIn(random, amountEur, merchantCountry.currency, 0.3),
    currency: merchantCountry.currency,
    merchant_category: category,
    merchant_country: merchantCountry.code,
    entry_mode: random.chance(0.7) ? 'swipe' : 'chip',
    customer_email: profile.email,
    card_number: profile.cardNumber,
    device_id: null,
    ip_address: null,
  };
}

/**
 * A transaction no reviewer would wave through: a large round sum at a crypto or gift-card
 * merchant, keyed in from a new device on the other side of the world, at night. The demo mixes
 * these in to show what high scores look like in the logs.
 */
export function generateAnomalousTransaction(
  random: SeededRandom,
  profile: CustomerProfile,
  atMs: number,
): LabelledTransaction {
  const home = homeOf(profile);
  let far = otherCountry(random, home.code);
  for (let i = 0; i < 4 && Math.abs(far.longitude - home.longitude) < 60; i++)
    far = otherCountry(random, home.code);
  const night = atMs - (atMs % DAY_MS) + random.int(60, 299) * MINUTE_MS - far.utcOffsetMinutes * MINUTE_MS;
  return {
    transaction: {
      amount: random.int(20, 90) * 100,
      currency: 'USD',
      merchant_category: random.pick(['crypto', 'gift_cards', 'gambling']),
      merchant_country: far.code,
      entry_mode: 'ecommerce',
      timestamp: formatLocalTimestamp(night, far.utcOffsetMinutes),
      customer_email: newEmail(random),
      card_number: profile.cardNumber,
      device_id: newDeviceId(random),
      ip_address: ipIn(random, far),
    },
    isFraud: true,
    scenario: 'blatant_fraud',
  };
}

function behaviours(profiles: readonly CustomerProfile[]): Behaviour[] {
  // Seeded from the customer base, not the data set, so a customer behaves alike in every data set.
  const random = new SeededRandom(CUSTOMER_SEED + 1);
  return profiles.map(() => ({
    activity: random.logNormal(1.2, 0.7),
    ecommerceShare: random.uniform(0.1, 0.5),
  }));
}

/** Generates `rows` labelled transactions in time order. Deterministic for a given seed and options. */
export function generateTransactions(options: GenerateOptions): LabelledTransaction[] {
  const random = new SeededRandom(options.seed);
  const profiles = options.profiles ?? generateCustomerProfiles();
  const startMs = options.startMs ?? DEFAULT_START_MS;
  const days = options.days ?? 28;
  const fraudTarget = Math.round(options.rows * (options.fraudRate ?? 0.025));
  const legitTarget = options.rows - fraudTarget;
  const customers = behaviours(profiles).map((behaviour, index) => {
    const profile = profiles[index];
    if (profile === undefined) throw new Error('behaviour without a profile');
    return [{ profile, behaviour }, behaviour.activity] as const;
  });
  const newAccounts = profiles.filter((profile) => profile.accountAgeDays < 60);
  const drafts: Draft[] = [];

  let legit = 0;
  while (legit < legitTarget) {
    const { profile, behaviour } = random.weighted(customers);
    const home = homeOf(profile);
    const travel = random.chance(0.04) ? otherCountry(random, home.code) : undefined;
    const where = travel ?? home;
    const sessionStart = instantAt(
      random,
      startMs,
      random.int(0, days - 1),
      random.weighted(LEGIT_HOUR_WEIGHTS),
      where,
    );
    const size = random.chance(0.3) ? random.int(2, 4) : 1;
    let at = sessionStart;
    for (let i = 0; i < size && legit < legitTarget; i++, legit++) {
      drafts.push({
        atMs: at,
        transaction: legitTransaction(random, profile, behaviour, travel),
        isFraud: false,
        scenario: travel === undefined ? 'legit' : 'legit_travel',
      });
      at += random.uniform(3, 40) * MINUTE_MS;
    }
  }

  let fraud = 0;
  while (fraud < fraudTarget) {
    const victim = customers[random.int(0, customers.length - 1)]?.[0];
    if (victim === undefined) break;
    const profile = newAccounts.length > 0 && random.chance(0.3) ? random.pick(newAccounts) : victim.profile;
    const kind = random.weighted<Scenario>([
      ['card_not_present_fraud', 0.65],
      ['skimmed_card_fraud', 0.2],
      ['friendly_fraud', 0.15],
    ]);
    const localHour = random.chance(0.4) ? random.int(0, 5) : random.int(6, 23);
    let at = instantAt(random, startMs, random.int(0, days - 1), localHour, homeOf(profile));
    const size =
      kind === 'friendly_fraud'
        ? 1
        : random.weighted([
            [1, 0.3],
            [2, 0.25],
            [3, 0.2],
            [4, 0.12],
            [5, 0.08],
            [6, 0.05],
          ]);
    for (let i = 0; i < size && fraud < fraudTarget; i++, fraud++) {
      const transaction =
        kind === 'card_not_present_fraud'
          ? cardNotPresentFraud(random, profile, i === 0)
          : kind === 'skimmed_card_fraud'
            ? skimmedCardFraud(random, profile)
            : legitTransaction(random, profile, victim.behaviour, undefined);
      drafts.push({ atMs: at, transaction, isFraud: true, scenario: kind });
      at += random.uniform(1, kind === 'skimmed_card_fraud' ? 60 : 25) * MINUTE_MS;
    }
  }

  // Array.prototype.sort is stable, so equal instants keep generation order: still deterministic.
  drafts.sort((a, b) => a.atMs - b.atMs);
  return drafts.map((draft) => {
    const { entry_mode, customer_email, card_number, device_id, ip_address, ...merchant } = draft.transaction;
    const offset = countryByCode(merchant.merchant_country)?.utcOffsetMinutes ?? 0;
    // Same key order as RAW_FIELDS, so logged raw input reads the way the API documents it.
    return {
      transaction: {
        ...merchant,
        entry_mode,
        timestamp: formatLocalTimestamp(draft.atMs, offset),
        customer_email,
        card_number,
        device_id,
        ip_address,
      },
      isFraud: draft.isFraud,
      scenario: draft.scenario,
    };
  });
}

export interface FeatureRows {
  readonly features: FeatureVector[];
  readonly labels: number[];
}

/**
 * Replays time-ordered transactions through a fresh feature store, exactly as the server would
 * see them, and computes each row's features.
 */
export function toFeatureRows(
  transactions: readonly LabelledTransaction[],
  profiles: readonly CustomerProfile[] = generateCustomerProfiles(),
): FeatureRows {
  const store = new FeatureStore(profiles);
  const features: FeatureVector[] = [];
  const labels: number[] = [];
  for (const { transaction, isFraud } of transactions) {
    features.push(computeFeatures(transaction, store.observe(transaction)));
    labels.push(isFraud ? 1 : 0);
  }
  return { features, labels };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
      'with-features': { type: 'boolean', default: false },
    },
  });
  const rows = Number(values.rows);
  const seed = Number(values.seed);
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(seed)) {
    process.stderr.write('usage: node scripts/generate-data.ts [--rows N] [--seed S] [--with-features]\n');
    process.exitCode = 2;
    return;
  }
  const profiles = generateCustomerProfiles();
  const transactions = generateTransactions({ seed, rows, profiles });
  const featureRows = values['with-features'] ? toFeatureRows(transactions, profiles) : undefined;
  const lines = transactions.map((row, index) =>
    JSON.stringify({
      transaction: row.transaction,
      is_fraud: row.isFraud,
      scenario: row.scenario,
      ...(featureRows === undefined ? {} : { features: featureRows.features[index] }),
    }),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (import.meta.main) main();
