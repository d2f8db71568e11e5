import { createServer } from 'node:http';
import { trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { close, installTracing, listen, send, traceRequests } from '../src/index.ts';

describe('tracing', () => {
  const seen: Array<string | undefined> = [];
  const server = createServer((_req, res) => {
    // Read after an await, to check the span survives the async hop (the context manager's job).
    void Promise.resolve().then(() => {
      seen.push(trace.getActiveSpan()?.spanContext().spanId);
      res.end('ok');
    });
  });
  afterAll(() => close(server));

  it('runs each request handler inside its own active span and reports the span ids in order', async () => {
    const spans = traceRequests(server, installTracing());
    const url = await listen(server);
    await send(url, 'GET', '/a');
    await send(url, 'GET', '/b');
    expect(spans).toHaveLength(2);
    expect(seen).toEqual(spans.map((span) => span.spanId));
    expect(spans[0]?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(spans[0]?.traceId).not.toBe(spans[1]?.traceId);
  });
});
