import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type LineReadState, readLines } from '../../src/internal/line-reader.ts';

/** The lines `chunks` read as, and the reader's state after. */
async function read(chunks: string[], maxLineBytes: number) {
  const state: LineReadState = { tornTail: false, oversizedLines: 0, longestHeldBytes: 0 };
  const lines: string[] = [];
  for await (const line of readLines(Readable.from(chunks.map((c) => Buffer.from(c))), state, maxLineBytes))
    lines.push(line.toString());
  return { lines, state };
}

describe('readLines with a line cap', () => {
  it('keeps a line of exactly the cap and skips a longer one, inside one chunk or across chunks', async () => {
    const inChunk = await read(['aaaa\nbbbbb\ncc\n'], 4);
    expect(inChunk.lines).toEqual(['aaaa', 'cc']);
    expect(inChunk.state.oversizedLines).toBe(1);
    const across = await read(['aa', 'aa\nbb', 'bbb', '\ncc\n'], 4);
    expect(across.lines).toEqual(['aaaa', 'cc']);
    expect(across.state.oversizedLines).toBe(1);
  });

  it('never holds more of an unfinished line than the cap, however long the line', async () => {
    const chunks = [...Array.from({ length: 1000 }, () => 'x'.repeat(100)), '\nok\n'];
    const { lines, state } = await read(chunks, 1000);
    expect(lines).toEqual(['ok']);
    expect(state.oversizedLines).toBe(1);
    expect(state.longestHeldBytes).toBeGreaterThan(0);
    expect(state.longestHeldBytes).toBeLessThanOrEqual(1000);
  });

  it('reports a partial last line, and whether it was also too long', async () => {
    const cut = await read(['a\nbb'], 4);
    expect(cut).toMatchObject({ lines: ['a'], state: { tornTail: true, tornTailOversized: false } });
    const long = await read(['a\n', 'bbbbbbbb'], 4);
    expect(long).toMatchObject({
      lines: ['a'],
      state: { tornTail: true, tornTailOversized: true, oversizedLines: 1 },
    });
  });
});
