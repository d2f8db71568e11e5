import { EventEmitter } from 'node:events';
import { createServer, IncomingMessage, type Server, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import {
  activePredictionScope,
  createPredictionScope,
  type PredictionScope,
} from '@predlog/instrumentation-model';
import { close, listen, postJson } from '@predlog/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { hookRequest, hookResponse, unhookMessage } from '../../src/internal/message-hooks.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await close(server);
});

/** Records what the hooks report, and the prediction scope each body event ran in. */
class Recorder {
  readonly scope: PredictionScope = createPredictionScope('req-hooked');
  readonly requestChunks: unknown[] = [];
  readonly responseChunks: Array<[unknown, unknown]> = [];
  addRequestChunk(chunk: unknown): void {
    this.requestChunks.push(chunk);
  }
  addResponseChunk(chunk: unknown, encoding: unknown): void {
    this.responseChunks.push([chunk, encoding]);
  }
}

function text(chunks: readonly unknown[]): string {
  return chunks
    .map((chunk) => (typeof chunk === 'string' ? chunk : Buffer.from(chunk as Buffer).toString()))
    .join('');
}

describe('message hooks', () => {
  it('report a hooked request body and response, run body listeners in scope, and change nothing the app sees', async () => {
    const recorder = new Recorder();
    const scopesSeen: Array<string | undefined> = [];
    const server = createServer((request, response) => {
      hookRequest(request, recorder);
      hookResponse(response, recorder);
      let body = '';
      request.on('data', (chunk: Buffer) => {
        scopesSeen.push(activePredictionScope()?.requestId);
        body += chunk.toString();
      });
      request.on('end', () => {
        scopesSeen.push(activePredictionScope()?.requestId);
        const wrote = response.write('{"echo":', 'utf8');
        const ended = response.end(`${body}}`);
        // write returns a boolean and end returns the response, as without the hooks.
        expect(typeof wrote).toBe('boolean');
        expect(ended).toBe(response);
        unhookMessage(request);
        unhookMessage(response);
      });
    });
    servers.push(server);
    const url = await listen(server);
    const answer = await postJson(url, '/predict', { amount: 12.5 });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ echo: { amount: 12.5 } });
    expect(text(recorder.requestChunks)).toBe('{"amount":12.5}');
    expect(recorder.responseChunks.map(([chunk]) => chunk)).toEqual(['{"echo":', '{"amount":12.5}}']);
    expect(recorder.responseChunks[0]?.[1]).toBe('utf8');
    expect(scopesSeen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(scopesSeen)).toEqual(new Set(['req-hooked']));
  });

  it('pass messages of other servers in the process straight through', async () => {
    const recorder = new Recorder();
    const hooked = createServer((request, response) => {
      hookRequest(request, recorder);
      hookResponse(response, recorder);
      request.resume();
      request.on('end', () => response.end('hooked'));
    });
    const scopes: Array<PredictionScope | undefined> = [];
    const plain = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        scopes.push(activePredictionScope());
        body += chunk.toString();
      });
      request.on('end', () => response.end(`plain:${body}`));
    });
    servers.push(hooked, plain);
    const hookedUrl = await listen(hooked);
    const plainUrl = await listen(plain);
    await postJson(hookedUrl, '/a', { n: 1 });
    const answer = await postJson(plainUrl, '/b', { n: 2 });
    expect(answer.text).toBe('plain:{"n":2}');
    expect(scopes).toEqual([undefined]);
    expect(text(recorder.requestChunks)).toBe('{"n":1}');
    expect(recorder.responseChunks.map(([chunk]) => chunk)).toEqual(['hooked']);
  });

  it('stop reporting once a message is unhooked', async () => {
    const recorder = new Recorder();
    const server = createServer((request, response) => {
      hookResponse(response, recorder);
      response.write('kept ');
      unhookMessage(response);
      response.end('not kept');
      request.resume();
    });
    servers.push(server);
    const answer = await postJson(await listen(server), '/', {});
    expect(answer.text).toBe('kept not kept');
    expect(recorder.responseChunks.map(([chunk]) => chunk)).toEqual(['kept ']);
  });

  it('wrap objects that do not inherit from node:http classes on the instance', () => {
    const recorder = new Recorder();
    // A request double as fastify's inject() builds one: an emitter, not an IncomingMessage.
    const request = new EventEmitter() as unknown as IncomingMessage;
    const inScope: Array<string | undefined> = [];
    request.on('data', () => inScope.push(activePredictionScope()?.requestId));
    hookRequest(request, recorder);
    expect(request.emit('data', Buffer.from('abc'))).toBe(true);
    expect(request.emit('other')).toBe(false);
    expect(text(recorder.requestChunks)).toBe('abc');
    expect(inScope).toEqual(['req-hooked']);

    const written: unknown[] = [];
    const response = {
      write(chunk: unknown) {
        written.push(chunk);
        return true;
      },
      end(chunk: unknown) {
        written.push(chunk);
        return this;
      },
    } as unknown as ServerResponse;
    hookResponse(response, recorder);
    expect(response.write('a')).toBe(true);
    expect(response.end('b')).toBe(response);
    expect(written).toEqual(['a', 'b']);
    expect(recorder.responseChunks.map(([chunk]) => chunk)).toEqual(['a', 'b']);
  });

  it('leave end(callback) alone: a callback is not a chunk', () => {
    const recorder = new Recorder();
    const response = new ServerResponse(new IncomingMessage(new Socket()));
    hookResponse(response, recorder);
    response.end(() => undefined);
    expect(recorder.responseChunks).toEqual([]);
  });
});
