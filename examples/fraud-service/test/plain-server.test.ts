import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { queryRecords } from '@predlog/exporter-file';
import { describe, expect, it } from 'vitest';
import { generateTransactions } from '../scripts/generate-data.ts';
import { generateCustomerProfiles } from '../src/customer-profiles.ts';
import { FEATURE_NAMES } from '../src/features.ts';
import { loadModel } from '../src/model.ts';

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));

describe('node --import @predlog/register src/plain-server.ts', () => {
  it('predlog.yaml names the model version the weights carry', async () => {
    const model = await loadModel();
    const yaml = await readFile(path.join(EXAMPLE, 'predlog.yaml'), 'utf8');
    expect(yaml).toContain(
      `POST /predict: { model: ${model.name}, version: ${model.version}, framework: ${model.framework} }`,
    );
  });

  it('logs every /predict of the server that has no predlog code, redacted, with the annotated features', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fraud-plain-'));
    // The README's command, run where the README says: the package name resolves from the example.
    const child = spawn(process.execPath, ['--import', '@predlog/register', 'src/plain-server.ts'], {
      cwd: EXAMPLE,
      env: {
        ...process.env,
        PORT: '0',
        PREDLOG_LOG_DIR: dir,
        PREDLOG_REDACTION_KEY: randomBytes(48).toString('base64'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const listening = JSON.parse(String((await lines.next()).value)) as {
        port: number;
        model_version: string;
      };
      const sent = generateTransactions({ seed: 5, rows: 4, profiles: generateCustomerProfiles() });
      for (const [i, { transaction }] of sent.entries()) {
        const answer = await fetch(`http://127.0.0.1:${listening.port}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': `plain-${i}` },
          body: JSON.stringify(transaction),
        });
        expect(answer.status).toBe(200);
      }
      expect((await fetch(`http://127.0.0.1:${listening.port}/stats`)).status).toBe(404);
      child.kill('SIGTERM');
      // The server's own handler closed it; register shut predlog down as the process ended.
      expect(await exited).toBe(0);
      expect(stderr).toContain('[register.started] logging POST /predict');

      const stored = [];
      for await (const record of queryRecords({ directory: dir })) stored.push(record);
      stored.sort((a, b) => String(a.request_id).localeCompare(String(b.request_id)));
      expect(stored.map((r) => [r.request_id, r.model_name, r.model_version])).toEqual(
        [0, 1, 2, 3].map((i) => [`plain-${i}`, 'fraud', listening.model_version]),
      );
      for (const [i, record] of stored.entries()) {
        expect(Object.keys(record.input_features ?? {}).sort()).toEqual([...FEATURE_NAMES].sort());
        const rawInput = record.raw_input as Record<string, unknown>;
        const card = String(sent[i]?.transaction.card_number).replace(/\D/g, '');
        expect(rawInput.card_number).toBe(`${'*'.repeat(card.length - 4)}${card.slice(-4)}`);
        expect(String(rawInput.customer_email)).toMatch(/^hmac:k1:[0-9a-f]{32}$/);
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
