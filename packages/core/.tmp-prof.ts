import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BaseExporter, type LogRecordLike, PredictionLogger } from './src/index.ts';

class Null extends BaseExporter {
  n = 0;
  async send(r: readonly LogRecordLike[]) {
    this.n += r.length;
  }
}
const features = {
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
  merchant_category: 'grocery',
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
const ids = Array.from({ length: 1000 }, (_, i) => 'req-' + i);
const logger = new PredictionLogger({
  pipelines: [{ exporters: [new Null('n')] }],
  model: { name: 'fraud', version: '1' },
  logger: { maxQueueRecords: 1 << 20 },
});
const otel = new LoggerProvider({
  processors: [new BatchLogRecordProcessor({ exporter: new Null('o') })],
}).getLogger('x');
async function lat(fn: (i: number) => void, n: number) {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn(i);
    out[i] = Number(process.hrtime.bigint() - t);
    if (i % 500 === 499) await new Promise((r) => setTimeout(r, 1));
  }
  out.sort();
  return { p50: out[n >> 1], p99: out[Math.floor(n * 0.99)] };
}
const rec = (i: number) =>
  logger.record({
    requestId: ids[i % 1000],
    features,
    rawInput: raw,
    prediction: 'legit',
    score: 0.12,
    threshold: 0.5,
    latencyMs: 3.2,
  });
const emit = (i: number) =>
  otel.emit({
    eventName: 'ml.prediction',
    attributes: { 'ml.request.id': ids[i % 1000]!, 'ml.model.name': 'fraud' },
    body: { input_features: features, raw_input: raw, prediction: 'legit', score: 0.12 } as never,
  });
for (let round = 0; round < 5; round++) {
  const a = await lat(rec, 20000);
  await new Promise((r) => setImmediate(r));
  await logger.forceFlush();
  const b = await lat(emit, 20000);
  await new Promise((r) => setTimeout(r, 50));
  const c = await lat((i) => JSON.stringify({ requestId: ids[i % 1000], features, raw }), 20000);
  console.log('record', a, 'emit', b, 'stringify', c);
}
