import type { LogRecordLike } from '@predlog/core';
import { type MetricReaderEnv, metricReaderEnv } from '@predlog/test-kit';
import {
  type TailRetentionConfigInput,
  TailRetentionProcessor,
  tailRetentionConfigSchema,
} from '../../src/index.ts';

/** Services with a real meter, on a clock starting 2026-01-31T12:00:00Z. */
export function testEnv(id = 'tail_retention'): MetricReaderEnv {
  return metricReaderEnv({ id, meterScope: '@predlog/processor-tail-retention' });
}

/**
 * A processor wired the way a pipeline wires it: what `process()` returns and what it releases
 * later both land in `kept`, reported drops in `dropped`. The interval timer is pushed out of the
 * way (one hour) unless the config sets it: tests move the fake clock and call `advance()`.
 */
export class Harness {
  readonly env: MetricReaderEnv;
  readonly processor: TailRetentionProcessor;
  /** Returned by process() (late arrivals, groups decided while a batch was ingested). */
  readonly passed: LogRecordLike[] = [];
  /** Released later through the downstream callback (due groups, flush). */
  readonly released: LogRecordLike[] = [];
  readonly drops = new Map<string, number>();

  constructor(config: TailRetentionConfigInput = {}, env: MetricReaderEnv = testEnv()) {
    this.env = env;
    this.processor = new TailRetentionProcessor(
      tailRetentionConfigSchema.parse({ checkIntervalMs: 3_600_000, ...config }),
      env.services,
    );
    this.processor.connect(
      (records) => this.released.push(...records),
      (count, reason) => this.drops.set(reason, (this.drops.get(reason) ?? 0) + count),
    );
  }

  push(...records: LogRecordLike[]): LogRecordLike[] {
    const passed = this.processor.process(records);
    this.passed.push(...passed);
    return passed;
  }

  /** Moves the clock and decides what is due, as the interval timer would. */
  advance(ms: number): number {
    this.env.clock.advance(ms);
    return this.processor.decideDue();
  }

  get kept(): LogRecordLike[] {
    return [...this.passed, ...this.released];
  }

  get dropped(): number {
    return this.drops.get('retention_policy') ?? 0;
  }

  async close(): Promise<void> {
    await this.processor.shutdown();
  }
}
