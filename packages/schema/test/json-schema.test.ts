import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordJsonSchemaFiles, renderJsonSchema } from '../src/json-schema.ts';
import { predictionRecordSchema } from '../src/records.ts';

const schemasDir = path.join(import.meta.dirname, '..', 'schemas');

describe('recordJsonSchemaFiles', () => {
  it.each(recordJsonSchemaFiles().map((f) => [f.fileName, f] as const))(
    'committed schemas/%s matches the zod schema (run `pnpm --filter @predlog/schema generate`)',
    async (fileName, file) => {
      const committed = await readFile(path.join(schemasDir, fileName), 'utf8');
      expect(committed).toBe(renderJsonSchema(file.schema));
    },
  );

  it('describes the accepted input: draft 2020-12, closed objects, schema_version optional', () => {
    const prediction = recordJsonSchemaFiles()[0]?.schema as Record<string, unknown>;
    expect(prediction.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(prediction.additionalProperties).toBe(false);
    expect(prediction.required).not.toContain('schema_version');
    expect(prediction.required).toEqual(
      Object.entries(predictionRecordSchema.shape)
        .filter(([name, field]) => !field.safeParse(undefined).success && name !== 'schema_version')
        .map(([name]) => name),
    );
  });
});
