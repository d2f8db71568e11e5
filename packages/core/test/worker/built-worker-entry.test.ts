import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CORE = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the pipeline worker from the built package', () => {
  it('starts the built entry (pipeline-worker.js) next to the built host and hands frames over', async () => {
    // Inside the package, so the build resolves @predlog/schema as an installed package would.
    const out = await mkdtemp(path.join(CORE, '.tmp-dist-'));
    dirs.push(out);
    const tsc = path.join(CORE, '../../node_modules/.bin/tsc');
    // Files are written even where the tree has type errors from work in progress elsewhere.
    await run(tsc, ['-p', path.join(CORE, 'tsconfig.build.json'), '--outDir', out]).catch(() => undefined);
    expect(existsSync(path.join(out, 'worker/pipeline-worker.js'))).toBe(true);
    const script = path.join(out, 'round-trip.mjs');
    const sink = new URL('./fixtures/checksum-sink.ts', import.meta.url).href;
    await writeFile(
      script,
      `
import { PipelineWorkerHost } from ${JSON.stringify(pathToFileURL(path.join(out, 'worker/pipeline-worker-host.js')).href)};
import { ValueFrameWriter } from ${JSON.stringify(pathToFileURL(path.join(out, 'worker/value-frame-writer.js')).href)};
const control = new SharedArrayBuffer(64);
const seen = new SharedArrayBuffer(1000);
const host = new PipelineWorkerHost({ sink: { specifier: ${JSON.stringify(sink)}, exportName: 'checksumSink' }, sinkOptions: { control, seen } });
await host.start();
const writer = new ValueFrameWriter(host.ring, { maxStringLength: 8192, maxDepth: 8, maxArrayLength: 1024, maxObjectKeys: 512, maxRecordBytes: 1048576 });
const check = 0x811c9dc5;
for (let seq = 0; seq < 1000; seq++) writer.write({ seq, text: '', check });
await host.flush();
const stats = host.stats();
await host.shutdown();
console.log(JSON.stringify({ entry: host.constructor.name, stats }));
`,
    );
    const { stdout } = await run(process.execPath, [script], { timeout: 60_000 });
    const { stats } = JSON.parse(stdout) as {
      stats: { acknowledged: number; counters: Record<string, number> };
    };
    expect(stats.acknowledged).toBe(1000);
    expect(stats.counters['exported:checksum']).toBe(1000);
  }, 120_000);
});
