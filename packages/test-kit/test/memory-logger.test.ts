import { describe, expect, it } from 'vitest';
import { attr, bodyOf, eventually, memoryLogger } from '../src/index.ts';

describe('memoryLogger', () => {
  it('reads back exactly what was logged once flushed', async () => {
    const { logger, records } = memoryLogger();
    logger.record({
      requestId: 'req-1',
      model: { name: 'fraud', version: '2' },
      prediction: 'legit',
      score: 0.2,
    });
    logger.record({
      requestId: 'req-2',
      model: { name: 'fraud', version: '2' },
      prediction: 'fraud',
      score: 0.9,
    });
    const logged = await records();
    expect(logged.map((record) => attr(record, 'ml.request.id'))).toEqual(['req-1', 'req-2']);
    expect(attr(logged[1], 'ml.model.version')).toBe('2');
    expect(bodyOf(logged[1]).prediction).toBe('fraud');
    await logger.shutdown();
  });

  it('attr and bodyOf read nothing from a missing record', () => {
    expect(attr(undefined, 'ml.request.id')).toBeUndefined();
    expect(bodyOf(undefined)).toEqual({});
  });
});

describe('eventually', () => {
  it('resolves once the condition holds and fails when it never does', async () => {
    let calls = 0;
    await eventually(() => ++calls === 3);
    expect(calls).toBe(3);
    await expect(eventually(() => false, 20)).rejects.toThrow('condition not met in time');
  });
});
