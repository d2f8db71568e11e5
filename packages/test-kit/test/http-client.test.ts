import { createServer, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { close, listen, postJson, send } from '../src/index.ts';

/** Echoes method, path, one header and the body back as JSON. */
function echoServer() {
  return createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-echo', 'yes');
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          contentType: req.headers['content-type'] ?? null,
          requestId: req.headers['x-request-id'] ?? null,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
  });
}

let server = echoServer();
afterEach(async () => {
  await close(server);
  server = echoServer();
});

describe('http client', () => {
  it('listens on loopback and round-trips a JSON POST with its headers', async () => {
    const url = await listen(server);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const answer = await postJson(url, '/predict', { amount: 12.5 }, { 'x-request-id': 'req-7' });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-echo']).toBe('yes');
    expect(answer.json()).toEqual({
      method: 'POST',
      url: '/predict',
      contentType: 'application/json',
      requestId: 'req-7',
      body: '{"amount":12.5}',
    });
  });

  it('sends raw bodies with any method and returns the status and text as they came', async () => {
    const url = await listen(server);
    const answer = await send(url, 'PUT', '/missing', Buffer.from('raw bytes'));
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text)).toMatchObject({ method: 'PUT', body: 'raw bytes', contentType: null });
  });

  it('close ends keep-alive connections instead of waiting for them to idle out', async () => {
    const url = await listen(server);
    await send(url, 'GET', '/', undefined, { connection: 'keep-alive' });
    await close(server);
    expect(server.listening).toBe(false);
    await expect(send(url, 'GET', '/')).rejects.toThrow();
  });
});
