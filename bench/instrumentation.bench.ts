/**
 * What the one-line HTTP instrumentation costs a real service: the fraud-service example (parse,
 * feature store, model, explanation) in a child process, driven by autocannon from this process,
 * with `instrumentHttpServer` logging 100% of POST /predict to the file exporter ("on") against
 * the same app without it ("off"), and with the instrumentation but a logger that keeps nothing
 * ("hook": what the hook itself costs), and with the same hook handing each record to pino instead
 * ("pino": the fastest JSON logger writing the same facts, the peer for what logging itself costs;
 * "pino-redact": the same, redacting the fields the example's predlog.yaml redacts). Runs alternate between modes (order rotating per repeat), each on a
 * fresh server after a warm-up; the median run of each mode counts. Latency is every response's
 * own time (autocannon's hrtime per response, kept at full precision; its histogram rounds to ms).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateCustomerProfiles } from '@predlog/example-fraud-service/customer-profiles';
import { generateTransactions } from '@predlog/example-fraud-service/generate-data';
import autocannon from 'autocannon';
import { type BenchOutcome, collectGarbage, numberFlag, runBenchProcess } from './lib/bench-process.ts';
import { makeTempDir, removeTempDir } from './lib/file-tree-stats.ts';
import { LatencyRecorder } from './lib/latency-stats.ts';
import { ratioTarget } from './lib/targets.ts';
import { formatRate, renderTable } from './lib/text-table.ts';

const SERVER = fileURLToPath(new URL('./lib/fraud-server-process.ts', import.meta.url));
const DURATION_S = numberFlag('duration', 10);
const WARMUP_S = numberFlag('warmup', 3);
const REPEATS = numberFlag('repeats', 3);
const CONNECTIONS = numberFlag('connections', 16);
const BODIES = numberFlag('bodies', 20_000);

/** `hook`: instrumented, but the logger's head sampler keeps nothing (the hook's own cost). */
type Mode = 'off' | 'hook' | 'on' | 'pino' | 'pino-redact';
const MODES: readonly Mode[] = ['off', 'hook', 'on', 'pino', 'pino-redact'];
const LABELS: Record<Mode, string> = {
  off: 'off',
  hook: 'hook only (head sampler keeps nothing)',
  on: 'instrumentation on, 100% logged (example config: redaction + file)',
  pino: 'peer: same hook, records to pino (file, async)',
  'pino-redact': 'peer: same hook, pino redacting the same fields',
};

interface Run {
  mode: Mode;
  requests: number;
  non2xx: number;
  errors: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Server CPU time (user + system, every thread) per answered request during the measured run. */
  cpuUsPerRequest: number;
  /** `process.threadCpuUsage()` of the server's main thread, per request. */
  servingThreadCpuUsPerRequest: number;
  /** What the server's logger saw (received/exported/dropped), read after its shutdown. */
  logger: Record<string, unknown> | undefined;
}

interface Server {
  port: number;
  child: ChildProcess;
  lines: AsyncIterator<string>;
}

async function startServer(mode: Mode, logDir: string): Promise<Server> {
  const child = spawn(process.execPath, [SERVER, mode, logDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done === true) throw new Error(`fraud server (${mode}) exited before listening`);
  const event = JSON.parse(first.value) as { event: string; port: number };
  return { port: event.port, child, lines };
}

/** The server's CPU so far: the whole process, and its serving (main) thread alone. */
async function serverCpuUs(server: Server): Promise<{ process: number; thread: number }> {
  server.child.kill('SIGUSR2');
  const next = await server.lines.next();
  if (next.done === true) throw new Error('fraud server exited');
  const cpu = JSON.parse(next.value) as { userUs: number; systemUs: number; threadUs: number };
  return { process: cpu.userUs + cpu.systemUs, thread: cpu.threadUs };
}

async function stopServer(server: Server): Promise<Record<string, unknown> | undefined> {
  server.child.kill('SIGTERM');
  const next = await server.lines.next();
  return next.done === true
    ? undefined
    : (JSON.parse(next.value) as { stats: Record<string, unknown> }).stats;
}

/** Pre-serialised authorisation requests, each sent with its own X-Request-ID. */
function requestBodies(): string[] {
  const profiles = generateCustomerProfiles();
  return generateTransactions({ seed: 2026, rows: BODIES, profiles }).map(({ transaction }) =>
    JSON.stringify(transaction),
  );
}

async function load(
  port: number,
  bodies: readonly string[],
  seconds: number,
  latencies: LatencyRecorder | undefined,
): Promise<autocannon.Result> {
  let next = 0;
  // Without a callback autocannon returns its tracker (an EventEmitter) made thenable; the types
  // only declare the promise side.
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/predict',
        setupRequest: (request) => {
          const i = next++;
          return {
            ...request,
            headers: { 'content-type': 'application/json', 'x-request-id': `bench-${i}` },
            body: bodies[i % bodies.length] as string,
          };
        },
      },
    ],
  }) as unknown as NodeJS.EventEmitter & PromiseLike<autocannon.Result>;
  if (latencies !== undefined)
    instance.on(
      'response',
      (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
        if (statusCode === 200) latencies.add(responseTimeMs * 1e6);
      },
    );
  return await instance;
}

async function measure(mode: Mode, bodies: readonly string[]): Promise<Run> {
  const logDir = await makeTempDir(`instrumentation-${mode}`);
  const server = await startServer(mode, logDir);
  try {
    await load(server.port, bodies, WARMUP_S, undefined);
    collectGarbage();
    const latencies = new LatencyRecorder(Math.ceil(DURATION_S * 50_000));
    const cpuBefore = await serverCpuUs(server);
    const result = await load(server.port, bodies, DURATION_S, latencies);
    const cpuAfter = await serverCpuUs(server);
    const cpuUs = cpuAfter.process - cpuBefore.process;
    const threadCpuUs = cpuAfter.thread - cpuBefore.thread;
    const summary = latencies.summary();
    const stats = await stopServer(server);
    return {
      mode,
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      requestsPerSecond: result.requests.total / DURATION_S,
      p50Ms: summary.p50Ns / 1e6,
      p90Ms: summary.p90Ns / 1e6,
      p99Ms: summary.p99Ns / 1e6,
      p999Ms: summary.p999Ns / 1e6,
      maxMs: summary.maxNs / 1e6,
      cpuUsPerRequest: cpuUs / Math.max(1, result.requests.total),
      servingThreadCpuUsPerRequest: threadCpuUs / Math.max(1, result.requests.total),
      logger: stats,
    };
  } finally {
    server.child.kill('SIGKILL');
    await removeTempDir(logDir);
  }
}

function median(
  runs: readonly Run[],
  key: 'requestsPerSecond' | 'p50Ms' | 'p99Ms' | 'cpuUsPerRequest' | 'servingThreadCpuUsPerRequest',
): number {
  const values = runs.map((run) => run[key]).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] as number;
}

async function body(): Promise<BenchOutcome> {
  const bodies = requestBodies();
  console.log(
    `  ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per run, ${REPEATS} repeats`,
  );
  const runs: Run[] = [];
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    const order = MODES.map((_, k) => MODES[(repeat + k) % MODES.length] as Mode);
    for (const mode of order) {
      const run = await measure(mode, bodies);
      runs.push(run);
      console.log(
        `  repeat ${repeat + 1}: ${mode.padEnd(11)} ${formatRate(run.requestsPerSecond).padStart(9)}  p50 ${run.p50Ms.toFixed(2)} ms  p99 ${run.p99Ms.toFixed(2)} ms  CPU ${run.cpuUsPerRequest.toFixed(1)} µs/req  (${run.non2xx} non-2xx, ${run.errors} errors)`,
      );
    }
  }
  const byMode = (mode: Mode) => runs.filter((run) => run.mode === mode);
  const figures = Object.fromEntries(
    MODES.map((mode) => [
      mode,
      {
        requestsPerSecond: median(byMode(mode), 'requestsPerSecond'),
        p50Ms: median(byMode(mode), 'p50Ms'),
        p99Ms: median(byMode(mode), 'p99Ms'),
        cpuUsPerRequest: median(byMode(mode), 'cpuUsPerRequest'),
        servingThreadCpuUsPerRequest: median(byMode(mode), 'servingThreadCpuUsPerRequest'),
      },
    ]),
  ) as Record<
    Mode,
    {
      requestsPerSecond: number;
      p50Ms: number;
      p99Ms: number;
      cpuUsPerRequest: number;
      servingThreadCpuUsPerRequest: number;
    }
  >;
  const relative = (mode: Mode) => ({
    rpsVsOff: figures[mode].requestsPerSecond / figures.off.requestsPerSecond,
    p50VsOff: figures[mode].p50Ms / figures.off.p50Ms,
    p99VsOff: figures[mode].p99Ms / figures.off.p99Ms,
    cpuVsOff: figures[mode].cpuUsPerRequest / figures.off.cpuUsPerRequest,
  });
  console.log(
    `\n${renderTable(
      [
        'mode',
        'req/s (median)',
        'p50 ms',
        'p99 ms',
        'server CPU µs/req',
        'serving-thread CPU µs/req',
        'req/s vs off',
        'p99 vs off',
        'CPU/req vs off',
      ],
      MODES.map((mode) => [
        LABELS[mode],
        Math.round(figures[mode].requestsPerSecond),
        Number(figures[mode].p50Ms.toFixed(3)),
        Number(figures[mode].p99Ms.toFixed(3)),
        Number(figures[mode].cpuUsPerRequest.toFixed(1)),
        Number(figures[mode].servingThreadCpuUsPerRequest.toFixed(1)),
        `${relative(mode).rpsVsOff.toFixed(3)}x`,
        `${relative(mode).p99VsOff.toFixed(3)}x`,
        `${relative(mode).cpuVsOff.toFixed(3)}x`,
      ]),
    )}`,
  );
  const onRuns = byMode('on');
  const logged = onRuns.map((run) => run.logger);
  return {
    parameters: {
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      repeats: REPEATS,
      connections: CONNECTIONS,
      bodies: BODIES,
      app: 'examples/fraud-service (createFraudServer, predlog.yaml file exporter)',
    },
    figures: {
      ...figures,
      hookVsOff: relative('hook'),
      onVsOff: relative('on'),
      pinoVsOff: relative('pino'),
      pinoRedactVsOff: relative('pino-redact'),
      onVsPino: {
        rps: figures.on.requestsPerSecond / figures.pino.requestsPerSecond,
        p99: figures.on.p99Ms / figures.pino.p99Ms,
        cpu: figures.on.cpuUsPerRequest / figures.pino.cpuUsPerRequest,
      },
      onVsPinoRedact: {
        rps: figures.on.requestsPerSecond / figures['pino-redact'].requestsPerSecond,
        p99: figures.on.p99Ms / figures['pino-redact'].p99Ms,
        cpu: figures.on.cpuUsPerRequest / figures['pino-redact'].cpuUsPerRequest,
      },
      runs,
      loggerStatsOn: logged,
    },
    targets: [
      ratioTarget({
        id: 'p99_on_vs_off',
        subject: { label: 'p99 latency, instrumentation on (100%)', value: figures.on.p99Ms },
        peer: { label: 'p99 latency, off', value: figures.off.p99Ms },
        unit: 'ms',
        comparison: '<=',
        limit: 1.05,
      }),
      ratioTarget({
        id: 'rps_on_vs_off',
        subject: { label: 'req/s, instrumentation on (100%)', value: figures.on.requestsPerSecond },
        peer: { label: 'req/s, off', value: figures.off.requestsPerSecond },
        unit: 'req/s',
        comparison: '>=',
        limit: 0.95,
      }),
    ],
    notes: [
      `load average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(
          ' ',
        )} (on a shared machine compare CPU µs/req first: it moves far less with other load than req/s and p99)`,
      'every request of the measured "on" runs was logged: see figures.runs[].logger (received = exported + dropped)',
      'the pino peers show what writing the same record as JSON costs with the fastest JSON logger, through the same hook: the floor any logger of these facts pays on this app (pino-redact: with the fields the example redacts redacted alike by pino redact; predlog also runs its detectors over every other string)',
    ],
  };
}

await runBenchProcess(
  'instrumentation',
  'fraud-service req/s and latency with the HTTP instrumentation on (100% logged) vs off',
  body,
);
