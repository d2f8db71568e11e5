import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineWriter } from '../../src/internal/line-writer.ts';

/** A stream with a tiny buffer whose writes complete on a later turn, like a busy file. */
function slowStream(): { stream: Writable; written: string[] } {
  const written: string[] = [];
  const stream = new Writable({
    highWaterMark: 64,
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString());
      setImmediate(done);
    },
  });
  return { stream, written };
}

describe('LineWriter', () => {
  it('lets many concurrent writers share one drain wait, in order, without losing a line', async () => {
    const { stream, written } = slowStream();
    const writer = new LineWriter(stream);
    let mostDrainListeners = 0;
    const waits: Array<Promise<void> | undefined> = [];
    for (let i = 0; i < 2_000; i++) {
      waits.push(writer.write(`line ${i}\n`));
      mostDrainListeners = Math.max(mostDrainListeners, stream.listenerCount('drain'));
    }
    await Promise.all(waits);
    expect(mostDrainListeners).toBe(1);
    expect(waits.filter((w) => w !== undefined).length).toBeGreaterThan(1_900);
    stream.end();
    await new Promise((resolve) => stream.on('finish', resolve));
    expect(written.join('')).toBe(Array.from({ length: 2_000 }, (_, i) => `line ${i}\n`).join(''));
  });

  it('does not wait while the stream takes more', () => {
    const { stream } = slowStream();
    expect(new LineWriter(stream).write('short\n')).toBeUndefined();
  });

  it('rejects the waiting writers when the stream fails', async () => {
    const stream = new Writable({
      highWaterMark: 4,
      write(_chunk, _encoding, done) {
        setImmediate(() => done(new Error('disk full')));
      },
    });
    stream.on('error', () => undefined);
    const wait = new LineWriter(stream).write('more than four bytes\n');
    await expect(wait).rejects.toThrow('disk full');
  });
});
