/**
 * End-to-end demo (`pnpm demo` at the repository root): starts the fraud service with a fresh log
 * directory, sends it a few thousand transactions (some of them blatant fraud, some malformed),
 * stops it, and shows what predlog recorded: the server's final stats, the files on disk, and the
 * answer of `predlog query` for one request.
 *
 *   node scripts/demo.ts [--requests 3000] [--concurrency 32] [--log-dir DIR] [--summary-file FILE]
 *
 * Exits non-zero when anything went wrong: the server crashed, a request got no answer, or the
 * records do not add up (received != exported + dropped + sampled out, or the files disagree).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateCustomerProfiles } from '../src/customer-profiles.ts';
import { SeededRandom } from '../src/seeded-random.ts';
import { generateAnomalousTransaction, generateTransactions } from './generate-data.ts';
import { listLogFiles, readStoredRecords } from './prediction-log-files.ts';

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));
const REPO_DIR = resolve(EXAMPLE_DIR, '../..');
const SERVER = resolve(EXAMPLE_DIR, 'src/server.ts');
const CLI = resolve(REPO_DIR, 'packages/cli/src/bin.ts');
const DEFAULT_LOG_DIR = resolve(EXAMPLE_DIR, '.demo/prediction-logs');
const DAY_MS = 86_400_000;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
const QUERY_TIMEOUT_MS = 60_000;

type RequestKind = 'transaction' | 'anomalous' | 'malformed';

interface PlannedRequest {
  readonly kind: RequestKind;
  /** Undefined for the share sent without X-Request-ID, to show the server generating one. */
  readonly requestId: string | undefined;
  readonly body: string;
}

interface Outcome {
  readonly kind: RequestKind;
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  readonly requestId: string | undefined;
  readonly score: number | undefined;
  readonly label: string | undefined;
}

interface ServerStats {
  received: number;
  sampledOut: number;
  dropped: Record<string, number>;
  exported: Record<string, number>;
  exportFailures: Record<string, number>;
}

export interface DemoSummary {
  readonly ok: boolean;
  readonly failures: string[];
  readonly logDir: string;
  readonly requestsSent: number;
  readonly requestsByKind: Record<RequestKind, number>;
  readonly responsesByStatus: Record<string, number>;
  readonly answered: number;
  readonly serverStats: ServerStats | undefined;
  readonly recordsInFiles: number;
  /** Personal data sent in requests that appears anywhere in the log files (must be 0). */
  readonly personalDataInFiles: number;
  /** Prediction records whose raw input predlog redacted (`redaction_count` > 0). */
  readonly redactedRecords: number;
  readonly files: ReadonlyArray<{ partition: string; name: string; bytes: number }>;
  readonly chosenRequestId: string | undefined;
  readonly queryExitCode: number | undefined;
  readonly queryOutput: string;
}

/** Malformed bodies of the kinds real clients send: truncated JSON, typos, missing or mistyped fields. */
function malformedBody(random: SeededRandom, valid: Record<string, unknown>): string {
  const broken = { ...valid };
  switch (random.int(0, 5)) {
    case 0:
      return JSON.stringify(valid).slice(0, 40);
    case 1: {
      const card = String(valid.card_number);
      broken.card_number = card.slice(0, -1) + String((Number(card.at(-1)) + 1) % 10);
      break;
    }
    case 2:
      delete broken.merchant_country;
      break;
    case 3:
      broken.amount = -Number(valid.amount);
      break;
    case 4:
      broken.amount = String(valid.amount).replace('.', ',');
      break;
    default:
      return JSON.stringify([valid]);
  }
  return JSON.stringify(broken);
}

function planRequests(count: number, seed: number): PlannedRequest[] {
  const random = new SeededRandom(seed);
  const profiles = generateCustomerProfiles();
  const startMs = Date.now() - 2 * DAY_MS;
  const traffic = generateTransactions({ seed, rows: count, startMs, days: 2, fraudRate: 0.03, profiles });
  return traffic.map((row, index) => {
    const requestId = random.chance(0.1) ? undefined : `demo-${String(index + 1).padStart(6, '0')}`;
    const roll = random.next();
    if (roll < 0.03) {
      const at = Date.parse(row.transaction.timestamp);
      const anomaly = generateAnomalousTransaction(random, random.pick(profiles), at);
      return { kind: 'anomalous', requestId, body: JSON.stringify(anomaly.transaction) };
    }
    if (roll < 0.05) {
      return { kind: 'malformed', requestId, body: malformedBody(random, { ...row.transaction }) };
    }
    return { kind: 'transaction', requestId, body: JSON.stringify(row.transaction) };
  });
}

interface RunningServer {
  readonly child: ChildProcess;
  readonly port: number;
  readonly modelVersion: string;
  readonly stopped: Promise<{ code: number | null; signal: string | null; stats: ServerStats | undefined }>;
  readonly stderr: () => string;
}

async function startServer(logDir: string): Promise<RunningServer> {
  const child = spawn(process.execPath, [...process.execArgv, SERVER], {
    cwd: EXAMPLE_DIR,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      PREDLOG_LOG_DIR: logDir,
      // predlog.yaml hashes e-mails with a key from the environment; a run without one gets a fresh
      // key (hashes then join within this run only).
      PREDLOG_REDACTION_KEY: process.env.PREDLOG_REDACTION_KEY ?? randomBytes(48).toString('base64'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let stats: ServerStats | undefined;
  let onListening: (event: { port: number; model_version: string }) => void = () => {};
  const listening = new Promise<{ port: number; model_version: string }>((resolveListening) => {
    onListening = resolveListening;
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  lines.on('line', (line) => {
    try {
      const event = JSON.parse(line) as {
        event?: string;
        port?: number;
        model_version?: string;
        stats?: ServerStats;
      };
      if (event.event === 'listening' && typeof event.port === 'number') {
        onListening({ port: event.port, model_version: String(event.model_version) });
      } else if (event.event === 'stopped') {
        stats = event.stats;
      }
    } catch {
      // Not one of the server's JSON event lines; ignore.
    }
  });
  const stopped = new Promise<{ code: number | null; signal: string | null; stats: ServerStats | undefined }>(
    (resolveStopped) => {
      // 'close' (not 'exit') fires after stdout is fully read, so the final stats line is in.
      child.on('close', (code, signal) => resolveStopped({ code, signal, stats }));
    },
  );
  const started = await Promise.race([
    listening,
    stopped.then(() => undefined),
    new Promise<undefined>((resolveTimeout) =>
      setTimeout(() => resolveTimeout(undefined), START_TIMEOUT_MS).unref(),
    ),
  ]);
  if (started === undefined) {
    child.kill('SIGKILL');
    throw new Error(`the server did not start:\n${stderr.trim()}`);
  }
  return { child, port: started.port, modelVersion: started.model_version, stopped, stderr: () => stderr };
}

async function sendAll(
  port: number,
  plan: readonly PlannedRequest[],
  concurrency: number,
): Promise<Outcome[]> {
  const outcomes = new Array<Outcome>(plan.length);
  let next = 0;
  const url = `http://127.0.0.1:${port}/predict`;
  const worker = async (): Promise<void> => {
    while (next < plan.length) {
      const index = next++;
      const request = plan[index] as PlannedRequest;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (request.requestId !== undefined) headers['x-request-id'] = request.requestId;
      try {
        const response = await fetch(url, { method: 'POST', headers, body: request.body });
        const body = (await response.json()) as { score?: number; label?: string };
        outcomes[index] = {
          kind: request.kind,
          status: response.status,
          requestId: response.headers.get('x-request-id') ?? undefined,
          score: body.score,
          label: body.label,
        };
      } catch {
        outcomes[index] = {
          kind: request.kind,
          status: 0,
          requestId: request.requestId,
          score: undefined,
          label: undefined,
        };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, plan.length) }, worker));
  return outcomes;
}

function runQuery(logDir: string, requestId: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveQuery) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, CLI, 'query', logDir, '--request-id', requestId],
      {
        cwd: REPO_DIR,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), QUERY_TIMEOUT_MS);
    child.on('error', () => {
      clearTimeout(timer);
      resolveQuery({ code: null, output });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveQuery({ code, output });
    });
  });
}

/** The e-mail addresses and card numbers the requests carried (bodies that do not parse are skipped). */
function personalDataSent(plan: readonly PlannedRequest[]): Set<string> {
  const values = new Set<string>();
  for (const request of plan) {
    try {
      const body = JSON.parse(request.body) as { customer_email?: unknown; card_number?: unknown };
      if (typeof body.customer_email === 'string') values.add(body.customer_email);
      if (typeof body.card_number === 'string') values.add(body.card_number.replace(/[\s-]/g, ''));
    } catch {
      // A malformed body: whatever it held is checked by the detectors, not by this count.
    }
  }
  return values;
}

/**
 * Which of `sent` appear in the log files' text: every e-mail-like and digit-run token of every
 * line is looked up, so a leak anywhere in a record (not only in raw_input) is found.
 */
function personalDataFound(lines: readonly string[], sent: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  const tokens = /[\w.+%'-]+@[\w.-]+|\d(?:[\d -]{11,}\d)/g;
  for (const line of lines)
    for (const match of line.matchAll(tokens)) {
      const token = match[0].includes('@') ? match[0] : match[0].replace(/[\s-]/g, '');
      if (sent.has(token)) found.add(token);
    }
  return found;
}

function sum(values: Record<string, number> | undefined): number {
  return Object.values(values ?? {}).reduce((total, n) => total + n, 0);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

export async function runDemo(options: {
  requests: number;
  concurrency: number;
  logDir: string;
  seed: number;
  print: (line: string) => void;
}): Promise<DemoSummary> {
  const { print, logDir } = options;
  const failures: string[] = [];
  const shownDir = relative(process.cwd(), logDir) || '.';
  if (logDir === DEFAULT_LOG_DIR) {
    await rm(logDir, { recursive: true, force: true });
  } else if ((await readdir(logDir).catch(() => [])).length > 0) {
    // Only the demo's own directory is wiped; a directory the user named may hold anything.
    throw new Error(`--log-dir ${shownDir} is not empty; name a new or empty directory`);
  }
  await mkdir(logDir, { recursive: true });

  const plan = planRequests(options.requests, options.seed);
  const server = await startServer(logDir);
  print('predlog demo: fraud-service');
  print(
    `  server    pid ${server.child.pid}, http://127.0.0.1:${server.port}, model fraud ${server.modelVersion}`,
  );
  print(`  logs to   ${shownDir}`);

  const started = performance.now();
  const outcomes = await sendAll(server.port, plan, options.concurrency);
  const seconds = (performance.now() - started) / 1000;
  server.child.kill('SIGTERM');
  const killTimer = setTimeout(() => server.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  const exit = await server.stopped;
  clearTimeout(killTimer);

  const requestsByKind = { transaction: 0, anomalous: 0, malformed: 0, ...countBy(plan, (r) => r.kind) };
  const responsesByStatus = countBy(outcomes, (o) => (o.status === 0 ? 'no response' : String(o.status)));
  const answered = outcomes.filter((o) => o.status !== 0).length;
  print(
    `  traffic   ${plan.length} requests (${requestsByKind.transaction} transactions, ` +
      `${requestsByKind.anomalous} anomalous, ${requestsByKind.malformed} malformed), ` +
      `concurrency ${options.concurrency}, ${seconds.toFixed(1)} s (${Math.round(plan.length / seconds)} req/s)`,
  );
  print('');
  print('Responses');
  for (const [status, n] of Object.entries(responsesByStatus).sort()) print(`  ${status.padEnd(12)} ${n}`);
  if (answered !== plan.length) failures.push(`${plan.length - answered} requests got no response`);

  const scored = outcomes.filter((o) => o.status === 200);
  const flagged = scored.filter((o) => o.label === 'fraud').length;
  const anomalies = scored.filter((o) => o.kind === 'anomalous');
  const anomaliesFlagged = anomalies.filter((o) => o.label === 'fraud').length;
  print(
    `  flagged as fraud: ${flagged} of ${scored.length} scored (${((flagged / Math.max(1, scored.length)) * 100).toFixed(1)}%); ` +
      `anomalous transactions flagged: ${anomaliesFlagged} of ${anomalies.length}`,
  );

  print('');
  print("Logged by predlog (the server's final stats)");
  const stats = exit.stats;
  if (exit.code !== 0)
    failures.push(`the server exited with ${exit.code ?? exit.signal}: ${server.stderr().trim()}`);
  if (stats === undefined) {
    failures.push('the server printed no final stats');
  } else {
    const exported = sum(stats.exported);
    const dropped = sum(stats.dropped);
    const exportedBy = Object.entries(stats.exported)
      .map(([id, n]) => `${n} (${id})`)
      .join(', ');
    print(
      `  received ${stats.received} · exported ${exportedBy || 0} · dropped ${dropped} · sampled out ${stats.sampledOut}` +
        ` · export failures ${sum(stats.exportFailures)}`,
    );
    if (stats.received !== exported + dropped + stats.sampledOut) {
      failures.push(
        `records lost: received ${stats.received} != exported ${exported} + dropped ${dropped} + sampled out ${stats.sampledOut}`,
      );
    }
    if (stats.received !== answered) {
      failures.push(`${answered} requests answered but the logger received ${stats.received} records`);
    }
    if (dropped > 0) failures.push(`${dropped} records dropped: ${JSON.stringify(stats.dropped)}`);
  }

  const files = await listLogFiles(logDir);
  const records = await readStoredRecords(logDir);
  const predictions = records.filter((r) => r.event === 'ml.prediction');
  print('');
  print(`Files in ${shownDir}`);
  let lastPartition: string | undefined;
  for (const file of files) {
    if (file.partition !== lastPartition) {
      print(`  ${file.partition}/`);
      lastPartition = file.partition;
    }
    print(`    ${file.name.padEnd(58)} ${formatBytes(file.bytes).padStart(10)}`);
  }
  const totalBytes = files.reduce((total, file) => total + file.bytes, 0);
  print(`  ${predictions.length} prediction records in ${files.length} file(s), ${formatBytes(totalBytes)}`);
  if (stats !== undefined && predictions.length !== sum(stats.exported)) {
    failures.push(
      `the files hold ${predictions.length} prediction records, the server exported ${sum(stats.exported)}`,
    );
  }
  if (predictions.length !== answered) {
    failures.push(
      `the files hold ${predictions.length} prediction records for ${answered} answered requests`,
    );
  }

  const sent = personalDataSent(plan);
  const leaked = personalDataFound(
    records.map((record) => JSON.stringify(record)),
    sent,
  );
  const redactedRecords = predictions.filter(
    (r) => typeof r.redaction_count === 'number' && r.redaction_count > 0,
  ).length;
  print(
    `  personal data: ${leaked.size} of the ${sent.size} e-mail addresses and card numbers sent appear in the files; ` +
      `${redactedRecords} records redacted (card numbers masked to the last 4 digits, e-mails and IPs hashed)`,
  );
  if (leaked.size > 0)
    failures.push(`${leaked.size} e-mail addresses or card numbers reached the files unredacted`);

  // The most suspicious transaction we named ourselves: the interesting one to look up.
  const chosen = outcomes
    .filter((o) => o.status === 200 && o.requestId?.startsWith('demo-') === true)
    .sort(
      (a, b) =>
        (b.kind === 'anomalous' ? 1 : 0) - (a.kind === 'anomalous' ? 1 : 0) ||
        (b.score ?? 0) - (a.score ?? 0),
    )[0];
  let queryExitCode: number | undefined;
  let queryOutput = '';
  if (chosen?.requestId === undefined) {
    failures.push('no scored request to look up');
  } else {
    print('');
    print(`What did the model see for request ${chosen.requestId}, and what did it decide?`);
    print(`  $ predlog query ${shownDir} --request-id ${chosen.requestId}`);
    const query = await runQuery(logDir, chosen.requestId);
    queryExitCode = query.code ?? undefined;
    queryOutput = query.output;
    for (const line of query.output.trimEnd().split('\n')) print(line === '' ? '' : `  ${line}`);
    if (query.code !== 0) failures.push(`predlog query exited with ${query.code ?? 'a signal'}`);
    else if (!query.output.includes(chosen.requestId))
      failures.push('predlog query output does not name the request');
  }

  print('');
  if (failures.length === 0)
    print('OK: every answered request is in the logs, nothing lost, no personal data in the clear.');
  else for (const failure of failures) print(`FAILED: ${failure}`);

  return {
    ok: failures.length === 0,
    failures,
    logDir,
    requestsSent: plan.length,
    requestsByKind,
    responsesByStatus,
    answered,
    serverStats: stats,
    recordsInFiles: predictions.length,
    personalDataInFiles: leaked.size,
    redactedRecords,
    files: files.map(({ partition, name, bytes }) => ({ partition, name, bytes })),
    chosenRequestId: chosen?.requestId,
    queryExitCode,
    queryOutput,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '3000' },
      concurrency: { type: 'string', default: '32' },
      seed: { type: 'string', default: '7' },
      'log-dir': { type: 'string', default: DEFAULT_LOG_DIR },
      'summary-file': { type: 'string' },
    },
  });
  const requests = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const seed = Number(values.seed);
  if (![requests, concurrency, seed].every(Number.isInteger) || requests < 1 || concurrency < 1) {
    process.stderr.write(
      'usage: node scripts/demo.ts [--requests N] [--concurrency N] [--seed S] [--log-dir DIR] [--summary-file FILE]\n',
    );
    process.exitCode = 2;
    return;
  }
  const summary = await runDemo({
    requests,
    concurrency,
    seed,
    logDir: resolve(values['log-dir']),
    print: (line) => process.stdout.write(`${line}\n`),
  });
  if (values['summary-file'] !== undefined) {
    await writeFile(values['summary-file'], `${JSON.stringify(summary, null, 2)}\n`);
  }
  process.exitCode = summary.ok ? 0 : 1;
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
