import type { AnyValue } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { PredlogLogRecord } from '@predlog/core';
import { type TestServices, testServices } from '@predlog/test-kit';
import { type RedactionConfigInput, RedactionProcessor, redactionConfigSchema } from '../../src/index.ts';

/** A key long enough for the config check; tests never use it anywhere real. */
export const TEST_KEY = 'test-only-hmac-key-0123456789abcdef';
export const OLD_TEST_KEY = 'test-only-old-hmac-key-abcdef0123456789';

/** Detectors all off, to test path rules alone. */
export const DETECTORS_OFF = {
  email: { action: 'off' },
  card: { action: 'off' },
  iban: { action: 'off' },
  ssn: { action: 'off' },
  phone: { action: 'off' },
  ipv6: { action: 'off' },
  ipv4: { action: 'off' },
} as const;

export function redactor(config: RedactionConfigInput): TestServices & { processor: RedactionProcessor } {
  const test = testServices({ id: 'redaction/pii' });
  return { ...test, processor: new RedactionProcessor(redactionConfigSchema.parse(config), test.services) };
}

/** A record as core builds it after the async boundary. */
export function logRecord(
  attributes: Record<string, unknown>,
  body?: unknown,
  eventName = 'ml.prediction',
): PredlogLogRecord {
  return new PredlogLogRecord({
    hrTime: [1_769_860_800, 0],
    resource: resourceFromAttributes({ 'service.name': 'test' }),
    instrumentationScope: { name: '@predlog/core' },
    attributes: attributes as PredlogLogRecord['attributes'],
    body: body as AnyValue,
    eventName,
  });
}

/** Runs one record through the processor; returns it (or undefined when it was dropped). */
export function redactOne(
  processor: RedactionProcessor,
  attributes: Record<string, unknown>,
  body?: unknown,
): PredlogLogRecord | undefined {
  const record = logRecord(attributes, body);
  return processor.process([record])[0] as PredlogLogRecord | undefined;
}
