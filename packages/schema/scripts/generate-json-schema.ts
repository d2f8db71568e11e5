// Writes the JSON Schemas of the current records to packages/schema/schemas/.
// Run with `pnpm --filter @predlog/schema generate`; test/json-schema.test.ts fails until the
// committed files match what this writes.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { recordJsonSchemaFiles, renderJsonSchema } from '../src/json-schema.ts';

const outDir = path.join(import.meta.dirname, '..', 'schemas');
await mkdir(outDir, { recursive: true });
for (const file of recordJsonSchemaFiles()) {
  await writeFile(path.join(outDir, file.fileName), renderJsonSchema(file.schema));
  process.stdout.write(`wrote schemas/${file.fileName}\n`);
}
