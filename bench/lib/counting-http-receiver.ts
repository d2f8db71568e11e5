/**
 * An HTTP sink for the network benches that runs in a child process, so its work never shares the
 * event loop (or the JIT) with the sender being measured. It counts requests and body bytes as they
 * arrive on the wire (compressed), decodes nothing, and answers at once: 204 for a Loki push, 200 with
 * an empty OTLP response otherwise.
 *
 * Parent side: `startCountingReceiver()`. Child side: this same file run with `--counting-receiver`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface ReceiverCounts {
  requests: number;
  /** Request body bytes as received (after any compression the sender applied). */
  bodyBytes: number;
  /** Requests answered with something other than 2xx (none unless a sender misbehaves). */
  errors: number;
}

type ParentMessage = { type: 'counts'; id: number } | { type: 'reset'; id: number };
type ChildMessage =
  | { type: 'listening'; port: number }
  | { type: 'counts'; id: number; counts: ReceiverCounts }
  | { type: 'reset'; id: number };

const CHILD_FLAG = '--counting-receiver';

function serve(): void {
  const counts: ReceiverCounts = { requests: 0, bodyBytes: 0, errors: 0 };
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      counts.requests++;
      counts.bodyBytes += bytes;
      if (req.url?.startsWith('/loki/')) {
        res.writeHead(204);
        res.end();
        return;
      }
      const json = req.headers['content-type'] === 'application/json';
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : '');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({
      type: 'listening',
      port: (server.address() as AddressInfo).port,
    } satisfies ChildMessage);
  });
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'counts') {
      process.send?.({ type: 'counts', id: message.id, counts: { ...counts } } satisfies ChildMessage);
    } else {
      counts.requests = 0;
      counts.bodyBytes = 0;
      counts.errors = 0;
      process.send?.({ type: 'reset', id: message.id } satisfies ChildMessage);
    }
  });
  // The parent owns this process: when it goes, so does the receiver.
  process.on('disconnect', () => process.exit(0));
}

export interface CountingReceiver {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  counts(): Promise<ReceiverCounts>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the receiver in a child process and resolves once it listens. */
export async function startCountingReceiver(): Promise<CountingReceiver> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [CHILD_FLAG], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`receiver exited early (${code})`)));
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'listening') resolve(message.port);
    });
  });
  child.removeAllListeners('exit');
  let nextId = 0;
  const ask = <T>(type: 'counts' | 'reset', pick: (message: ChildMessage) => T | undefined): Promise<T> =>
    new Promise<T>((resolve) => {
      const id = ++nextId;
      const onMessage = (message: ChildMessage) => {
        if (message.type !== type || message.id !== id) return;
        child.off('message', onMessage);
        resolve(pick(message) as T);
      };
      child.on('message', onMessage);
      child.send({ type, id } satisfies ParentMessage);
    });
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ask('counts', (m) => (m.type === 'counts' ? m.counts : undefined)),
    reset: () => ask('reset', () => undefined),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

if (process.argv.includes(CHILD_FLAG)) serve();
