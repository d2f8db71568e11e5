/**
 * The fraud-service example as a child process for `instrumentation.bench.ts`, so the load generator
 * never shares its event loop:
 *
 *   node bench/lib/fraud-server-process.ts on|off|hook|pino|pino-redact <log-dir>
 *
 * Every mode builds the example exactly as `examples/fraud-service/src/server.ts` does (model,
 * feature store, logger from its predlog.yaml with the file exporter); `on` adds its one line of
 * instrumentation (`instrumentHttpServer`, every POST /predict logged), `off` logs nothing, and
 * `hook` instruments with a logger whose head sampler keeps nothing: the instrumentation's own
 * per-request work, without the logging pipeline behind it. `pino` is the peer: the same hook
 * handing each record to pino (`logger.info(record)`, sonic-boom destination, async writes) instead
 * of predlog, i.e. the fastest JSON logger writing the same facts through the same hook;
 * `pino-redact` also redacts the fields predlog.yaml's rules redact. Prints
 * `{"event":"listening","port":N}`, on SIGUSR2 `{"event":"cpu","userUs":N,"systemUs":N}`, and
 * after SIGTERM `{"event":"stopped","stats":{...}}`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPredictionLogger, type PredictionInput, PredictionLogger } from '@predlog/core';
import { createFraudServer } from '@predlog/example-fraud-service/app';
import { generateCustomerProfiles } from '@predlog/example-fraud-service/customer-profiles';
import { FeatureStore } from '@predlog/example-fraud-service/feature-store';
import { loadModel } from '@predlog/example-fraud-service/model';
import { fileExporterFactory } from '@predlog/exporter-file';
import { instrumentHttpServer } from '@predlog/instrumentation-http';
import { redactionProcessorFactory } from '@predlog/processor-redaction';
import { createPinoPeer } from './pino-peer.ts';

const CONFIG_FILE = fileURLToPath(new URL('../../examples/fraud-service/predlog.yaml', import.meta.url));

const [mode, logDir] = process.argv.slice(2);
const MODES = ['on', 'off', 'hook', 'pino', 'pino-redact'];
if (mode === undefined || !MODES.includes(mode) || logDir === undefined) {
  process.stderr.write(`usage: fraud-server-process.ts ${MODES.join('|')} <log-dir>\n`);
  process.exit(2);
}

const model = await loadModel();
const logger = await createPredictionLogger({
  configFile: CONFIG_FILE,
  components: [fileExporterFactory, redactionProcessorFactory],
  model: { name: model.name, version: model.version, framework: model.framework },
  env: { PREDLOG_LOG_DIR: logDir, PREDLOG_REDACTION_KEY: randomBytes(48).toString('base64') },
  // PREDLOG_BENCH_THREAD=worker measures the opt-in pipeline worker (logger.thread: worker).
  ...(process.env.PREDLOG_BENCH_THREAD === 'worker' ? { thread: 'worker' as const } : {}),
});
const server = createFraudServer({ model, store: new FeatureStore(generateCustomerProfiles()), logger });
const keepNothing = new PredictionLogger({
  pipelines: [{ exporters: [] }],
  sampler: { decide: () => ({ keep: false, weight: 0, reason: 'bench' }) },
});
// `pino-redact` redacts what predlog.yaml's rules redact, the same way (card masked to its last 4
// digits, e-mail and IP address as HMAC-SHA256), with pino's own `redact` (fast-redact); predlog's
// detectors, which scan every other string too, have no pino counterpart.
const pinoKey = randomBytes(48);
const pinoPeer =
  mode === 'pino'
    ? await createPinoPeer(join(logDir, 'pino.ndjson'))
    : mode === 'pino-redact'
      ? await createPinoPeer(join(logDir, 'pino.ndjson'), {
          redact: {
            paths: ['rawInput.card_number', 'rawInput.customer_email', 'rawInput.ip_address'],
            censor: (value: unknown, path: string[]) => {
              if (typeof value !== 'string') return value;
              if (path[1] === 'card_number')
                return `${'*'.repeat(Math.max(0, value.length - 4))}${value.slice(-4)}`;
              return `hmac:k1:${createHmac('sha256', pinoKey).update(value).digest('hex').slice(0, 32)}`;
            },
          },
        })
      : undefined;
const pinoRecorder = {
  record(input: PredictionInput): string | undefined {
    pinoPeer?.logger.info(input);
    return undefined;
  },
};
if (mode !== 'off')
  instrumentHttpServer(server, {
    logger: mode === 'on' ? logger : mode.startsWith('pino') ? pinoRecorder : keepNothing,
    routes: { 'POST /predict': { model: model.name, version: model.version } },
  });

// CPU time of the whole process (every thread: the pipeline worker, the libuv pool's gzip and file
// writes) and of the serving thread alone (process.threadCpuUsage: what requests compete with),
// read around a measured run: figures that other load on the machine changes far less than throughput.
process.on('SIGUSR2', () => {
  const { user, system } = process.cpuUsage();
  const thread = process.threadCpuUsage();
  process.stdout.write(
    `${JSON.stringify({ event: 'cpu', userUs: user, systemUs: system, threadUs: thread.user + thread.system })}\n`,
  );
});

process.on('SIGTERM', () => {
  server.close(async () => {
    await logger.shutdown();
    await pinoPeer?.end();
    process.stdout.write(`${JSON.stringify({ event: 'stopped', stats: logger.stats() })}\n`);
    process.exit(0);
  });
  server.closeAllConnections();
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ event: 'listening', port })}\n`);
});
