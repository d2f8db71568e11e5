import { describe, expect, it } from 'vitest';
import { ScanNormaliser } from '../../src/internal/scan-normaliser.ts';

describe('ScanNormaliser', () => {
  it('maps fullwidth forms and the ideographic space to ASCII, one to one', () => {
    const normaliser = new ScanNormaliser();
    const text = '４１１１\u3000ａｎｎ＠ｅｘａｍｐｌｅ．ｏｒｇ';
    expect(normaliser.normalise(text)).toBe('4111 ann@example.org');
    expect([...normaliser.offsets.slice(0, text.length + 1)]).toEqual(
      Array.from({ length: text.length + 1 }, (_, i) => i),
    );
  });

  it('decodes %40 to @ and maps every character back to where it came from', () => {
    const normaliser = new ScanNormaliser();
    const text = 'to jane%40example.org!';
    const out = normaliser.normalise(text);
    expect(out).toBe('to jane@example.org!');
    const at = out.indexOf('@');
    expect(normaliser.offsets[at]).toBe(text.indexOf('%'));
    expect(normaliser.offsets[at + 1]).toBe(text.indexOf('%') + 3);
    expect(normaliser.offsets[out.length]).toBe(text.length);
    // Every other %-sequence stays as it is.
    expect(normaliser.normalise('100%4 and %41')).toBe('100%4 and %41');
  });

  it('says which characters it rewrites, so the scanner normalises only when needed', () => {
    expect(ScanNormaliser.rewrites('４', 0, '４'.charCodeAt(0))).toBe(true);
    expect(ScanNormaliser.rewrites('a%40b', 1, 37)).toBe(true);
    expect(ScanNormaliser.rewrites('a%4', 1, 37)).toBe(false);
    expect(ScanNormaliser.rewrites('é', 0, 'é'.charCodeAt(0))).toBe(false);
  });

  it('keeps lone surrogates and pairs as they are', () => {
    const normaliser = new ScanNormaliser();
    expect(normaliser.normalise('a\ud800b😀１')).toBe('a\ud800b😀1');
  });
});
