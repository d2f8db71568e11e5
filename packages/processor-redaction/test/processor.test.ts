import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { ATTR } from '@predlog/schema';
import { cardNumber, luhnCheckDigit, seededRandom, testServices } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import {
  createRedactionHasher,
  REDACTION_RULES_ATTRIBUTE,
  type RedactionConfigInput,
  RedactionProcessor,
  redactionConfigSchema,
} from '../src/index.ts';
import { DETECTORS_OFF, logRecord, OLD_TEST_KEY, redactOne, redactor, TEST_KEY } from './support/redactor.ts';

const KEYS = { keys: { k1: TEST_KEY }, activeKey: 'k1' } as const;
const HASH = /^hmac:k1:[0-9a-f]{32}$/;

function run(config: RedactionConfigInput, body: unknown, attributes: Record<string, unknown> = {}) {
  const { processor } = redactor(config);
  const record = redactOne(processor, attributes, body);
  if (record === undefined) throw new Error('record was dropped');
  return {
    body: record.body as Record<string, unknown>,
    attributes: record.attributes as Record<string, unknown>,
  };
}

describe('RedactionProcessor path rules', () => {
  it('applies drop, mask, hash, truncate and replace to the values at their paths', () => {
    const { body } = run(
      {
        detectors: DETECTORS_OFF,
        ...KEYS,
        rules: [
          { path: 'raw_input.password', action: 'drop' },
          { path: 'raw_input.card', action: 'mask', keepLastChars: 4 },
          { path: 'raw_input.email', action: 'hash' },
          { path: 'raw_input.notes', action: 'truncate', maxChars: 10 },
          { path: 'raw_input.name', action: 'replace', with: '[name]' },
        ],
      },
      {
        raw_input: {
          password: 'hunter2',
          card: '4111111111111111',
          email: 'ann@example.org',
          notes: 'a long free-text note',
          name: 'Ann Lee',
          amount: 12.5,
        },
      },
    );
    expect(body.raw_input).toEqual({
      card: '************1111',
      email: expect.stringMatching(HASH),
      notes: 'a long …',
      name: '[name]',
      amount: 12.5,
    });
  });

  it('hashes equal values equally and different values differently, with the standard HMAC-SHA256', () => {
    const config = {
      detectors: DETECTORS_OFF,
      ...KEYS,
      rules: [{ path: 'raw_input.*', action: 'hash' }],
    } satisfies RedactionConfigInput;
    const { body } = run(config, {
      raw_input: { a: 'ann@example.org', b: 'ann@example.org', c: 'bob@example.org' },
    });
    const raw = body.raw_input as Record<string, string>;
    expect(raw.a).toBe(raw.b);
    expect(raw.a).not.toBe(raw.c);
    expect(
      createRedactionHasher({ keys: { k1: TEST_KEY }, activeKey: 'k1' }).verify(
        'ann@example.org',
        raw.a as string,
      ),
    ).toBe(true);
  });

  it('matches ** at any depth (zero levels included), inside maps and lists', () => {
    const { body } = run(
      { detectors: DETECTORS_OFF, rules: [{ path: 'raw_input.**.email', action: 'replace', with: 'X' }] },
      {
        raw_input: {
          email: 'a',
          user: { email: 'b', profile: { contact: { email: 'c' } } },
          friends: [{ email: 'd' }, { name: 'e', email: 'f' }],
          emails: 'g',
        },
        other: { email: 'h' },
      },
    );
    expect(body).toEqual({
      raw_input: {
        email: 'X',
        user: { email: 'X', profile: { contact: { email: 'X' } } },
        friends: [{ email: 'X' }, { name: 'e', email: 'X' }],
        emails: 'g',
      },
      other: { email: 'h' },
    });
  });

  it('matches * as exactly one level, and lists add no level', () => {
    const { body } = run(
      { detectors: DETECTORS_OFF, rules: [{ path: 'raw_input.user.*', action: 'replace', with: 'X' }] },
      { raw_input: { user: { name: 'ann', tags: ['a', 'b'], address: { city: 'Berlin' } }, id: 1 } },
    );
    expect(body.raw_input).toEqual({ user: { name: 'X', tags: 'X', address: 'X' }, id: 1 });
  });

  it('addresses attributes by key, bracketed', () => {
    const { attributes } = run(
      { detectors: DETECTORS_OFF, ...KEYS, rules: [{ path: 'attributes["ml.entity.id"]', action: 'hash' }] },
      {},
      { 'ml.entity.id': 'customer-42', 'ml.model.name': 'fraud', entity: 'x' },
    );
    expect(attributes['ml.entity.id']).toMatch(HASH);
    expect(attributes['ml.model.name']).toBe('fraud');
    expect(attributes.entity).toBe('x');
  });

  it('addresses a whole non-map body with `body`', () => {
    const { processor } = redactor({
      detectors: DETECTORS_OFF,
      rules: [{ path: 'body', action: 'replace', with: '[log]' }],
    });
    const record = logRecord({}, 'free text with secrets');
    processor.process([record]);
    expect(record.body).toBe('[log]');
  });

  it('lets the first listed rule decide a value, and a rule on a map decide everything inside it', () => {
    const { body } = run(
      {
        detectors: DETECTORS_OFF,
        rules: [
          { path: 'raw_input.user', action: 'mask' },
          { path: 'raw_input.user.name', action: 'drop' },
          { path: 'raw_input.*', action: 'replace', with: 'R' },
        ],
      },
      { raw_input: { user: { name: 'ann', age: 42, vip: true, note: null }, id: 'x' } },
    );
    expect(body.raw_input).toEqual({ user: { name: '***', age: '**', vip: '****', note: null }, id: 'R' });
  });

  it('never reveals more than half of a masked value', () => {
    const { body } = run(
      { detectors: DETECTORS_OFF, rules: [{ path: 'raw_input.*', action: 'mask', keepLastChars: 4 }] },
      { raw_input: { short: '12345', tiny: 'ab', long: '4111111111111111' } },
    );
    expect(body.raw_input).toEqual({ short: '***45', tiny: '*b', long: '************1111' });
  });

  it('does not touch a record part no rule can reach when detectors are off', () => {
    const { processor } = redactor({
      detectors: DETECTORS_OFF,
      rules: [{ path: 'raw_input.x', action: 'drop' }],
    });
    const attributes = { 'app.email': 'ann@example.org' };
    const record = logRecord(attributes, { raw_input: { y: 'ann@example.org' } });
    processor.process([record]);
    expect(record.attributes['app.email']).toBe('ann@example.org');
    expect(record.body).toEqual({ raw_input: { y: 'ann@example.org' } });
    expect(record.attributes[ATTR.redactionCount]).toBe(0);
  });
});

describe('RedactionProcessor detectors', () => {
  it('replaces only the matched part of free text, in attributes and body', () => {
    const { body, attributes } = run(
      {},
      { raw_input: { note: 'mail ann@example.org or call +44 20 7946 0958 today' } },
      { 'exception.message': 'lookup failed for 192.168.1.20' },
    );
    expect((body.raw_input as Record<string, string>).note).toBe(
      'mail [REDACTED:email] or call [REDACTED:phone] today',
    );
    expect(attributes['exception.message']).toBe('lookup failed for [REDACTED:ipv4]');
  });

  it('reads numbers as numbers: a card stored as a JSON number is redacted, other numbers pass', () => {
    const card = Number(cardNumber('4', 16, seededRandom(1)));
    const { body } = run(
      { detectors: { card: { action: 'mask', keepLastChars: 4 } } },
      { input_features: { pan: card, amount: 1234567890123, score: 0.25, count: 7 } },
    );
    expect(body.input_features).toEqual({
      pan: `************${String(card).slice(-4)}`,
      amount: 1234567890123,
      score: 0.25,
      count: 7,
    });
  });

  it('hashes a detected value in its normalised form, so formats of one value hash alike', () => {
    const card = cardNumber('5', 16, seededRandom(2)).replace(/^5./, '55');
    const fixed = card.slice(0, 15) + String(luhnCheckDigit(card.slice(0, 15)));
    const { body } = run(
      { detectors: { card: { action: 'hash' }, email: { action: 'hash' } }, ...KEYS },
      {
        a: fixed,
        b: fixed.replace(/(\d{4})(?=\d)/g, '$1 '),
        c: fixed.replace(/(\d{4})(?=\d)/g, '$1-'),
        d: 'Ann.Lee@Example.org',
        e: 'ann.lee@example.org',
      },
    );
    expect(body.a).toMatch(HASH);
    expect(body.b).toBe(body.a);
    expect(body.c).toBe(body.a);
    expect(body.d).toBe(body.e);
  });

  it('renames map keys that hold personal data and keeps keys that collide distinct', () => {
    const { body } = run({}, { raw_input: { 'ann@example.org': 1, 'bob@example.org': 2, plain: 3 } });
    expect(body.raw_input).toEqual({ '[REDACTED:email]': 1, '[REDACTED:email]#2': 2, plain: 3 });
  });

  it('runs user patterns with their action, and leaves a detector off when asked', () => {
    const { body } = run(
      {
        detectors: { email: { action: 'off' } },
        patterns: [{ name: 'employee', regex: 'emp-\\d{4}', flags: 'i', action: 'mask', keepLastChars: 2 }],
      },
      { note: 'EMP-1234 wrote from ann@example.org' },
    );
    expect(body.note).toBe('******34 wrote from ann@example.org');
  });

  it('replaces bytes it cannot scan, when detectors are on', () => {
    const { body } = run({}, { blob: new Uint8Array([104, 105]), text: 'hi' });
    expect(body).toEqual({ blob: '[REDACTED:binary]', text: 'hi' });
  });
});

describe('RedactionProcessor identifier attributes', () => {
  const identifiers = {
    [ATTR.requestId]: '4111111111111111',
    [ATTR.predictionId]: 'ann@example.org',
    [ATTR.feedbackId]: '+44 20 7946 0958',
    [ATTR.modelName]: 'fraud-123-45-6789',
    [ATTR.modelVersion]: '4.2.0.1',
    [ATTR.schemaVersion]: '1.2.3.4',
  };

  it('never rewrites the ids and the model name and version with a detector', () => {
    const { attributes } = run(
      {},
      { note: 'card 4111111111111111' },
      { ...identifiers, [ATTR.entityId]: '4111111111111111' },
    );
    expect(attributes).toMatchObject(identifiers);
    // Other attributes are content and are still scanned.
    expect(attributes[ATTR.entityId]).toBe('[REDACTED:card]');
    expect(attributes[ATTR.redactionCount]).toBe(2);
  });

  it('still applies a path rule that names one, and the allow list', () => {
    const { attributes } = run(
      { ...KEYS, rules: [{ path: `attributes["${ATTR.requestId}"]`, action: 'hash' }] },
      {},
      identifiers,
    );
    expect(attributes[ATTR.requestId]).toMatch(HASH);
    expect(attributes[ATTR.modelVersion]).toBe('4.2.0.1');
    const allowed = run(
      { mode: 'allowList', allow: [`attributes["${ATTR.modelVersion}"]`] },
      {},
      identifiers,
    );
    expect(allowed.attributes[ATTR.modelVersion]).toBe('4.2.0.1');
    expect(allowed.attributes[ATTR.requestId]).toBeUndefined();
  });
});

describe('RedactionProcessor summary and metrics', () => {
  it('writes ml.redaction.count and the names that fired, in config order, never values', () => {
    const { processor, metrics } = redactor({
      ...KEYS,
      rules: [
        { name: 'entity', path: 'attributes["ml.entity.id"]', action: 'hash' },
        { path: 'raw_input.password', action: 'drop' },
      ],
    });
    const record = redactOne(
      processor,
      { 'ml.entity.id': 'c-1' },
      { raw_input: { password: 'p', note: 'ann@example.org, bob@example.org, 10.0.0.1' } },
    );
    expect(record?.attributes[ATTR.redactionCount]).toBe(5);
    expect(record?.attributes[REDACTION_RULES_ATTRIBUTE]).toEqual([
      'entity',
      'raw_input.password',
      'email',
      'ipv4',
    ]);
    expect(metrics.at('predlog.processor.redaction.redactions', 'rule', 'email')).toBe(2);
    expect(metrics.at('predlog.processor.redaction.redactions', 'rule', 'entity')).toBe(1);
    expect(
      metrics.at('predlog.processor.redaction.redactions', 'predlog.component.id', 'redaction/pii'),
    ).toBe(5);
    expect(metrics.sum('predlog.processor.redaction.records')).toBe(1);
    expect(processor.stats().redactions).toEqual({ entity: 1, 'raw_input.password': 1, email: 2, ipv4: 1 });
    for (const label of metrics.labelValues) expect(label).not.toMatch(/example\.org|10\.0\.0\.1|c-1/);
  });

  it('adds to the summary of an earlier redaction processor', () => {
    const first = redactor({ detectors: DETECTORS_OFF, rules: [{ name: 'a', path: 'x', action: 'drop' }] });
    const second = redactor({ detectors: { ...DETECTORS_OFF, email: { action: 'replace' } } });
    const record = logRecord({}, { x: 1, y: 'ann@example.org' });
    first.processor.process([record]);
    second.processor.process([record]);
    expect(record.attributes[ATTR.redactionCount]).toBe(2);
    expect(record.attributes[REDACTION_RULES_ATTRIBUTE]).toEqual(['a', 'email']);
  });

  it('records a count of 0 on a record with nothing to redact', () => {
    const record = redactOne(
      redactor({}).processor,
      { 'ml.model.name': 'fraud' },
      { raw_input: { amount: 1 } },
    );
    expect(record?.attributes[ATTR.redactionCount]).toBe(0);
    expect(record?.attributes[REDACTION_RULES_ATTRIBUTE]).toBeUndefined();
  });
});

describe('RedactionProcessor allow-list mode', () => {
  it('passes only listed paths (with everything inside them) and drops the rest', () => {
    const { body, attributes } = run(
      {
        mode: 'allowList',
        allow: ['attributes["ml.model.name"]', 'input_features', 'raw_input.amount', 'raw_input.items.sku'],
      },
      {
        input_features: { amount: 12, country: 'FR' },
        raw_input: { amount: 12, email: 'ann@example.org', items: [{ sku: 'A-1', owner: 'ann' }, 'loose'] },
        prediction: 'legit',
      },
      { 'ml.model.name': 'fraud', 'ml.entity.id': 'customer-1', 'app.user': 'ann' },
    );
    expect(body).toEqual({
      input_features: { amount: 12, country: 'FR' },
      raw_input: { amount: 12, items: [{ sku: 'A-1' }] },
    });
    expect(attributes).toEqual({
      'ml.model.name': 'fraud',
      [ATTR.redactionCount]: 6,
      [REDACTION_RULES_ATTRIBUTE]: ['allow_list'],
    });
  });

  it('still applies rules and detectors to what it allows', () => {
    const { body } = run(
      {
        mode: 'allowList',
        allow: ['raw_input'],
        rules: [{ path: 'raw_input.card', action: 'mask', keepLastChars: 4 }],
      },
      { raw_input: { card: '4111111111111111', note: 'from ann@example.org' }, other: 1 },
    );
    expect(body).toEqual({ raw_input: { card: '************1111', note: 'from [REDACTED:email]' } });
  });

  it('applies a rule on a listed path prefix to the allowed values below it', () => {
    const { body } = run(
      {
        mode: 'allowList',
        allow: ['raw_input.user.name'],
        rules: [{ path: 'raw_input.user', action: 'mask' }],
      },
      { raw_input: { user: { name: 'ann', email: 'ann@example.org' } } },
    );
    expect(body).toEqual({ raw_input: { user: { name: '***' } } });
  });

  it('drops every attribute and body field with an empty allow list (fail closed) and says so', () => {
    const { processor, diagnostics } = redactor({ mode: 'allowList' });
    const record = redactOne(processor, { 'ml.model.name': 'fraud', 'app.x': 1 }, { raw_input: { a: 1 } });
    expect(record?.body).toBeUndefined();
    expect(record?.attributes).toEqual({
      [ATTR.redactionCount]: 3,
      [REDACTION_RULES_ATTRIBUTE]: ['allow_list'],
    });
    expect(diagnostics.map((d) => d.code)).toContain('redaction.allow_list_empty.redaction/pii');
  });
});

describe('RedactionProcessor key rotation', () => {
  it('hashes with the active key and keeps old hashes verifiable while the old key stays configured', () => {
    const before = run(
      {
        detectors: DETECTORS_OFF,
        rules: [{ path: 'id', action: 'hash' }],
        keys: { k2025: OLD_TEST_KEY },
        activeKey: 'k2025',
      },
      { id: 'customer-42' },
    ).body.id as string;
    const rotated = { keys: { k2025: OLD_TEST_KEY, k2026: TEST_KEY }, activeKey: 'k2026' };
    const after = run(
      { detectors: DETECTORS_OFF, rules: [{ path: 'id', action: 'hash' }], ...rotated },
      { id: 'customer-42' },
    ).body.id as string;
    expect(before).toMatch(/^hmac:k2025:[0-9a-f]{32}$/);
    expect(after).toMatch(/^hmac:k2026:[0-9a-f]{32}$/);
    expect(after.slice(-32)).not.toBe(before.slice(-32));
    const hasher = createRedactionHasher(rotated);
    expect(hasher.verify('customer-42', before)).toBe(true);
    expect(hasher.verify('customer-42', after)).toBe(true);
    expect(hasher.verify('customer-43', before)).toBe(false);
    const withoutOld = createRedactionHasher({ keys: { k2026: TEST_KEY }, activeKey: 'k2026' });
    expect(withoutOld.verify('customer-42', before)).toBe(false);
  });
});

describe('RedactionProcessor bounded work', () => {
  it('finishes on a 10 MB string: scanned up to maxStringChars, then cut with a marker', () => {
    const filler = 'lorem ipsum 4111 1111 1111 1112 dolor 12.34.56 a@b '.repeat(200_000);
    const text = `ann@example.org ${filler} bob@example.org`;
    expect(text.length).toBeGreaterThan(10_000_000);
    const { body, attributes } = run({ maxStringChars: 4096 }, { prompt: text });
    const out = body.prompt as string;
    expect(out.startsWith('[REDACTED:email] lorem ipsum')).toBe(true);
    expect(out).toMatch(/…\[cut \d+ chars\]$/);
    expect(out.length).toBeLessThan(4200);
    expect(out).not.toContain('bob@example.org');
    expect(attributes[REDACTION_RULES_ATTRIBUTE]).toEqual(['email', 'max_string_chars']);
  });

  it('finishes on 10 MB strings built to make scanners backtrack', () => {
    const huge = 10_000_000;
    const inputs = [
      '1 '.repeat(huge / 2),
      '@'.repeat(huge),
      `${'a'.repeat(huge)}@`,
      '1.'.repeat(huge / 2),
      ':'.repeat(huge),
      'DE89'.repeat(huge / 4),
      `+${'1 '.repeat(huge / 2)}`,
    ];
    const { processor } = redactor({
      patterns: [{ name: 'ticket', regex: 'T-\\d+', action: 'replace' }],
      ...KEYS,
      rules: [{ path: 'hashed', action: 'hash' }],
    });
    for (const text of inputs) {
      const body = redactOne(processor, { value: text }, { value: text, hashed: text })?.body as
        | Record<string, unknown>
        | undefined;
      expect(String(body?.value).length).toBeLessThan(270_000);
      expect(body?.hashed).toMatch(HASH);
    }
  });

  it('finishes on nesting 100,000 levels deep: values below maxDepth become a marker', () => {
    let deep: unknown = 'ann@example.org';
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? { next: deep } : [deep];
    const { body } = run({ maxDepth: 8 }, { raw_input: deep });
    const text = JSON.stringify(body);
    expect(text).toContain('[REDACTED:max_depth]');
    expect(text).not.toContain('ann@example.org');
    expect(text.length).toBeLessThan(200);
  });

  it('is fine with a map key named __proto__', () => {
    const body = JSON.parse('{"raw_input":{"__proto__":{"email":"ann@example.org"},"x":1}}') as unknown;
    const out = run({}, body).body;
    expect(Object.getPrototypeOf(out.raw_input)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"raw_input":{"__proto__":{"email":"[REDACTED:email]"},"x":1}}');
  });
});

describe('RedactionProcessor fail-closed behaviour', () => {
  it('never mutates a body it does not own: maps are copied before they change', () => {
    const shared = { raw_input: { email: 'ann@example.org', nested: { keep: 1 } }, other: { a: 1 } };
    const { processor } = redactor({});
    const record = logRecord({}, shared);
    processor.process([record]);
    expect(shared.raw_input.email).toBe('ann@example.org');
    const body = record.body as typeof shared;
    expect(body.raw_input.email).toBe('[REDACTED:email]');
    expect(body.raw_input.nested).toBe(shared.raw_input.nested);
    expect(body.other).toBe(shared.other);
  });

  it('drops a record it cannot read (a throwing getter), counts it and names no value', () => {
    const { processor, diagnostics, metrics } = redactor({});
    const body = {
      get raw_input(): unknown {
        throw new Error('ann@example.org is not readable');
      },
    };
    const good = logRecord({}, { a: 'ann@example.org' });
    const bad = logRecord({}, body);
    const kept = processor.process([good, bad]);
    expect(kept).toEqual([good]);
    expect(processor.dropReason).toBe('redaction_failed');
    expect(processor.stats().recordFailures).toBe(1);
    expect(metrics.at('predlog.processor.redaction.failures', 'kind', 'record')).toBe(1);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]?.code).toBe('redaction.record_failed.redaction/pii');
    expect(JSON.stringify(diagnostics)).not.toContain('example.org');
  });

  it('drops an SDK record that is read-only (its body could not be replaced)', () => {
    const { processor } = redactor({});
    const record = logRecord({}, { a: 'ann@example.org' });
    Object.defineProperty(record, 'body', { get: () => ({ a: 'ann@example.org' }), set: () => undefined });
    expect(processor.process([record])).toEqual([]);
  });

  it('works inside a plain OTel LoggerProvider through pipeTo, without touching the emitted objects', async () => {
    const { services } = testServices({ id: 'redaction/pii' });
    const processor = new RedactionProcessor(redactionConfigSchema.parse({}), services);
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'app' }),
      processors: [processor.pipeTo(new SimpleLogRecordProcessor({ exporter }))],
    });
    const body = { text: 'call +1 (415) 555-2671 or mail ann@example.org' };
    provider.getLogger('app').emit({ eventName: 'app.note', body, attributes: { 'user.ip': '10.1.2.3' } });
    await provider.forceFlush();
    const [exported] = exporter.getFinishedLogRecords();
    expect(exported?.body).toEqual({ text: 'call [REDACTED:phone] or mail [REDACTED:email]' });
    expect(exported?.attributes['user.ip']).toBe('[REDACTED:ipv4]');
    expect(exported?.attributes[ATTR.redactionCount]).toBe(3);
    expect(body.text).toBe('call +1 (415) 555-2671 or mail ann@example.org');
    await provider.shutdown();
  });
});
