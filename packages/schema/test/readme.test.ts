import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ATTR, RESOURCE_ATTR } from '../src/otel-mapping.ts';
import { feedbackRecordSchema, predictionRecordSchema } from '../src/records.ts';

const readme = await readFile(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`## ${title}`);
  if (start === -1) throw new Error(`README has no section "${title}"`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

function tableFields(text: string): string[] {
  return [...text.matchAll(/^\| `([a-z_]+)` +\|/gm)].map((m) => m[1] ?? '');
}

describe('README', () => {
  it('documents every prediction field, in schema order', () => {
    expect(tableFields(section('PredictionRecord v1'))).toEqual(Object.keys(predictionRecordSchema.shape));
  });

  it('documents every feedback field, in schema order', () => {
    expect(tableFields(section('FeedbackRecord v1'))).toEqual(Object.keys(feedbackRecordSchema.shape));
  });

  it('names every attribute key predlog uses', () => {
    const conventions = section('Attribute conventions');
    for (const key of [...Object.values(ATTR), ...Object.values(RESOURCE_ATTR)]) {
      expect(conventions).toContain(`\`${key}\``);
    }
  });
});
