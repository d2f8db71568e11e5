import { createNoopMeter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { DiagnosticsChannel, systemClock } from '@predlog/core';
import { describe, expect, it } from 'vitest';
import { MemoryExporter, memoryExporterFactory, predictionBatch } from '../src/index.ts';

describe('memoryExporterFactory', () => {
  it('creates exporters named by their config id that keep every record sent, in order', async () => {
    const created: MemoryExporter[] = [];
    const factory = memoryExporterFactory(created);
    expect(factory.configSchema.safeParse({ unknown: 1 }).success).toBe(false);
    const exporter = await factory.create(factory.configSchema.parse({}), {
      id: 'memory/a',
      diagnostics: new DiagnosticsChannel(() => {}),
      meter: createNoopMeter(),
      clock: systemClock,
      resource: resourceFromAttributes({}),
      baseDir: process.cwd(),
    });
    expect(created).toEqual([exporter]);
    expect(exporter.id).toBe('memory/a');
    const [a, b, c] = predictionBatch(3);
    await created[0]?.send([a!, b!]);
    await created[0]?.send([c!]);
    expect(created[0]?.records).toEqual([a, b, c]);
    expect(new MemoryExporter().id).toBe('memory');
  });
});
