import { describe, expect, it } from 'vitest';
import {
  activePredictionScope,
  annotatePrediction,
  createPredictionScope,
  runInPredictionScope,
} from '../src/index.ts';

describe('prediction scope', () => {
  it('is visible across awaits and timers inside run, and gone outside', async () => {
    const scope = createPredictionScope('req-1', 'a'.repeat(32), 'b'.repeat(16));
    expect(activePredictionScope()).toBeUndefined();
    const seen = await runInPredictionScope(scope, async () => {
      // A timer callback, not a wait: the scope must survive it.
      await new Promise((resolve) => setTimeout(resolve, 0));
      return activePredictionScope();
    });
    expect(seen).toBe(scope);
    expect(activePredictionScope()).toBeUndefined();
  });

  it('merges annotations field by field, and ignores them outside a scope', () => {
    expect(annotatePrediction({ score: 1 })).toBe(false);
    const scope = createPredictionScope('req-2');
    runInPredictionScope(scope, () => {
      expect(annotatePrediction({ score: 0.4, segment: 'a' })).toBe(true);
      annotatePrediction({ segment: 'b', features: { x: 1 } });
    });
    expect(scope.annotations).toEqual({ score: 0.4, segment: 'b', features: { x: 1 } });
  });
});
