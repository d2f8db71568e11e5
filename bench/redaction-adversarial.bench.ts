/**
 * Worst-case cost of the redaction processor's detectors: strings built to make a scanner do the
 * most work per character (repeated `a@`, digit and separator runs, IBAN-like and phone-like runs,
 * dotted and colon runs, fullwidth and percent-encoded forms), each 128 KiB, beside realistic free
 * text of the same length with some personal data in it. Every detector on with its default action,
 * through the full processor (one record with the string as a body field). The figure is µs per KiB
 * of input; the target is worst ≤ 2 × benign. The inputs alternate every round; each figure is the
 * median of its rounds.
 */
import { createNoopMeter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { DiagnosticsChannel, PredlogLogRecord, systemClock } from '@predlog/core';
import { RedactionProcessor, redactionConfigSchema } from '@predlog/processor-redaction';
import { type BenchOutcome, collectGarbage, numberFlag, runBenchProcess } from './lib/bench-process.ts';
import { ratioTarget } from './lib/targets.ts';
import { renderTable } from './lib/text-table.ts';

const ROUNDS = numberFlag('rounds', 25);
const WARMUP_ROUNDS = numberFlag('warmup-rounds', 5);
const KIB = numberFlag('kib', 128);
const CHARS = KIB * 1024;

/** Units repeated to the input length: the shapes each detector does the most work on. */
const ADVERSARIAL_UNITS: Record<string, string> = {
  'a@': 'a@',
  'é@': 'é@',
  'a@a.': 'a@a.',
  'x@y.co ': 'x@y.co ',
  '1 ': '1 ',
  '1-': '1-',
  '4111 ': '4111 ',
  '1 1-': '1 1-',
  DE89: 'DE89',
  'DE89 ': 'DE89 ',
  '+1 (': '+1 (',
  '00 1 ': '00 1 ',
  '012 ': '012 ',
  '+1 1 ': '+1 1 ',
  'a.': 'a.',
  '1.': '1.',
  '1.1.1.1 ': '1.1.1.1 ',
  '1:': '1:',
  '::1 ': '::1 ',
  '123-45-': '123-45-',
  '4.1111111111111e15 ': '4.1111111111111e15 ',
  '１ ': '１ ',
  'ａ＠': 'ａ＠',
  'a%40': 'a%40',
};

function adversarialInputs(): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const [label, unit] of Object.entries(ADVERSARIAL_UNITS))
    inputs[label] = unit.repeat(Math.ceil(CHARS / unit.length)).slice(0, CHARS);
  inputs['DE + digits'] = `DE${'8'.repeat(CHARS - 2)}`;
  inputs['+ + digits'] = `+${'1'.repeat(CHARS - 1)}`;
  const all = Object.values(ADVERSARIAL_UNITS).join('');
  inputs.mix = all.repeat(Math.ceil(CHARS / all.length)).slice(0, CHARS);
  return inputs;
}

/**
 * Support-ticket and prompt text: sentences with order ids, amounts, dates, times, versions and
 * URLs, and now and then an e-mail address, a phone number, a card number, an IBAN or an IP
 * address. Deterministic (counters, no randomness), so every run scans the same text.
 */
function benignText(): string {
  const sentences = [
    (k: number) =>
      `Customer wrote in about order ORD-2026-${String(100000 + k).padStart(6, '0')} placed on 2026-03-${String((k % 28) + 1).padStart(2, '0')} at 10:${String(k % 60).padStart(2, '0')}.`,
    (k: number) =>
      `They were charged EUR ${(k * 7.31).toFixed(2)} twice and would like a refund of the second payment.`,
    (k: number) =>
      `Reach me at customer${k}@example.org or on +44 20 7946 ${String(1000 + (k % 9000)).padStart(4, '0')} after 5pm.`,
    () => 'The agent checked the payment history and found one authorisation that was never captured.',
    (k: number) =>
      `Model fraud-xgb v${k % 9}.${k % 7}.3 scored it 0.${String(k % 1000).padStart(3, '0')} against a threshold of 0.7, so it was kept.`,
    () => 'Card used was 4111 1111 1111 1111, expiry next year; the customer asked us not to store it again.',
    (k: number) =>
      `Request came from 192.0.2.${k % 255} via https://shop.example.com/checkout?step=${k % 5}&lang=en.`,
    () => 'Refund to DE89 3704 0044 0532 0130 00 was approved by the second-line team after review.',
    (k: number) =>
      `Ticket #${40000 + k} linked; see the previous conversation from last week for the context.`,
    () =>
      'Please summarise the complaint in two sentences and suggest a polite reply that does not promise dates.',
  ];
  let out = '';
  for (let k = 0; out.length < CHARS; k++)
    out += `${(sentences[k % sentences.length] as (k: number) => string)(k)} `;
  return out.slice(0, CHARS);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function body(): Promise<BenchOutcome> {
  const diagnostics = new DiagnosticsChannel(() => undefined);
  // Every built-in detector on with its default action (replace), as a config without detectors: says.
  const config = redactionConfigSchema.parse({});
  const processor = new RedactionProcessor(config, {
    id: 'redaction',
    diagnostics,
    meter: createNoopMeter(),
    clock: systemClock,
    resource: resourceFromAttributes({}),
    baseDir: process.cwd(),
  });
  const resource = resourceFromAttributes({ 'service.name': 'bench' });
  const scope = { name: '@predlog/core' };
  const record = (notes: string) =>
    new PredlogLogRecord({
      hrTime: [1_773_480_600, 0],
      resource,
      instrumentationScope: scope,
      attributes: { 'ml.model.name': 'fraud-xgb' },
      body: { notes },
      eventName: 'ml.prediction',
    });

  const inputs: Record<string, string> = { benign: benignText(), ...adversarialInputs() };
  const labels = Object.keys(inputs);
  const samples: Record<string, number[]> = Object.fromEntries(labels.map((l) => [l, []]));
  const outputChars: Record<string, number> = {};
  let sink = 0;
  const round = (index: number, measure: boolean) => {
    for (let k = 0; k < labels.length; k++) {
      const label = labels[(index + k) % labels.length] as string;
      const text = inputs[label] as string;
      const r = record(text);
      const t0 = process.hrtime.bigint();
      const out = processor.process([r]);
      const ns = Number(process.hrtime.bigint() - t0);
      const notes = (out[0]?.body as { notes?: string } | undefined)?.notes ?? '';
      sink += notes.length;
      outputChars[label] = notes.length;
      if (measure) (samples[label] as number[]).push(ns / 1000 / (text.length / 1024));
    }
  };
  for (let i = 0; i < WARMUP_ROUNDS; i++) round(i, false);
  collectGarbage();
  for (let i = 0; i < ROUNDS; i++) round(i, true);

  const usPerKib: Record<string, number> = Object.fromEntries(
    labels.map((l) => [l, median(samples[l] as number[])]),
  );
  const benign = usPerKib.benign as number;
  const adversarial = labels.filter((l) => l !== 'benign');
  const worstLabel = adversarial.reduce((a, b) =>
    (usPerKib[b] as number) > (usPerKib[a] as number) ? b : a,
  );
  const worst = usPerKib[worstLabel] as number;

  console.log(
    `\nµs per KiB of input, ${KIB} KiB strings, median of ${ROUNDS} rounds (after ${WARMUP_ROUNDS} warm-up rounds)`,
  );
  console.log(
    renderTable(
      ['input', 'µs/KiB', 'x benign', 'output chars'],
      labels.map((l) => [
        l === 'benign' ? 'benign (free text with some PII)' : JSON.stringify(l),
        (usPerKib[l] as number).toFixed(2),
        `${((usPerKib[l] as number) / benign).toFixed(2)}x`,
        String(outputChars[l]),
      ]),
    ),
  );

  return {
    parameters: {
      inputKiB: KIB,
      rounds: ROUNDS,
      warmupRounds: WARMUP_ROUNDS,
      config:
        'redactionConfigSchema.parse({}): every built-in detector on, action replace, maxStringChars 262144',
      adversarialUnits: Object.keys(ADVERSARIAL_UNITS),
      timer: 'process.hrtime.bigint() around one process() call of one record',
    },
    figures: {
      usPerKib,
      benignUsPerKib: benign,
      worstUsPerKib: worst,
      worstInput: worstLabel,
      worstOverBenign: worst / benign,
      samplesUsPerKib: samples,
      stats: processor.stats(),
      sink,
    },
    targets: [
      ratioTarget({
        id: 'worst_adversarial_vs_benign',
        subject: { label: `worst adversarial input (${worstLabel}) µs/KiB`, value: worst },
        peer: { label: 'benign free text µs/KiB', value: benign },
        unit: 'µs/KiB',
        comparison: '<=',
        limit: 2,
      }),
    ],
    notes: [
      'Each input is one string of the given length in the body of one record; the processor runs every detector over it (it is below maxStringChars, so nothing is cut).',
      'Before the linear-time fixes, 100 KB of `a@` took about 1 s (quadratic in the length): about 10,000 µs/KiB.',
    ],
  };
}

await runBenchProcess(
  'redaction-adversarial',
  'redaction detectors: adversarial inputs vs benign free text',
  body,
);
