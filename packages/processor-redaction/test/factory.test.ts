import { testServices } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import { RedactionProcessor, redactionConfigSchema, redactionProcessorFactory } from '../src/index.ts';

describe('redactionProcessorFactory', () => {
  it('registers as processor type "redaction" with the config schema', () => {
    expect(redactionProcessorFactory.kind).toBe('processor');
    expect(redactionProcessorFactory.type).toBe('redaction');
    expect(redactionProcessorFactory.configSchema).toBe(redactionConfigSchema);
  });

  it('creates a processor with the id from config, counted as redaction_failed when it drops', async () => {
    const { services } = testServices({ id: 'redaction/pii' });
    const processor = await redactionProcessorFactory.create(redactionConfigSchema.parse({}), services);
    expect(processor).toBeInstanceOf(RedactionProcessor);
    expect(processor.id).toBe('redaction/pii');
    expect(processor.dropReason).toBe('redaction_failed');
    expect(processor.headSampler).toBeUndefined();
  });
});
