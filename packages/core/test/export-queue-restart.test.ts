import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PipelineStats } from '../src/self-metrics.ts';
import { TestSink } from './http-sink.ts';
import { eventually } from './support.ts';

const script = path.join(import.meta.dirname, 'fixtures', 'spill-process.ts');
const COUNT = 3000;

function start(args: string[]): { child: ChildProcess; output: Promise<string>; firstLine: Promise<string> } {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let resolveLine: (line: string) => void = () => undefined;
  const firstLine = new Promise<string>((resolve) => {
    resolveLine = resolve;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    const newline = stdout.indexOf('\n');
    if (newline !== -1) resolveLine(stdout.slice(0, newline));
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const output = new Promise<string>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (code === 0 || signal === 'SIGKILL') resolve(stdout);
      else reject(new Error(`fixture exited with ${code ?? signal}: ${stderr}`));
    });
  });
  return { child, output, firstLine };
}

describe('a process killed while the sink is down', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('delivers its spill after a restart, every record exactly once and in order', async () => {
    const sink = await TestSink.start();
    cleanup.push(() => sink.close());
    const spillDir = await mkdtemp(path.join(os.tmpdir(), 'predlog-restart-'));
    cleanup.push(() => rm(spillDir, { recursive: true, force: true }));
    await sink.goDown();

    const first = start(['record', sink.url, spillDir, String(COUNT)]);
    cleanup.push(async () => first.child.kill('SIGKILL'));
    const line = await first.firstLine;
    expect(line).toMatch(/^SPILLED \d+$/);
    expect(Number(line.split(' ')[1])).toBeGreaterThanOrEqual(COUNT);
    // Let it keep writing (more segments appear), so the kill may land in the middle of a write.
    const segmentCount = async () =>
      (await readdir(path.join(spillDir, 'jsonlines'))).filter((f) => f.startsWith('seg-')).length;
    const spilledSegments = await segmentCount();
    await eventually(async () => (await segmentCount()) >= spilledSegments + 3);
    first.child.kill('SIGKILL');
    await first.output;
    expect(sink.arrivals).toEqual([]);
    const segments = (await readdir(path.join(spillDir, 'jsonlines'))).filter((f) => f.startsWith('seg-'));
    expect(segments.length).toBeGreaterThan(0);

    await sink.comeBack();
    const second = start(['drain', sink.url, spillDir]);
    cleanup.push(async () => second.child.kill('SIGKILL'));
    const stats = JSON.parse((await second.output).trim()) as PipelineStats;

    // Everything the first process had on disk when it reported arrived, once each, in order.
    for (let n = 0; n < COUNT; n++) {
      expect(sink.counts.get(`pred-${String(n).padStart(6, '0')}`)).toBe(1);
    }
    expect(sink.duplicates()).toEqual([]);
    expect([...sink.arrivals].sort()).toEqual(sink.arrivals);
    // The second process's ledger: what it found = what it sent + what was cut by the kill.
    const recovered = stats.spillRecovered.jsonlines ?? 0;
    const lost =
      (stats.dropped['spill_torn:jsonlines'] ?? 0) + (stats.dropped['spill_corrupt:jsonlines'] ?? 0);
    expect(recovered).toBeGreaterThanOrEqual(COUNT);
    expect(stats.exported.jsonlines).toBe(recovered - lost);
    expect(sink.arrivals).toHaveLength(recovered - lost);
    expect((await readdir(path.join(spillDir, 'jsonlines'))).filter((f) => f.startsWith('seg-'))).toEqual([]);
  }, 30_000);
});
