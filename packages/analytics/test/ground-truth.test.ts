import { describe, expect, it } from 'vitest';
import { groundTruthFrom } from '../src/index.ts';

describe('groundTruthFrom', () => {
  it('reads the feedback record fields', () => {
    expect(
      groundTruthFrom({
        request_id: 'r1',
        label: 'fraud',
        value: 12.5,
        timestamp: '2026-03-01T00:00:00.000Z',
      }),
    ).toEqual({
      requestId: 'r1',
      label: 'fraud',
      value: 12.5,
      timeMs: Date.parse('2026-03-01T00:00:00.000Z'),
    });
  });

  it('reads CSV text: numeric value strings, epoch milliseconds, times without a zone as UTC', () => {
    expect(groundTruthFrom({ entity_id: 'e', value: ' 3.5 ', timestamp: '1772323200000' })).toEqual({
      entityId: 'e',
      value: 3.5,
      timeMs: 1772323200000,
    });
    expect(groundTruthFrom({ entity_id: 'e', label: 'x', timestamp: '2026-03-01T12:00:00' })?.timeMs).toBe(
      Date.parse('2026-03-01T12:00:00Z'),
    );
  });

  it('needs a key and a label or value', () => {
    expect(groundTruthFrom({ label: 1 })).toBeUndefined();
    expect(groundTruthFrom({ request_id: 'r' })).toBeUndefined();
    expect(groundTruthFrom({ request_id: 'r', label: '' })).toBeUndefined();
    expect(groundTruthFrom({ request_id: 'r', complaint: true })).toBeUndefined();
    expect(groundTruthFrom({ request_id: 'r', label: false })?.label).toBe(false);
    expect(Number.isNaN(groundTruthFrom({ request_id: 'r', label: 0 })?.timeMs)).toBe(true);
  });
});
