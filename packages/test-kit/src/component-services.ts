import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  type ComponentServices,
  createComponentServices,
  type DiagnosticEvent,
  DiagnosticsChannel,
} from '@predlog/core';
import { CountingMeter } from './counting-meter.ts';
import { FakeClock, type FakeClockOptions } from './fake-clock.ts';

export interface TestServicesOptions {
  /** The component id as config would write it: `file`, `redaction/pii`. */
  id: string;
  /** Where relative paths resolve; the working directory unless given. */
  baseDir?: string;
  clock?: FakeClockOptions;
}

export interface TestServices {
  readonly services: ComponentServices;
  readonly clock: FakeClock;
  readonly metrics: CountingMeter;
  readonly diagnostics: DiagnosticEvent[];
}

/** The services core hands a component, with a fake clock, a counting meter and diagnostics kept in a list. */
export function testServices(options: TestServicesOptions): TestServices {
  const clock = new FakeClock(options.clock);
  const metrics = new CountingMeter();
  const diagnostics: DiagnosticEvent[] = [];
  return {
    clock,
    metrics,
    diagnostics,
    // The public builder, so tests get what a user of createComponentServices() gets, but with an
    // empty resource (none from the machine or the environment) and everything observable.
    services: createComponentServices({
      id: options.id,
      diagnostics: new DiagnosticsChannel((event) => diagnostics.push(event)),
      meter: metrics.meter,
      clock,
      resource: resourceFromAttributes({}),
      ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
    }),
  };
}
