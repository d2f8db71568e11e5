import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateCustomerProfiles } from '@predlog/example-fraud-service/customer-profiles';
import { generateTransactions } from '@predlog/example-fraud-service/generate-data';
import { queryRecords } from '@predlog/exporter-file';
import { describe, expect, it } from 'vitest';

const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url));

describe('src/server.ts', () => {
  it('serves the ONNX model, shadows it with the JavaScript model and writes both to the log files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fraud-onnx-'));
    const child = spawn(process.execPath, [SERVER], {
      env: { ...process.env, PORT: '0', PREDLOG_LOG_DIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const events = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const listening = JSON.parse(String((await events.next()).value)) as {
        port: number;
        model_version: string;
      };
      expect(listening.model_version).toMatch(/^sha256:[0-9a-f]{64}$/);
      const transactions = generateTransactions({ seed: 8, rows: 5, profiles: generateCustomerProfiles() });
      for (const [i, { transaction }] of transactions.entries()) {
        const answer = await fetch(`http://127.0.0.1:${listening.port}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': `proc-${i}` },
          body: JSON.stringify(transaction),
        });
        expect(answer.status).toBe(200);
      }
      child.kill('SIGTERM');
      const stopped = JSON.parse(String((await events.next()).value)) as {
        event: string;
        stats: { received: number; exported: Record<string, number> };
      };
      expect(stopped.event).toBe('stopped');
      expect(stopped.stats.received).toBe(10);
      expect(stopped.stats.exported.file).toBe(10);

      const stored = [];
      for await (const record of queryRecords({ directory: dir })) stored.push(record);
      const roles = stored.map((r) => `${r.request_id}/${r.model_role}`).sort();
      expect(roles).toEqual(
        [0, 1, 2, 3, 4].flatMap((i) => [`proc-${i}/challenger`, `proc-${i}/champion`]).sort(),
      );
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
