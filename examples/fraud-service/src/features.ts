import { countryByCode, countryOfIp, EUR_RATES, haversineKm } from './countries.ts';
import { POPULATION_MEDIAN_AMOUNT_EUR } from './customer-profiles.ts';
import type { TransactionContext } from './feature-store.ts';
import { MERCHANT_RISK } from './merchant-categories.ts';
import type { RawTransaction } from './transaction.ts';

/** The model's inputs, in the order of its coefficients. Training and serving both use this list. */
export const FEATURE_NAMES = [
  'log_amount',
  'amount_vs_avg_30d',
  'hour_sin',
  'hour_cos',
  'is_night',
  'is_weekend',
  'is_foreign',
  'card_present',
  'is_ecommerce',
  'is_manual_entry',
  'currency_mismatch',
  'ip_country_mismatch',
  'txn_count_1h',
  'txn_count_24h',
  'distance_from_home_km',
  'account_age_days',
  'device_trust_score',
  'is_new_device',
  'email_mismatch',
  'merchant_risk_high',
  'merchant_risk_medium',
  'merchant_risk_low',
  'is_round_amount',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
export type FeatureVector = Record<FeatureName, number>;

/** Trust given to a payment that involves no device at all (plain chip or swipe): neither good nor bad. */
const NO_DEVICE_TRUST = 0.5;

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** Local hour (fractional) and weekday at the merchant, read from the timestamp's own offset. */
function localTime(timestamp: string): { hour: number; weekday: number } {
  // parseTransaction guarantees `YYYY-MM-DDTHH:MM...`, so the fields sit at fixed positions.
  const year = Number(timestamp.slice(0, 4));
  const month = Number(timestamp.slice(5, 7));
  const day = Number(timestamp.slice(8, 10));
  const hour = Number(timestamp.slice(11, 13)) + Number(timestamp.slice(14, 16)) / 60;
  return { hour, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() };
}

/**
 * Turns a raw transaction and the card's context into the 23 numbers the model reads. Pure and
 * deterministic: the value logged as `input_features` is exactly what the model saw.
 */
export function computeFeatures(transaction: RawTransaction, context: TransactionContext): FeatureVector {
  const { profile } = context;
  const amountEur = transaction.amount / (EUR_RATES[transaction.currency] ?? 1);
  const { hour, weekday } = localTime(transaction.timestamp);
  const cardPresent = transaction.entry_mode !== 'ecommerce' && transaction.entry_mode !== 'manual';
  const merchantCountry = countryByCode(transaction.merchant_country);
  const ipCountry = transaction.ip_address === null ? undefined : countryOfIp(transaction.ip_address);
  // Where the buyer is: at the till for card-present payments, behind the IP address otherwise.
  const location = cardPresent ? merchantCountry : (ipCountry ?? merchantCountry);
  const home = profile === undefined ? undefined : countryByCode(profile.homeCountry);

  let deviceTrust = NO_DEVICE_TRUST;
  let newDevice = 0;
  if (transaction.device_id !== null) {
    const trust = profile?.knownDevices.get(transaction.device_id);
    deviceTrust = trust ?? 0;
    newDevice = trust === undefined ? 1 : 0;
  }
  const tier = MERCHANT_RISK[transaction.merchant_category];

  return {
    log_amount: round(Math.log1p(amountEur), 4),
    amount_vs_avg_30d: round(amountEur / (profile?.avgAmount30dEur ?? POPULATION_MEDIAN_AMOUNT_EUR), 4),
    hour_sin: round(Math.sin((2 * Math.PI * hour) / 24), 4),
    hour_cos: round(Math.cos((2 * Math.PI * hour) / 24), 4),
    is_night: hour < 6 ? 1 : 0,
    is_weekend: weekday === 0 || weekday === 6 ? 1 : 0,
    is_foreign: profile !== undefined && transaction.merchant_country !== profile.homeCountry ? 1 : 0,
    card_present: cardPresent ? 1 : 0,
    is_ecommerce: transaction.entry_mode === 'ecommerce' ? 1 : 0,
    is_manual_entry: transaction.entry_mode === 'manual' ? 1 : 0,
    currency_mismatch: home !== undefined && transaction.currency !== home.currency ? 1 : 0,
    ip_country_mismatch:
      transaction.ip_address !== null &&
      (ipCountry === undefined || ipCountry.code !== (home ?? merchantCountry)?.code)
        ? 1
        : 0,
    txn_count_1h: context.txnCount1h,
    txn_count_24h: context.txnCount24h,
    distance_from_home_km:
      profile === undefined || location === undefined
        ? 0
        : round(
            haversineKm(profile.homeLatitude, profile.homeLongitude, location.latitude, location.longitude),
            1,
          ),
    account_age_days: profile?.accountAgeDays ?? 0,
    device_trust_score: deviceTrust,
    is_new_device: newDevice,
    email_mismatch:
      profile !== undefined && transaction.customer_email.toLowerCase() !== profile.email ? 1 : 0,
    merchant_risk_high: tier === 'high' ? 1 : 0,
    merchant_risk_medium: tier === 'medium' ? 1 : 0,
    merchant_risk_low: tier === 'low' ? 1 : 0,
    is_round_amount: transaction.amount >= 50 && transaction.amount % 50 === 0 ? 1 : 0,
  };
}

/** The features in coefficient order, for the model's dot product. */
export function featureArray(features: FeatureVector): number[] {
  return FEATURE_NAMES.map((name) => features[name]);
}
