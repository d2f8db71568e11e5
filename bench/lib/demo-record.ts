import { randomUUID } from 'node:crypto';
import { type Attributes, SeverityNumber } from '@opentelemetry/api';
import type { ModelIdentity, PredictionInput } from '@predlog/core';
import { FEATURE_NAMES, type FeatureVector } from '@predlog/example-fraud-service/features';

/**
 * The demo record of issue 2: one card-payment fraud prediction, about 1 KB as JSON, with the 23
 * features the example model reads, the 10 raw fields of the authorisation request (e-mail and card
 * number included), the label, score, threshold and latency. Every peer logs the same values:
 * predlog as a `PredictionInput`, pino and JSON.stringify as the flat stored form, the OTel SDK as
 * ml.* attributes plus a body map (the shape predlog itself produces).
 */

export const DEMO_MODEL: ModelIdentity = { name: 'fraud-detector', version: '2.3.1', framework: 'logreg' };
export const DEMO_SERVICE = 'fraud-service';
export const DEMO_SERVING_NODE = 'fraud-service-7f9c6d5b8-x2k4p';
export const DEMO_THRESHOLD = 0.5;

/** The 23 model inputs, the example's own list (the record's features are the model's). */
export { FEATURE_NAMES };

export type DemoFeatures = FeatureVector;

/** The authorisation request as the gateway sends it: 10 fields, personal data included on purpose. */
export interface DemoRawInput {
  amount: number;
  currency: string;
  merchant_category: string;
  merchant_country: string;
  entry_mode: string;
  timestamp: string;
  customer_email: string;
  card_number: string;
  device_id: string | null;
  ip_address: string | null;
}

/** The stored form as one flat object: what pino and JSON.stringify log. */
export interface FlatDemoRecord {
  event: 'ml.prediction';
  timestamp: string;
  service_name: string;
  schema_version: number;
  request_id: string;
  prediction_id: string;
  model_name: string;
  model_version: string;
  model_framework: string;
  score: number;
  threshold: number;
  latency_ms: number;
  serving_node: string;
  status: 'ok';
  null_feature_count: number;
  input_features: DemoFeatures;
  raw_input: DemoRawInput;
  prediction: string;
}

/** What `logger.emit()` of the OTel Logs API takes for the same prediction. */
export interface OtelDemoRecord {
  eventName: 'ml.prediction';
  severityNumber: SeverityNumber;
  attributes: Attributes;
  body: { input_features: DemoFeatures; raw_input: DemoRawInput; prediction: string };
}

interface DemoVariant {
  input: PredictionInput & { requestId: string };
  flat: FlatDemoRecord;
  otel: OtelDemoRecord;
}

const CURRENCIES = ['EUR', 'EUR', 'EUR', 'GBP', 'USD', 'CHF', 'SEK', 'PLN'] as const;
const COUNTRIES = ['DE', 'FR', 'NL', 'IT', 'ES', 'GB', 'US', 'CH', 'SE', 'PL'] as const;
const CATEGORIES = [
  'grocery',
  'electronics',
  'travel',
  'restaurants',
  'fuel',
  'gambling',
  'fashion',
] as const;
const ENTRY_MODES = ['chip', 'contactless', 'swipe', 'manual', 'ecommerce'] as const;
const FIRST_NAMES = [
  'anna',
  'lukas',
  'marie',
  'jonas',
  'sofia',
  'elias',
  'lea',
  'noah',
  'emma',
  'paul',
] as const;
const LAST_NAMES = ['schmidt', 'dubois', 'jansen', 'rossi', 'garcia', 'smith', 'meier', 'berg'] as const;
const DOMAINS = ['example.com', 'mail.example.org', 'example.net'] as const;

/** mulberry32: a small seeded generator, so every run logs the same traffic. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** A 16-digit, Luhn-valid test card number. */
function cardNumber(random: () => number): string {
  const digits = [4];
  for (let i = 1; i < 15; i++) digits.push(Math.floor(random() * 10));
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    // Counted from the check digit, every second digit (starting with the one left of it) is doubled.
    let d = digits[14 - i] as number;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  digits.push((10 - (sum % 10)) % 10);
  return digits.join('');
}

function makeVariant(random: () => number): DemoVariant {
  const entryMode = pick(random, ENTRY_MODES);
  const cardPresent = entryMode !== 'ecommerce' && entryMode !== 'manual';
  const amount = round(5 + random() * random() * 1500, 2);
  const hour = random() * 24;
  const merchantCountry = pick(random, COUNTRIES);
  const category = pick(random, CATEGORIES);
  const day = 1 + Math.floor(random() * 28);
  const timestamp = `2026-03-${String(day).padStart(2, '0')}T${String(Math.floor(hour)).padStart(2, '0')}:${String(Math.floor(random() * 60)).padStart(2, '0')}:${String(Math.floor(random() * 60)).padStart(2, '0')}.${String(Math.floor(random() * 1000)).padStart(3, '0')}+01:00`;
  const rawInput: DemoRawInput = {
    amount,
    currency: pick(random, CURRENCIES),
    merchant_category: category,
    merchant_country: merchantCountry,
    entry_mode: entryMode,
    timestamp,
    customer_email: `${pick(random, FIRST_NAMES)}.${pick(random, LAST_NAMES)}${Math.floor(random() * 1000)}@${pick(random, DOMAINS)}`,
    card_number: cardNumber(random),
    device_id: cardPresent
      ? null
      : `dev-${Math.floor(random() * 0xffffffff)
          .toString(16)
          .padStart(8, '0')}`,
    ip_address: cardPresent
      ? null
      : `${Math.floor(random() * 223) + 1}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`,
  };
  const risk =
    category === 'gambling' || category === 'electronics' ? 'high' : category === 'travel' ? 'medium' : 'low';
  const features: DemoFeatures = {
    log_amount: round(Math.log1p(amount), 4),
    amount_vs_avg_30d: round(amount / (20 + random() * 200), 4),
    hour_sin: round(Math.sin((2 * Math.PI * hour) / 24), 4),
    hour_cos: round(Math.cos((2 * Math.PI * hour) / 24), 4),
    is_night: hour < 6 ? 1 : 0,
    is_weekend: day % 7 < 2 ? 1 : 0,
    is_foreign: random() < 0.15 ? 1 : 0,
    card_present: cardPresent ? 1 : 0,
    is_ecommerce: entryMode === 'ecommerce' ? 1 : 0,
    is_manual_entry: entryMode === 'manual' ? 1 : 0,
    currency_mismatch: random() < 0.1 ? 1 : 0,
    ip_country_mismatch: !cardPresent && random() < 0.2 ? 1 : 0,
    txn_count_1h: Math.floor(random() * 4),
    txn_count_24h: Math.floor(random() * 15),
    distance_from_home_km: round(random() * random() * 3000, 1),
    account_age_days: Math.floor(random() * 4000),
    device_trust_score: cardPresent ? 0.5 : round(random(), 4),
    is_new_device: !cardPresent && random() < 0.3 ? 1 : 0,
    email_mismatch: random() < 0.05 ? 1 : 0,
    merchant_risk_high: risk === 'high' ? 1 : 0,
    merchant_risk_medium: risk === 'medium' ? 1 : 0,
    merchant_risk_low: risk === 'low' ? 1 : 0,
    is_round_amount: amount >= 50 && amount % 50 === 0 ? 1 : 0,
  };
  const score = round(random() ** 3, 6);
  const label = score >= DEMO_THRESHOLD ? 'fraud' : 'legit';
  const latencyMs = round(1.5 + random() * 6, 3);
  const input: PredictionInput & { requestId: string } = {
    requestId: '',
    features,
    rawInput,
    prediction: label,
    score,
    threshold: DEMO_THRESHOLD,
    latencyMs,
  };
  const flat: FlatDemoRecord = {
    event: 'ml.prediction',
    timestamp: '',
    service_name: DEMO_SERVICE,
    schema_version: 1,
    request_id: '',
    prediction_id: '',
    model_name: DEMO_MODEL.name,
    model_version: DEMO_MODEL.version,
    model_framework: DEMO_MODEL.framework ?? '',
    score,
    threshold: DEMO_THRESHOLD,
    latency_ms: latencyMs,
    serving_node: DEMO_SERVING_NODE,
    status: 'ok',
    null_feature_count: 0,
    input_features: features,
    raw_input: rawInput,
    prediction: label,
  };
  const otel: OtelDemoRecord = {
    eventName: 'ml.prediction',
    severityNumber: SeverityNumber.INFO,
    attributes: {
      'ml.schema.version': 1,
      'ml.request.id': '',
      'ml.prediction.id': '',
      'ml.model.name': DEMO_MODEL.name,
      'ml.model.version': DEMO_MODEL.version,
      'ml.model.framework': DEMO_MODEL.framework ?? '',
      'ml.prediction.label': label,
      'ml.prediction.score': score,
      'ml.prediction.threshold': DEMO_THRESHOLD,
      'ml.inference.duration_ms': latencyMs,
      'ml.serving.node': DEMO_SERVING_NODE,
      'ml.prediction.status': 'ok',
      'ml.feature.null_count': 0,
    },
    body: { input_features: features, raw_input: rawInput, prediction: label },
  };
  return { input, flat, otel };
}

/**
 * A stream of demo predictions. Values come from a pool of variants and request ids from a
 * precomputed array much larger than any cache, so each call logs a different id. The objects handed
 * out are reused: take each one, log it, and ask for the next (the peers all read or copy what they
 * log before returning, except OTel's body, which is never changed).
 */
export class DemoTraffic {
  private readonly variants: DemoVariant[];
  private readonly requestIds: string[];
  private readonly predictionIds: string[];
  private readonly variantMask: number;
  private readonly idMask: number;
  private readonly timestamp = new Date('2026-03-14T09:30:00.000Z').toISOString();

  /** Both counts must be powers of two. */
  constructor(options: { variants?: number; requestIds?: number; seed?: number } = {}) {
    const variantCount = options.variants ?? 1024;
    const idCount = options.requestIds ?? 1 << 17;
    const random = seededRandom(options.seed ?? 20260314);
    this.variants = Array.from({ length: variantCount }, () => makeVariant(random));
    // Decoded from bytes, as an HTTP parser hands over an X-Request-ID header: a flat string. A
    // template literal would leave a rope, and whichever peer first read its characters would pay
    // for flattening it.
    this.requestIds = Array.from({ length: idCount }, () =>
      Buffer.from(`req-${randomUUID()}`).toString('latin1'),
    );
    this.predictionIds = Array.from({ length: idCount }, () => randomUUID());
    this.variantMask = variantCount - 1;
    this.idMask = idCount - 1;
  }

  /** The i-th prediction as predlog's `record()` takes it (model and serving node come from the logger). */
  predictionInput(i: number): PredictionInput {
    const input = (this.variants[i & this.variantMask] as DemoVariant).input;
    input.requestId = this.requestIds[i & this.idMask] as string;
    return input;
  }

  /** The i-th prediction as the flat stored form (what pino and JSON.stringify log). */
  flatRecord(i: number): FlatDemoRecord {
    const flat = (this.variants[i & this.variantMask] as DemoVariant).flat;
    flat.request_id = this.requestIds[i & this.idMask] as string;
    flat.prediction_id = this.predictionIds[i & this.idMask] as string;
    flat.timestamp = this.timestamp;
    return flat;
  }

  /** The i-th prediction as an OTel log record: ml.* attributes and a body map. */
  otelRecord(i: number): OtelDemoRecord {
    const otel = (this.variants[i & this.variantMask] as DemoVariant).otel;
    otel.attributes['ml.request.id'] = this.requestIds[i & this.idMask] as string;
    otel.attributes['ml.prediction.id'] = this.predictionIds[i & this.idMask] as string;
    return otel;
  }

  /** Mean size of the flat record as JSON, in bytes, over the variant pool. */
  meanJsonBytes(): number {
    let total = 0;
    for (let i = 0; i < this.variants.length; i++)
      total += Buffer.byteLength(JSON.stringify(this.flatRecord(i)));
    return total / this.variants.length;
  }
}
