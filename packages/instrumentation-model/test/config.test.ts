import { systemClock } from '@predlog/core';
import { memoryLogger } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import {
  defaultPredictionExtractor,
  modelInstrumentationConfigSchema,
  shadowConfigSchema,
} from '../src/index.ts';

const { logger } = memoryLogger();

describe('modelInstrumentationConfigSchema', () => {
  it('holds every default', () => {
    const config = modelInstrumentationConfigSchema.parse({ logger, name: 'fraud', version: '1' });
    expect(config).toMatchObject({
      name: 'fraud',
      version: '1',
      inputArgument: 0,
      captureInputAs: 'auto',
      batch: false,
    });
    expect(config.extractPrediction).toBe(defaultPredictionExtractor);
    expect(typeof config.diagnostics.warnOnce).toBe('function');
    expect(config.clock).toBe(systemClock);
    expect(config.role).toBeUndefined();
    expect(config.shadow).toBeUndefined();
    expect(config.isBatch).toBeUndefined();
  });

  it('holds the shadow defaults', () => {
    const shadow = shadowConfigSchema.parse({ predict: () => 1, name: 'c', version: '2' });
    expect(shadow).toMatchObject({ timeoutMs: 1000, rate: 1, maxConcurrent: 32, logInput: false });
    expect(shadow.extractPrediction).toBe(defaultPredictionExtractor);
  });

  it('names the key and the rule of a bad value', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ logger, version: '1' }, 'name', /./],
      [{ logger: {}, name: 'm', version: '1' }, 'logger', /PredictionLogger/],
      [{ logger, name: 'm', version: '1', extractPrediction: 'x' }, 'extractPrediction', /function/],
      [{ logger, name: 'm', version: '1', captureInputAs: 'body' }, 'captureInputAs', /./],
      [
        { logger, name: 'm', version: '1', shadow: { predict: () => 1, name: 'c', version: '2', rate: 2 } },
        'shadow.rate',
        /0 to 1/,
      ],
      [{ logger, name: 'm', version: '1', clock: { now: () => 0 } }, 'clock', /Clock/],
      [{ logger, name: 'm', version: '1', batchSize: 3 }, '', /batchSize/],
    ];
    for (const [input, path, message] of cases) {
      const result = modelInstrumentationConfigSchema.safeParse(input);
      expect(result.success).toBe(false);
      const issue = result.error?.issues[0];
      expect(issue?.path.join('.')).toBe(path);
      expect(`${issue?.message} ${JSON.stringify(issue)}`).toMatch(message);
    }
  });
});

describe('defaultPredictionExtractor', () => {
  it('reads scores, labels and probabilities', () => {
    expect(defaultPredictionExtractor(0.7)).toEqual({ prediction: 0.7, score: 0.7 });
    expect(defaultPredictionExtractor(42)).toEqual({ prediction: 42 });
    expect(defaultPredictionExtractor({ label: 'fraud', score: 0.9, threshold: 0.5, extra: 1 })).toEqual({
      prediction: 'fraud',
      score: 0.9,
      threshold: 0.5,
    });
    expect(defaultPredictionExtractor({ prediction: 'cat', probabilities: { cat: 0.8, dog: 0.2 } })).toEqual({
      prediction: 'cat',
      probabilities: { cat: 0.8, dog: 0.2 },
    });
    expect(defaultPredictionExtractor(['a', 'b'])).toEqual({ prediction: ['a', 'b'] });
  });
});
