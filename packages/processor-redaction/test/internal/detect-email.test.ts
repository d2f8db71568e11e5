import { describe, expect, it } from 'vitest';
import { detectEmail } from '../../src/internal/detect-email.ts';
import { matches } from '../support/detector-matches.ts';

describe('detectEmail', () => {
  it.each([
    ['ann@example.org', ['ann@example.org']],
    ['mail J.Doe+news@mail.example.co.uk.', ['J.Doe+news@mail.example.co.uk']],
    ["o'brien@example.ie, x_y-z%1@sub.example.com", ["o'brien@example.ie", 'x_y-z%1@sub.example.com']],
    ['https://x.org/?user=ann@example.org&x=1', ['ann@example.org']],
    ['josé.garcía@correo.example.es', ['josé.garcía@correo.example.es']],
    ['user@xn--mnchen-3ya.xn--p1ai', ['user@xn--mnchen-3ya.xn--p1ai']],
    ['<ANN@EXAMPLE.ORG>', ['ANN@EXAMPLE.ORG']],
    ['.leading.dot@example.org', ['leading.dot@example.org']],
  ])('finds the address in %j', (text, expected) => {
    expect(matches(detectEmail, text)).toEqual(expected);
  });

  it.each([
    '@username',
    'user@localhost',
    'foo@bar',
    'a@b.c',
    'email@123.456',
    'name(at)example(dot)com',
    '@@@@',
  ])('rejects %j', (text) => {
    expect(matches(detectEmail, text)).toEqual([]);
  });

  it('takes at most 64 characters before the @', () => {
    const local = 'a'.repeat(100);
    expect(matches(detectEmail, `${local}@example.org`)).toEqual([`${'a'.repeat(64)}@example.org`]);
  });
});
