import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Attributes, type Counter, createNoopMeter, type Meter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type Clock, type ComponentServices, type DiagnosticEvent, DiagnosticsChannel } from '@predlog/core';

/** A clock the test moves by hand; wall and monotonic time advance together. */
export class FakeClock implements Clock {
  private wallMs: number;
  private monotonicMs = 1_000;

  constructor(startIso: string) {
    this.wallMs = Date.parse(startIso);
  }

  now(): number {
    return this.wallMs;
  }

  monotonic(): number {
    return this.monotonicMs;
  }

  advance(ms: number): void {
    this.wallMs += ms;
    this.monotonicMs += ms;
  }
}

/** A meter that sums every counter by name (attributes ignored unless asked for). */
export class CountingMeter {
  readonly sums = new Map<string, number>();
  readonly byAttribute = new Map<string, number>();
  readonly meter: Meter;

  constructor() {
    const meter = createNoopMeter();
    meter.createCounter = <A extends Attributes>(name: string): Counter<A> => ({
      add: (value: number, attributes?: A) => {
        this.sums.set(name, (this.sums.get(name) ?? 0) + value);
        for (const [key, attr] of Object.entries(attributes ?? {})) {
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
}

export interface TestServices {
  readonly services: ComponentServices;
  readonly clock: FakeClock;
  readonly metrics: CountingMeter;
  readonly diagnostics: DiagnosticEvent[];
}

export function testServices(baseDir: string, startIso = '2026-01-31T12:00:00.000Z'): TestServices {
  const clock = new FakeClock(startIso);
  const metrics = new CountingMeter();
  const diagnostics: DiagnosticEvent[] = [];
  return {
    clock,
    metrics,
    diagnostics,
    services: {
      id: 'loki',
      diagnostics: new DiagnosticsChannel((event) => diagnostics.push(event)),
      meter: metrics.meter,
      clock,
      resource: resourceFromAttributes({}),
      baseDir,
    },
  };
}

/** A fresh temp directory and its removal. */
export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'predlog-loki-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
