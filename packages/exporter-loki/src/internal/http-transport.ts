import http from 'node:http';
import https from 'node:https';
import type { TlsMaterial } from '@predlog/core';

export interface TransportResponse {
  readonly status: number;
  readonly retryAfter: string | undefined;
  /** The start of the body (error messages), decoded as UTF-8. */
  readonly body: string;
}

/**
 * How much of a response body is kept: enough for Loki's list of refused entries (the ingester
 * names at most 10 per stream, the distributor groups its messages), never a whole echo of a request.
 */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * POSTs bodies to one URL over a keep-alive connection (node:http/https, no dependency). Rejects with
 * the socket's error for refused, reset or timed-out connections, TLS failures and responses that
 * are not HTTP; `signal` aborts the request.
 */
export class HttpTransport {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  constructor(url: URL, tls: TlsMaterial) {
    this.url = url;
    if (url.protocol === 'https:') {
      const options: https.AgentOptions = { keepAlive: true, rejectUnauthorized: tls.rejectUnauthorized };
      if (tls.ca !== undefined) options.ca = tls.ca;
      if (tls.cert !== undefined) options.cert = tls.cert;
      if (tls.key !== undefined) options.key = tls.key;
      if (tls.serverName !== undefined) options.servername = tls.serverName;
      this.agent = new https.Agent(options);
      this.request = https.request;
    } else {
      this.agent = new http.Agent({ keepAlive: true });
      this.request = http.request;
    }
  }

  post(
    body: Buffer,
    headers: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<TransportResponse> {
    return new Promise<TransportResponse>((resolve, reject) => {
      const req = this.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { ...headers, 'content-length': String(body.length) },
          signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          res.on('data', (chunk: Buffer) => {
            if (kept >= MAX_BODY_BYTES) return;
            chunks.push(chunk);
            kept += chunk.length;
          });
          res.on('error', reject);
          res.on('end', () => {
            const retryAfter = res.headers['retry-after'];
            resolve({
              status: res.statusCode ?? 0,
              retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
              body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
            });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
