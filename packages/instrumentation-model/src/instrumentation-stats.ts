import type { Meter } from '@opentelemetry/api';

/** Outcomes of challenger runs in shadow mode. */
export interface ShadowStats {
  /** Challenger calls started. */
  started: number;
  /** Challenger calls that returned in time. */
  completed: number;
  /** Challenger calls that threw or rejected (swallowed). */
  failed: number;
  /** Challenger calls still running at `timeoutMs` (their result is ignored). */
  timedOut: number;
  /** Requests not shadowed: not sampled by `rate`, over `maxConcurrent`, or an input that could not be copied. */
  skipped: number;
}

export function emptyShadowStats(): ShadowStats {
  return { started: 0, completed: 0, failed: 0, timedOut: 0, skipped: 0 };
}

/**
 * Publishes plain counters (read at collection time, so counting costs a field increment) as OTel
 * observable counters: `predlog.instrumentation.events{instrumentation, event}` and
 * `predlog.shadow.runs{instrumentation, outcome}`.
 */
export function observeInstrumentationCounters(
  meter: Meter,
  instrumentation: string,
  /** A plain object of counters (number fields; other fields are ignored). */
  events: () => object,
  shadow: () => ShadowStats | undefined,
): void {
  meter
    .createObservableCounter('predlog.instrumentation.events', {
      description: 'Calls, records and failures counted by predlog instrumentations',
    })
    .addCallback((result) => {
      for (const [event, value] of Object.entries(events()))
        if (typeof value === 'number') result.observe(value, { instrumentation, event: snakeCase(event) });
    });
  meter
    .createObservableCounter('predlog.shadow.runs', {
      description: 'Challenger runs in shadow mode by outcome',
    })
    .addCallback((result) => {
      const stats = shadow();
      if (stats === undefined) return;
      for (const [outcome, value] of Object.entries(stats))
        result.observe(value, { instrumentation, outcome: snakeCase(outcome) });
    });
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
