import http from 'node:http';
import https from 'node:https';
import { close, listen, send } from '@predlog/test-kit';
import { describe, expect, it } from 'vitest';
import { hookServers } from '../src/server-hook.ts';

describe('hookServers', () => {
  it('finds each server once, at its first request, with the listeners attached after listen()', async () => {
    const found: Array<{ server: http.Server; listeners: number }> = [];
    const unhook = hookServers((server) =>
      found.push({ server, listeners: server.listenerCount('request') }),
    );
    const late = new http.Server();
    const made = http.createServer((_request, response) => response.end('made'));
    try {
      const lateUrl = await listen(late);
      late.on('request', (_request, response) => response.end('late'));
      const madeUrl = await listen(made);
      expect(found).toEqual([]);
      expect((await send(lateUrl, 'GET', '/')).text).toBe('late');
      expect((await send(lateUrl, 'GET', '/')).text).toBe('late');
      expect((await send(madeUrl, 'GET', '/')).text).toBe('made');
      expect(found).toEqual([
        { server: late, listeners: 1 },
        { server: made, listeners: 1 },
      ]);
      expect(Object.hasOwn(https.Server.prototype, 'emit')).toBe(true);
    } finally {
      unhook();
      await close(late);
      await close(made);
    }
    expect(Object.hasOwn(http.Server.prototype, 'emit')).toBe(false);
    expect(Object.hasOwn(https.Server.prototype, 'emit')).toBe(false);
  });

  it('once taken off, finds no more servers', async () => {
    const found: http.Server[] = [];
    hookServers((server) => found.push(server))();
    const server = http.createServer((_request, response) => response.end('ok'));
    try {
      expect((await send(await listen(server), 'GET', '/')).text).toBe('ok');
    } finally {
      await close(server);
    }
    expect(found).toEqual([]);
  });
});
