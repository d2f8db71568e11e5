import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AnyValue,
  type Attributes,
  type Counter,
  createNoopMeter,
  type Meter,
} from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  type ComponentServices,
  type DiagnosticEvent,
  DiagnosticsChannel,
  PredlogLogRecord,
  systemClock,
} from '@predlog/core';
import { type RedactionConfigInput, RedactionProcessor, redactionConfigSchema } from '../../src/index.ts';

/** A meter that sums every counter by name and by each attribute value. */
export class CountingMeter {
  readonly sums = new Map<string, number>();
  readonly byAttribute = new Map<string, number>();
  /** Every attribute value any counter was given (to check no value ever reaches a label). */
  readonly labelValues = new Set<string>();
  readonly meter: Meter;

  constructor() {
    const meter = createNoopMeter();
    meter.createCounter = <A extends Attributes>(name: string): Counter<A> => ({
      add: (value: number, attributes?: A) => {
        this.sums.set(name, (this.sums.get(name) ?? 0) + value);
        for (const [key, attr] of Object.entries(attributes ?? {})) {
          this.labelValues.add(String(attr));
          const slot = `${name}{${key}=${String(attr)}}`;
          this.byAttribute.set(slot, (this.byAttribute.get(slot) ?? 0) + value);
        }
      },
    });
    this.meter = meter;
  }

  sum(name: string): number {
    return this.sums.get(name) ?? 0;
  }

  at(name: string, key: string, value: string): number {
    return this.byAttribute.get(`${name}{${key}=${value}}`) ?? 0;
  }
}

export interface TestServices {
  readonly services: ComponentServices;
  readonly metrics: CountingMeter;
  readonly diagnostics: DiagnosticEvent[];
}

export function testServices(id = 'redaction/pii'): TestServices {
  const metrics = new CountingMeter();
  const diagnostics: DiagnosticEvent[] = [];
  return {
    metrics,
    diagnostics,
    services: {
      id,
      diagnostics: new DiagnosticsChannel((event) => diagnostics.push(event)),
      meter: metrics.meter,
      clock: systemClock,
      resource: resourceFromAttributes({}),
      baseDir: process.cwd(),
    },
  };
}

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
  const test = testServices();
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

/** A fresh temp directory and its removal. */
export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'predlog-redaction-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
