import http from 'node:http';
import https from 'node:https';

type Emit = (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;

/**
 * Calls `instrument(server)` once per node:http/https server, when its first request arrives and
 * before any listener sees it; returns a function that takes the hook off.
 *
 * Why `emit` on the prototypes: it is the one place every server passes, however it was made
 * (`createServer`, `new Server`, a framework's `listen`), from ESM or CJS (one `node:http` module for
 * both), and waiting for the first request sees the listeners an app attaches after `listen()`.
 * The hook only finds the server: the capture itself is instrumentation-http's, which wraps the
 * server's listeners, so a span activated around them by `@opentelemetry/instrumentation-http`
 * (which also hooks `emit`) is seen whichever hook was installed first.
 */
export function hookServers(instrument: (server: http.Server) => void): () => void {
  const seen = new WeakSet<object>();
  const restores: Array<() => void> = [];
  // https.Server does not inherit from http.Server: each prototype gets its own hook.
  for (const prototype of [http.Server.prototype, https.Server.prototype] as Array<{ emit: Emit }>) {
    const hadOwn = Object.hasOwn(prototype, 'emit');
    const original = prototype.emit;
    prototype.emit = function emit(this: http.Server, event, ...args) {
      if (event === 'request' && !seen.has(this)) {
        seen.add(this);
        instrument(this);
      }
      return original.call(this, event, ...args);
    };
    restores.push(() => {
      if (hadOwn) prototype.emit = original;
      else delete (prototype as { emit?: Emit }).emit;
    });
  }
  return () => {
    for (const restore of restores) restore();
  };
}
