import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { ValueCapture } from './src/internal/value-capture.ts';

const features: Record<string, number | string | boolean> = {};
for (let i = 0; i < 21; i++) features['feature_' + i] = i * 1.37;
features.merchant_category = 'grocery';
features.card_present = true;
const parsed = JSON.parse(JSON.stringify(features));
const literal = {
  log_amount: 4.2,
  amount_vs_avg_30d: 1.3,
  hour_sin: 0.5,
  hour_cos: 0.8,
  is_night: 0,
  is_foreign: 1,
  card_present: 0,
  txn_count_1h: 2,
  txn_count_24h: 5,
  distance_from_home_km: 12.5,
  account_age_days: 300,
  device_trust_score: 0.7,
  merchant_risk_high: 0,
  merchant_risk_med: 1,
  merchant_risk_low: 0,
  entry_chip: 1,
  entry_swipe: 0,
  entry_online: 0,
  velocity_ratio: 0.4,
  amount_zscore: 1.1,
  new_device: 0,
  new_merchant: 1,
  weekend: 0,
};
const raw = {
  email: 'jane.doe@example.com',
  card_number: '4111 1111 1111 1111',
  amount: 129.5,
  currency: 'EUR',
  merchant: 'Corner Shop',
  country: 'DE',
  ip: '203.0.113.7',
  device_id: 'dev-8c1f',
  hour: 3,
  channel: 'web',
};
const vc = new ValueCapture(
  { maxStringLength: 8192, maxDepth: 8, maxArrayLength: 1000, maxObjectKeys: 500 },
  () => {},
);
function time(name: string, fn: () => unknown, n = 2_000_000) {
  for (let i = 0; i < 100000; i++) fn();
  const t = process.hrtime.bigint();
  let x;
  for (let i = 0; i < n; i++) x = fn();
  const ns = Number(process.hrtime.bigint() - t) / n;
  console.log(name.padEnd(28), ns.toFixed(1), 'ns');
  return x;
}
time('spread features', () => ({ ...features }));
time('spread parsed', () => ({ ...parsed }));
time('spread literal', () => ({ ...literal }));
time('captureFeatures parsed', () => vc.captureFeatures(parsed));
time('captureFeatures literal', () => vc.captureFeatures(literal));
time('for-in literal', () => {
  let k = 0;
  for (const key in literal) {
    const v = (literal as Record<string, unknown>)[key];
    if (typeof v === 'object') k++;
  }
  return k;
});
time('Object.assign features', () => Object.assign({}, features));
time('captureFeatures', () => vc.captureFeatures(features));
time('capture raw', () => vc.capture(raw));
time('spread raw', () => ({ ...raw }));
time('randomUUID', () => randomUUID());
time('getActiveSpan', () => trace.getActiveSpan());
time('Date.now', () => Date.now());
time('for-in check features', () => {
  let k = 0;
  for (const key in features) {
    const v = features[key];
    if (typeof v === 'object') k++;
  }
  return k;
});
time('Object.values check', () => {
  let k = 0;
  const vs = Object.values(features);
  for (let i = 0; i < vs.length; i++) if (typeof vs[i] === 'object') k++;
  return k;
});
time('JSON.stringify', () => JSON.stringify({ features, raw }), 300000);
