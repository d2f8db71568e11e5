import { z } from 'zod';
import { feedbackRecordSchema, predictionRecordSchema, SCHEMA_VERSION } from './records.ts';

/** A JSON Schema document or subschema (draft 2020-12); `true`/`false` are the boolean schemas. */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/** One committed JSON Schema file: its name under `packages/schema/schemas/` and its content. */
export interface RecordJsonSchemaFile {
  readonly fileName: string;
  readonly schema: { readonly [keyword: string]: unknown };
}

function toJsonSchema(schema: z.ZodType, title: string, description: string): Record<string, unknown> {
  // io 'input' describes what the schema accepts: a field with a default (schema_version) is optional
  // there, which is also the right view for the evolution check (old records may lack it).
  const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as Record<
    string,
    unknown
  >;
  const { $schema, ...rest } = generated;
  return { $schema, title, description, ...rest };
}

/** The JSON Schemas of the current record versions, as committed under `packages/schema/schemas/`. */
export function recordJsonSchemaFiles(): RecordJsonSchemaFile[] {
  return [
    {
      fileName: `prediction-record.v${SCHEMA_VERSION}.json`,
      schema: toJsonSchema(
        predictionRecordSchema,
        `PredictionRecord v${SCHEMA_VERSION}`,
        'One model decision as predlog stores and exports it (event ml.prediction).',
      ),
    },
    {
      fileName: `feedback-record.v${SCHEMA_VERSION}.json`,
      schema: toJsonSchema(
        feedbackRecordSchema,
        `FeedbackRecord v${SCHEMA_VERSION}`,
        'Ground truth or a complaint about an earlier prediction (event ml.feedback). A record also needs ' +
          'request_id or entity_id, and a label, value or complaint; JSON Schema does not express those two rules.',
      ),
    },
  ];
}

/** The exact text of a committed schema file: two-space indentation and a final newline. */
export function renderJsonSchema(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
