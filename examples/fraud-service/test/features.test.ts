import { describe, expect, it } from 'vitest';
import { type CustomerProfile, generateCustomerProfiles } from '../src/customer-profiles.ts';
import { FeatureStore } from '../src/feature-store.ts';
import { computeFeatures } from '../src/features.ts';
import type { RawTransaction } from '../src/transaction.ts';

const profile: CustomerProfile = {
  cardNumber: '4242424242424242',
  email: 'anna.meyer12@example.com',
  homeCountry: 'DE',
  homeLatitude: 51.1,
  homeLongitude: 10.4,
  accountAgeDays: 400,
  avgAmount30dEur: 50,
  knownDevices: new Map([['dev_known_phone', 0.9]]),
};

const base: RawTransaction = {
  amount: 98.4,
  currency: 'EUR',
  merchant_category: 'grocery',
  merchant_country: 'DE',
  entry_mode: 'contactless',
  timestamp: '2025-01-08T14:30:00+01:00',
  customer_email: 'anna.meyer12@example.com',
  card_number: '4242424242424242',
  device_id: 'dev_known_phone',
  ip_address: null,
};

function at(timestamp: string): RawTransaction {
  return { ...base, timestamp };
}

describe('computeFeatures', () => {
  it('describes a domestic daytime purchase on a known device as unremarkable', () => {
    const features = computeFeatures(base, { profile, txnCount1h: 0, txnCount24h: 0 });
    expect(features).toMatchObject({
      amount_vs_avg_30d: 1.968,
      is_night: 0,
      is_weekend: 0,
      is_foreign: 0,
      card_present: 1,
      currency_mismatch: 0,
      distance_from_home_km: 0,
      account_age_days: 400,
      device_trust_score: 0.9,
      is_new_device: 0,
      email_mismatch: 0,
      merchant_risk_low: 1,
      merchant_risk_high: 0,
      is_round_amount: 0,
    });
    expect(features.log_amount).toBeCloseTo(Math.log1p(98.4), 3);
  });

  it('flags an online purchase abroad, at night local time, from a new device and another e-mail', () => {
    const features = computeFeatures(
      {
        ...base,
        amount: 500,
        currency: 'USD',
        merchant_category: 'crypto',
        merchant_country: 'US',
        entry_mode: 'ecommerce',
        timestamp: '2025-01-11T03:15:00-05:00',
        customer_email: 'someone@example.net',
        device_id: 'dev_never_seen',
        ip_address: '23.4.5.6',
      },
      { profile, txnCount1h: 3, txnCount24h: 5 },
    );
    expect(features).toMatchObject({
      is_night: 1,
      is_weekend: 1,
      is_foreign: 1,
      card_present: 0,
      is_ecommerce: 1,
      currency_mismatch: 1,
      ip_country_mismatch: 1,
      txn_count_1h: 3,
      txn_count_24h: 5,
      device_trust_score: 0,
      is_new_device: 1,
      email_mismatch: 1,
      merchant_risk_high: 1,
      is_round_amount: 1,
    });
    expect(features.distance_from_home_km).toBeGreaterThan(7000);
    expect(features.amount_vs_avg_30d).toBeCloseTo(500 / 1.08 / 50, 3);
  });

  it('scores an unknown card as a brand-new account', () => {
    const features = computeFeatures(base, { profile: undefined, txnCount1h: 0, txnCount24h: 0 });
    expect(features.account_age_days).toBe(0);
    expect(features.device_trust_score).toBe(0);
    expect(features.is_new_device).toBe(1);
  });
});

describe('FeatureStore', () => {
  it('counts the card’s earlier transactions in the last hour and day, in any arrival order', () => {
    const store = new FeatureStore([profile]);
    store.observe(at('2025-01-08T10:00:00+01:00'));
    store.observe(at('2025-01-08T13:50:00+01:00'));
    store.observe(at('2025-01-07T09:00:00+01:00')); // older than a day: ignored for the next one
    const context = store.observe(at('2025-01-08T14:30:00+01:00'));
    expect(context).toMatchObject({ profile, txnCount1h: 1, txnCount24h: 2 });
    // A late arrival counts only what happened before it.
    expect(store.observe(at('2025-01-08T10:30:00+01:00'))).toMatchObject({ txnCount1h: 1, txnCount24h: 1 });
  });

  it('finds the shared customer base by card number', () => {
    const profiles = generateCustomerProfiles();
    const store = new FeatureStore(profiles);
    expect(store.profileCount).toBe(profiles.length);
    const first = profiles[0] as CustomerProfile;
    expect(store.profileFor(first.cardNumber)).toBe(first);
    expect(store.profileFor('4000000000000002')).toBeUndefined();
  });
});
