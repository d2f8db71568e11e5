import { describe, expect, it } from 'vitest';
import {
  type SimulationRecord,
  SimulationSample,
  samplingConfigSchema,
  simulateSampling,
} from '../src/index.ts';

const config = samplingConfigSchema.parse({ alwaysKeep: { features: { amount: { min: 0, max: 100 } } } });

function record(i: number, model = 'fraud'): SimulationRecord {
  return {
    attributes: {
      'ml.request.id': `s${i}`,
      'ml.model.name': model,
      'ml.model.version': '2.3.1',
      'ml.prediction.score': (i % 97) / 97,
    },
    body: {
      input_features: { amount: i % 120, wide: 'w'.repeat(10_000) },
      raw_input: { text: 'x'.repeat(10_000) },
    },
    bytes: 600,
  };
}

describe('SimulationSample', () => {
  it('keeps of each line the sampler view and the key features only, not the body', () => {
    const sample = new SimulationSample(config);
    sample.add(record(7));
    const [line] = sample.lines;
    expect(line?.view.features).toEqual({ amount: 7 });
    expect(line?.view).toMatchObject({ modelName: 'fraud', modelVersion: '2.3.1', requestId: undefined });
    expect(line).toMatchObject({ bytes: 600, weight: 1 });
    // No feature rule: no features kept at all.
    const plain = new SimulationSample(samplingConfigSchema.parse({}));
    plain.add(record(7));
    expect(plain.lines[0]?.view.features).toBeUndefined();
  });

  it('caps the lines kept at maxRecords with a uniform reservoir (fixed seed: the same lines each run)', () => {
    const build = () => {
      const sample = new SimulationSample(config, { maxRecords: 1000, seed: 7 });
      for (let i = 0; i < 20_000; i++) sample.add(record(i, i % 10 < 3 ? 'churn' : 'fraud'));
      return sample;
    };
    const sample = build();
    expect(sample.size).toBe(1000);
    expect(sample.offered).toBe(20_000);
    const churn = sample.lines.filter((l) => l.view.modelName === 'churn').length / sample.size;
    expect(Math.abs(churn - 0.3)).toBeLessThan(0.05);
    // Lines from the whole file, not its first 1000.
    const amounts = new Set(sample.lines.map((l) => l.view.features?.amount));
    expect(amounts.size).toBeGreaterThan(100);
    expect(build().lines.map((l) => l.view.features?.amount)).toEqual(
      sample.lines.map((l) => l.view.features?.amount),
    );
  });

  it('gives the same report streamed through a sample as from records in memory', () => {
    const records = Array.from({ length: 500 }, (_, i) => record(i));
    const sample = new SimulationSample(config);
    for (const r of records) sample.add(r);
    const options = { config, volumePerDay: 2_000_000, hours: 1 };
    const fromSample = simulateSampling({ ...options, sample });
    expect(fromSample).toEqual(simulateSampling({ ...options, records }));
    expect(fromSample).toMatchObject({ sampleRecords: 500, sampleRecordsRead: 500 });
  });

  it('reports the lines read beside the lines replayed when the sample was capped', () => {
    const sample = new SimulationSample(config, { maxRecords: 50 });
    for (let i = 0; i < 400; i++) sample.add(record(i));
    const report = simulateSampling({ config, sample, volumePerDay: 1_000_000, hours: 1 });
    expect(report).toMatchObject({ sampleRecords: 50, sampleRecordsRead: 400 });
    expect(() => new SimulationSample(config, { maxRecords: 0 })).toThrow(RangeError);
  });
});
