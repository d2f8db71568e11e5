import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScrapeServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A server of its own for the scrape endpoint, for apps that do not want `/metrics` on their
 * public port. Answers the endpoint path only; everything else is a 404.
 */
export function startScrapeServer(options: {
  host: string;
  port: number;
  endpoint: string;
  handle: (request: IncomingMessage, response: ServerResponse) => void;
}): Promise<ScrapeServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === options.endpoint) {
      options.handle(request, response);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    response.end('not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve({
        host: options.host,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
