import { describe, expect, it } from 'vitest';
import { escapePartitionValue, PartitionPathBuilder } from '../../src/internal/partition-path.ts';

describe('escapePartitionValue', () => {
  it('keeps plain names and escapes everything that could leave the directory', () => {
    expect(escapePartitionValue('fraud-v2_eu.1')).toBe('fraud-v2_eu.1');
    for (const hostile of [
      '..',
      '.',
      '../x',
      'a/b',
      'a\\b',
      '/etc/passwd',
      'c:\\x',
      '.hidden',
      'a\u0000b',
      '',
    ]) {
      const escaped = escapePartitionValue(hostile);
      expect(/[/\\]/.test(escaped) || escaped.includes('\u0000')).toBe(false);
      expect(escaped.startsWith('.')).toBe(false);
      expect(escaped).not.toBe('');
    }
    expect(escapePartitionValue('../x')).toBe('%2E.%2Fx');
  });

  it('escapes bytes reversibly, Hive style', () => {
    for (const value of ['modèle de fraude', '100%', 'a=b', 'ü/🙂']) {
      expect(decodeURIComponent(escapePartitionValue(value))).toBe(value);
    }
  });

  it('bounds long names and keeps distinct long names distinct', () => {
    const a = escapePartitionValue('x'.repeat(500));
    const b = escapePartitionValue(`${'x'.repeat(499)}y`);
    expect(a.length).toBeLessThanOrEqual(120);
    expect(a).not.toBe(b);
  });
});

describe('PartitionPathBuilder', () => {
  const builder = new PartitionPathBuilder();

  it('builds model_name=/date= with _unknown for a missing model', () => {
    expect(builder.build({ 'ml.model.name': 'fraud' }, '2026-01-31')).toBe(
      'model_name=fraud/date=2026-01-31',
    );
    expect(builder.build({}, '2026-01-31')).toBe('model_name=_unknown/date=2026-01-31');
    expect(builder.build({ 'ml.model.name': { nested: true } }, '2026-01-31')).toBe(
      'model_name=_unknown/date=2026-01-31',
    );
  });

  it('puts retention=<class>/ first when the record carries a retention class', () => {
    expect(builder.build({ 'ml.model.name': 'fraud', 'ml.retention.class': 'audit/7y' }, '2026-01-31')).toBe(
      'retention=audit%2F7y/model_name=fraud/date=2026-01-31',
    );
  });
});
