import { luhnCheckDigit } from './card-number.ts';
import { COUNTRIES, type Country } from './countries.ts';
import { SeededRandom } from './seeded-random.ts';

/**
 * What the bank knows about a card holder before a transaction arrives: the slow-moving part of
 * the feature store. In production this is a table refreshed nightly; here it is generated from a
 * seed so the trainer, the server and the demo all see the same customers.
 */
export interface CustomerProfile {
  readonly cardNumber: string;
  readonly email: string;
  readonly homeCountry: string;
  readonly homeLatitude: number;
  readonly homeLongitude: number;
  readonly accountAgeDays: number;
  /** Mean spend per transaction over the last 30 days, in euros. */
  readonly avgAmount30dEur: number;
  /** Devices seen on this account before, with the trust score the device-risk team assigned (0–1). */
  readonly knownDevices: ReadonlyMap<string, number>;
}

/** The customer base every part of the example shares. */
export const CUSTOMER_SEED = 20_250_101;
export const CUSTOMER_COUNT = 2_000;

/** Median spend of the population, used for cards the store has never seen. */
export const POPULATION_MEDIAN_AMOUNT_EUR = 45;

// Issuer test ranges (the numbers payment sandboxes accept), so no generated number is a real card.
const TEST_BINS = ['400000', '411111', '424242', '401288', '555555', '510510', '520082', '222300'];
const FIRST_NAMES = [
  'anna',
  'ben',
  'carla',
  'david',
  'eva',
  'felix',
  'greta',
  'hugo',
  'ines',
  'jonas',
  'kim',
  'lena',
];
const LAST_NAMES = [
  'meyer',
  'martin',
  'jansen',
  'garcia',
  'rossi',
  'smith',
  'nowak',
  'berg',
  'miller',
  'silva',
];
const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'];

const HOME_COUNTRY_WEIGHTS: ReadonlyArray<readonly [Country, number]> = COUNTRIES.map((country) => [
  country,
  ({ DE: 22, FR: 15, GB: 14, NL: 8, ES: 10, IT: 10, PL: 7, SE: 5, US: 6 } as Record<string, number>)[
    country.code
  ] ?? 1,
]);

export function newCardNumber(random: SeededRandom): string {
  let partial = random.pick(TEST_BINS);
  while (partial.length < 15) partial += String(random.int(0, 9));
  return partial + String(luhnCheckDigit(partial));
}

export function newDeviceId(random: SeededRandom): string {
  return `dev_${random.hex(16)}`;
}

export function newEmail(random: SeededRandom): string {
  return `${random.pick(FIRST_NAMES)}.${random.pick(LAST_NAMES)}${random.int(1, 9999)}@${random.pick(EMAIL_DOMAINS)}`;
}

/** Deterministic: the same seed and count give the same customers, card numbers included. */
export function generateCustomerProfiles(seed = CUSTOMER_SEED, count = CUSTOMER_COUNT): CustomerProfile[] {
  const random = new SeededRandom(seed);
  const profiles: CustomerProfile[] = [];
  const cards = new Set<string>();
  for (let i = 0; i < count; i++) {
    let cardNumber = newCardNumber(random);
    while (cards.has(cardNumber)) cardNumber = newCardNumber(random);
    cards.add(cardNumber);
    const home = random.weighted(HOME_COUNTRY_WEIGHTS);
    const isNewAccount = random.chance(0.08);
    const accountAgeDays = isNewAccount
      ? random.int(0, 30)
      : Math.min(5000, Math.max(31, Math.round(random.logNormal(700, 0.9))));
    const knownDevices = new Map<string, number>();
    const deviceCount = random.int(1, 3);
    for (let d = 0; d < deviceCount; d++) {
      const trust = isNewAccount ? random.uniform(0.3, 0.7) : random.uniform(0.55, 1);
      knownDevices.set(newDeviceId(random), Math.round(trust * 100) / 100);
    }
    profiles.push({
      cardNumber,
      email: newEmail(random),
      homeCountry: home.code,
      homeLatitude: home.latitude + random.normal(0, 1.2),
      homeLongitude: home.longitude + random.normal(0, 1.5),
      accountAgeDays,
      avgAmount30dEur: Math.round(random.logNormal(POPULATION_MEDIAN_AMOUNT_EUR, 0.6) * 100) / 100,
      knownDevices,
    });
  }
  return profiles;
}
