import { describe, expect, it } from 'vitest';
import {
  corpusRecords,
  falsePositives,
  findLeaks,
  leakForms,
  nearMisses,
  nearMissesMissingFromBytes,
  piiCorpus,
} from '../src/index.ts';

describe('leakForms', () => {
  it('adds the JSON-escaped form, the digits of long numbers, lower-case e-mails and compact IBANs', () => {
    expect(leakForms({ kind: 'email', value: 'A"b@Example.com' })).toEqual([
      'A"b@Example.com',
      'A\\"b@Example.com',
      'a"b@example.com',
    ]);
    expect(leakForms({ kind: 'phone', value: '+44 20 7946 0958' })).toContain('442079460958');
    expect(leakForms({ kind: 'phone', value: '(0) 123' })).toEqual(['(0) 123']);
    expect(leakForms({ kind: 'iban', value: 'de89 3704 0044 0532 0130 00' })).toContain(
      'DE89370400440532013000',
    );
    expect(leakForms({ kind: 'card', value: 4111111111111111 })).toEqual(['4111111111111111']);
  });
});

describe('findLeaks', () => {
  it('names where each corpus value was found, in text or as UTF-8 bytes', () => {
    const email = piiCorpus().find((p) => p.value === 'josé.garcía@correo.example.es');
    const card = piiCorpus().find((p) => typeof p.value === 'number');
    expect(email).toBeDefined();
    expect(card).toBeDefined();
    const leaks = findLeaks([
      { where: 'clean', text: '{"email":"[REDACTED:email]"}' },
      { where: 'bytes', bytes: Buffer.from(`{"to":"${String(email?.value)}"}`, 'utf8') },
      { where: 'text', text: `pan=${String(card?.value)}` },
    ]);
    expect(leaks).toContainEqual({ where: 'bytes', kind: 'email', value: email?.value });
    expect(leaks).toContainEqual({ where: 'text', kind: 'card', value: card?.value });
    expect(leaks.filter((l) => l.where === 'clean')).toEqual([]);
  });

  it('finds every corpus value in the records it is placed in', () => {
    const leaks = findLeaks([{ where: 'records', text: JSON.stringify(corpusRecords()) }]);
    expect(leaks).toHaveLength(piiCorpus().length);
  });
});

describe('falsePositives and nearMissesMissingFromBytes', () => {
  const nearMissRecord = JSON.stringify(corpusRecords().at(-1));

  it('report nothing for the near-miss record as placed', () => {
    expect(falsePositives(nearMissRecord)).toEqual([]);
    expect(nearMissesMissingFromBytes(Buffer.from(nearMissRecord, 'utf8'))).toEqual([]);
  });

  it('report a near-miss redacted as a field or inside free text', () => {
    const asField = nearMissRecord.replace('"ORD-2024-000123"', '"[REDACTED:x]"');
    expect(falsePositives(asField)).toEqual(['ORD-2024-000123']);
    const inText = nearMissRecord.replace('value 98.6 end', 'value [REDACTED:x] end');
    expect(falsePositives(inText)).toEqual([98.6]);
    const bytes = Buffer.from(nearMissRecord.replaceAll('ORD-2024-000123', '[REDACTED:x]'), 'utf8');
    expect(nearMissesMissingFromBytes(bytes)).toEqual(['ORD-2024-000123']);
  });

  it('count every near-miss as changed when the record is gone', () => {
    expect(falsePositives('{}')).toHaveLength(nearMisses().length);
  });
});
