import { uncompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { SnappyWorker } from '../../src/internal/snappy-worker-client.ts';

function sample(bytes: number): Buffer {
  const out = Buffer.allocUnsafeSlow(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 7919) % 251 < 40 ? 65 + (i % 26) : 32;
  return out;
}

describe('SnappyWorker', () => {
  it('compresses on the worker thread, many requests in flight, each answered with its own result', async () => {
    const fallbacks: string[] = [];
    const worker = new SnappyWorker((reason) => fallbacks.push(reason));
    const inputs = Array.from({ length: 8 }, (_, i) => sample(50_000 + i * 1000));
    const copies = inputs.map((input) => Buffer.from(input));
    const results = await Promise.all(inputs.map((input) => worker.compress(input)));
    results.forEach((compressed, i) => {
      expect(Buffer.from(uncompress(compressed)).equals(copies[i] as Buffer)).toBe(true);
    });
    await worker.close();
    expect(fallbacks).toEqual([]);
  });

  it('compresses a pooled (shared) buffer without taking its memory away', async () => {
    const worker = new SnappyWorker(() => undefined);
    const pooled = Buffer.from('a small body that lives in the shared pool');
    const compressed = await worker.compress(pooled);
    expect(Buffer.from(uncompress(compressed)).toString()).toBe('a small body that lives in the shared pool');
    expect(pooled.toString()).toBe('a small body that lives in the shared pool');
    await worker.close();
  });

  it('keeps compressing on the calling thread once closed', async () => {
    const worker = new SnappyWorker(() => undefined);
    await worker.close();
    const input = sample(10_000);
    const compressed = await worker.compress(Buffer.from(input));
    expect(Buffer.from(uncompress(compressed)).equals(input)).toBe(true);
  });
});
