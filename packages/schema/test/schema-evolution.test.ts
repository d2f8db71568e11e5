import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { recordJsonSchemaFiles } from '../src/json-schema.ts';
import { predictionRecordSchema } from '../src/records.ts';
import { checkSchemaEvolution, type EvolutionFinding } from '../src/schema-evolution.ts';

type Mutable = Record<string, unknown> & {
  properties: Record<string, Record<string, unknown>>;
  required: string[];
  $defs: Record<string, Record<string, unknown>>;
};

function predictionV1(): Mutable {
  const file = recordJsonSchemaFiles().find((f) => f.fileName.startsWith('prediction-record'));
  if (file === undefined) throw new Error('prediction schema missing');
  return structuredClone(file.schema) as Mutable;
}

function prop(schema: Mutable, name: string): Record<string, unknown> {
  const value = schema.properties[name];
  if (value === undefined) throw new Error(`no property ${name}`);
  return value;
}

function breaking(findings: readonly EvolutionFinding[]) {
  return findings.filter((f) => f.breaking).map(({ kind, path, message }) => ({ kind, path, message }));
}

describe('checkSchemaEvolution', () => {
  it('finds nothing between a schema and itself (recursive $defs included)', () => {
    const report = checkSchemaEvolution(predictionV1(), predictionV1());
    expect(report).toEqual({ compatible: true, findings: [] });
  });

  it('fails on a removed field', () => {
    const next = predictionV1();
    delete next.properties.region;
    const report = checkSchemaEvolution(predictionV1(), next);
    expect(report.compatible).toBe(false);
    expect(breaking(report.findings)).toEqual([
      {
        kind: 'removed',
        path: '$.region',
        message: 'field removed; records written before the change carry it',
      },
    ]);
  });

  it('fails on a retyped field', () => {
    const next = predictionV1();
    next.properties.latency_ms = { type: 'string' };
    const report = checkSchemaEvolution(predictionV1(), next);
    expect(report).toEqual({
      compatible: false,
      findings: [
        {
          kind: 'retyped',
          breaking: true,
          path: '$.latency_ms',
          message: 'type changed from number to string',
        },
      ],
    });
  });

  it('fails when a feature value type is dropped from input_features (record values)', () => {
    const next = predictionV1();
    (prop(next, 'input_features').additionalProperties as Record<string, unknown>).type = [
      'number',
      'string',
      'null',
    ];
    const report = checkSchemaEvolution(predictionV1(), next);
    expect(breaking(report.findings)).toEqual([
      {
        kind: 'retyped',
        path: '$.input_features.*',
        message:
          'no longer accepts boolean (was number | string | boolean | null, now number | string | null)',
      },
    ]);
  });

  it('fails on a retyped property of explanation items', () => {
    const next = predictionV1();
    const items = prop(next, 'explanation').items as Mutable;
    items.properties.contribution = { type: 'string' };
    const report = checkSchemaEvolution(predictionV1(), next);
    expect(breaking(report.findings)).toEqual([
      {
        kind: 'retyped',
        path: '$.explanation[*].contribution',
        message: 'type changed from number to string',
      },
    ]);
  });

  it('fails inside the recursive raw_input definition', () => {
    const next = predictionV1();
    const json = Object.values(next.$defs)[0] as { anyOf: Array<{ type?: string }> };
    json.anyOf = json.anyOf.filter((member) => member.type !== 'null');
    const report = checkSchemaEvolution(predictionV1(), next);
    expect(report.compatible).toBe(false);
    expect(breaking(report.findings).map((f) => [f.kind, f.path])).toContainEqual(['retyped', '$.raw_input']);
  });

  it('fails when an optional field becomes required', () => {
    const next = predictionV1();
    next.required.push('model_framework');
    expect(breaking(checkSchemaEvolution(predictionV1(), next).findings)).toEqual([
      {
        kind: 'became-required',
        path: '$.model_framework',
        message: 'optional field became required; older records may lack it',
      },
    ]);
  });

  it('fails when an enum loses a value, and passes when it gains one', () => {
    const narrowed = predictionV1();
    prop(narrowed, 'status').enum = ['ok'];
    expect(breaking(checkSchemaEvolution(predictionV1(), narrowed).findings)).toEqual([
      { kind: 'enum-narrowed', path: '$.status', message: 'no longer allows "error"' },
    ]);

    const widened = predictionV1();
    prop(widened, 'status').enum = ['ok', 'error', 'timeout'];
    const report = checkSchemaEvolution(predictionV1(), widened);
    expect(report.compatible).toBe(true);
    expect(report.findings).toEqual([
      { kind: 'widened', breaking: false, path: '$.status', message: 'now also allows "timeout"' },
    ]);
  });

  it('fails when a free string becomes an enum', () => {
    const next = predictionV1();
    prop(next, 'channel').enum = ['web', 'app'];
    expect(breaking(checkSchemaEvolution(predictionV1(), next).findings)).toEqual([
      { kind: 'enum-narrowed', path: '$.channel', message: 'accepted any string, now only "web" | "app"' },
    ]);
  });

  it('passes an added optional field and reports it', () => {
    const v2 = z.toJSONSchema(predictionRecordSchema.extend({ tenant: z.string().optional() }), {
      target: 'draft-2020-12',
      io: 'input',
    });
    const report = checkSchemaEvolution(predictionV1(), v2 as Record<string, unknown>);
    expect(report).toEqual({
      compatible: true,
      findings: [
        { kind: 'added-optional', breaking: false, path: '$.tenant', message: 'optional field added' },
      ],
    });
  });

  it('fails an added required field: old records lack it', () => {
    const next = predictionV1();
    next.properties.tenant = { type: 'string' };
    next.required.push('tenant');
    expect(breaking(checkSchemaEvolution(predictionV1(), next).findings)).toEqual([
      {
        kind: 'added-required',
        path: '$.tenant',
        message: 'new required field; records written before the change lack it',
      },
    ]);
  });

  it('treats a widened type as compatible and a narrowed one (number -> integer) as breaking', () => {
    const widened = predictionV1();
    widened.properties.score = { type: ['number', 'string'] };
    const wide = checkSchemaEvolution(predictionV1(), widened);
    expect(wide.compatible).toBe(true);
    expect(wide.findings).toEqual([
      { kind: 'widened', breaking: false, path: '$.score', message: 'now also accepts string' },
    ]);

    const narrowed = predictionV1();
    narrowed.properties.score = { type: 'integer' };
    expect(breaking(checkSchemaEvolution(predictionV1(), narrowed).findings)).toEqual([
      { kind: 'retyped', path: '$.score', message: 'narrowed from number to integer' },
    ]);
  });

  it('fails a tightened bound or a new pattern, passes a loosened one', () => {
    const tighter = predictionV1();
    prop(tighter, 'request_id').maxLength = 64;
    prop(tighter, 'segment').pattern = '^[a-z]+$';
    expect(breaking(checkSchemaEvolution(predictionV1(), tighter).findings)).toEqual([
      { kind: 'constraint-narrowed', path: '$.request_id', message: 'maxLength lowered from 256 to 64' },
      { kind: 'constraint-narrowed', path: '$.segment', message: 'pattern "^[a-z]+$" added' },
    ]);

    const looser = predictionV1();
    prop(looser, 'request_id').maxLength = 1024;
    expect(checkSchemaEvolution(predictionV1(), looser).compatible).toBe(true);
  });

  it('fails when a nullable field loses null', () => {
    const old = {
      type: 'object',
      properties: { label: { type: ['string', 'null'] } },
      additionalProperties: false,
    };
    const next = { type: 'object', properties: { label: { type: 'string' } }, additionalProperties: false };
    expect(breaking(checkSchemaEvolution(old, next).findings)).toEqual([
      {
        kind: 'retyped',
        path: '$.label',
        message: 'no longer accepts null (was string | null, now string)',
      },
    ]);
  });

  it('fails when an open object is closed, and quotes odd property names in paths', () => {
    const old = { type: 'object', properties: { 'a b': { type: 'object' } } };
    const next = {
      type: 'object',
      properties: { 'a b': { type: 'object', additionalProperties: false } },
    };
    expect(breaking(checkSchemaEvolution(old, next).findings)).toEqual([
      { kind: 'closed', path: '$["a b"].*', message: 'undeclared fields were allowed and are now rejected' },
    ]);
  });

  it('compares tuple positions and reports an unresolvable $ref as breaking', () => {
    const old = { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] };
    const next = { type: 'array', prefixItems: [{ type: 'string' }, { $ref: '#/$defs/missing' }] };
    expect(breaking(checkSchemaEvolution(old, next).findings)).toEqual([
      {
        kind: 'unsupported',
        path: '$[1]',
        message: 'cannot resolve $ref "#/$defs/missing"; only local refs are supported',
      },
    ]);
  });

  it('checks the feedback schema too: a label that loses booleans is breaking', () => {
    const feedback = recordJsonSchemaFiles().find((f) => f.fileName.startsWith('feedback-record'));
    if (feedback === undefined) throw new Error('feedback schema missing');
    const next = structuredClone(feedback.schema) as Mutable;
    prop(next, 'label').type = ['string', 'number'];
    expect(breaking(checkSchemaEvolution(feedback.schema, next).findings)).toEqual([
      {
        kind: 'retyped',
        path: '$.label',
        message: 'no longer accepts boolean (was string | number | boolean, now string | number)',
      },
    ]);
  });
});
