import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request exactly as it arrived: the body bytes untouched (still compressed, if they were). */
export interface CapturedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface CapturingReceiver {
  readonly url: string;
  readonly requests: CapturedRequest[];
  close(): Promise<void>;
}

/**
 * An HTTP endpoint on 127.0.0.1 (port 0) that keeps every request body and answers success the way
 * the real server would: Loki with 204, an OTLP receiver with 200 and an empty response message in
 * the request's own content type.
 */
export async function startCapturingReceiver(kind: 'loki' | 'otlp'): Promise<CapturingReceiver> {
  const sockets = new Set<Socket>();
  const requests: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      if (kind === 'loki') {
        res.writeHead(204);
        res.end();
        return;
      }
      const json = req.headers['content-type'] === 'application/json';
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : '');
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
