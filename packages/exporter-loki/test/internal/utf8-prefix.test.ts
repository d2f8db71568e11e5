import { describe, expect, it } from 'vitest';
import { utf8PrefixLength } from '../../src/internal/utf8-prefix.ts';

describe('utf8PrefixLength', () => {
  it('counts 1, 2, 3 and 4 bytes per character as UTF-8 does', () => {
    const text = 'aé€😀b';
    const sizes = [0, 1, 3, 6, 10, 11];
    const lengths = [0, 1, 2, 3, 5, 6];
    sizes.forEach((size, i) => {
      expect(utf8PrefixLength(text, size)).toBe(lengths[i]);
      expect(Buffer.byteLength(text.slice(0, lengths[i]), 'utf8')).toBe(size);
    });
  });

  it('does not end between the halves of a surrogate pair', () => {
    expect(utf8PrefixLength('😀😀', 7)).toBe(2);
    expect(utf8PrefixLength('a😀', 4)).toBe(1);
  });

  it('counts a lone surrogate as the 3 bytes of U+FFFD, as Buffer writes it', () => {
    const lone = '\ud800x\udc00';
    expect(utf8PrefixLength(lone, 3)).toBe(1);
    expect(utf8PrefixLength(lone, 7)).toBe(3);
    expect(Buffer.byteLength(lone, 'utf8')).toBe(7);
  });

  it('takes the whole text when it fits', () => {
    expect(utf8PrefixLength('', 0)).toBe(0);
    expect(utf8PrefixLength('héllo', 100)).toBe(5);
  });
});
