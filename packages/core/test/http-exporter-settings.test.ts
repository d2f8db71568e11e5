import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNoopMeter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseConfigText } from '../src/config-loader.ts';
import { type ComponentServices, type ExporterFactory, systemClock } from '../src/contracts.ts';
import {
  basicAuthSchema,
  bearerTokenSchema,
  checkHttpSettings,
  httpHeadersSchema,
  httpUrlSchema,
  loadTlsMaterial,
  tlsSettingsSchema,
} from '../src/http-exporter-settings.ts';
import { ComponentRegistry } from '../src/registry.ts';
import { MemoryExporter, recordingDiagnostics } from './support.ts';

/** An exporter schema built from the shared pieces, as the Loki and OTLP exporters build theirs. */
const exampleSchema = z
  .strictObject({
    endpoint: httpUrlSchema('http://sink:8080', { bare: true }),
    tenant: z.string().optional(),
    headers: httpHeadersSchema,
    basicAuth: basicAuthSchema.optional(),
    bearerToken: bearerTokenSchema.optional(),
    tls: tlsSettingsSchema({ serverName: true }),
  })
  .superRefine((c, ctx) =>
    checkHttpSettings(c, c.endpoint, ctx, (header) =>
      header === 'x-tenant' && c.tenant !== undefined ? 'clashes with tenant' : undefined,
    ),
  );

/** The issues as `path: message`; a bad record key with the rule it broke (as the config loader shows it). */
function problems(input: unknown): string[] {
  const parsed = exampleSchema.safeParse(input);
  if (parsed.success) return [];
  return parsed.error.issues.map(
    (i) => `${i.path.join('.')}: ${i.code === 'invalid_key' ? `key ${i.issues[0]?.message}` : i.message}`,
  );
}

describe('HTTP exporter settings', () => {
  it('accepts a plain endpoint and fills the defaults', () => {
    expect(exampleSchema.parse({ endpoint: 'http://sink:8080' })).toEqual({
      endpoint: 'http://sink:8080',
      headers: {},
      tls: { insecureSkipVerify: false },
    });
  });

  it('refuses URLs that are not absolute http(s), carry credentials, or (bare) a query', () => {
    expect(problems({ endpoint: 'sink:8080/x y' })).toEqual(['endpoint: must be an http:// or https:// URL']);
    expect(problems({ endpoint: 'ftp://sink' })).toEqual(['endpoint: must be an http:// or https:// URL']);
    expect(problems({ endpoint: 'https://user:pw@sink' })).toEqual([
      'endpoint: must not hold credentials; use basicAuth, with values from the environment',
    ]);
    expect(problems({ endpoint: 'https://sink/?a=1' })).toEqual([
      'endpoint: must not have a query string or fragment',
    ]);
    expect(httpUrlSchema('http://x').safeParse('https://sink/?a=1').success).toBe(true);
  });

  it('allows one way to authenticate and no header that the exporter or the auth owns', () => {
    expect(
      problems({
        endpoint: 'http://sink',
        basicAuth: { username: 'u', password: 'p' },
        bearerToken: 't',
        tenant: 'acme',
        headers: { 'Content-Type': 'text/plain', Authorization: 'x', 'X-Tenant': 'other', 'X-Ok': 'y' },
      }),
    ).toEqual([
      'bearerToken: set basicAuth or bearerToken, not both',
      'headers.Content-Type: is set by the exporter itself',
      'headers.Authorization: clashes with basicAuth/bearerToken; use one way to authenticate',
      'headers.X-Tenant: clashes with tenant',
    ]);
    expect(problems({ endpoint: 'http://sink', headers: { 'bad header': 'x', ok: 'a\r\nb' } })).toEqual([
      'headers.bad header: key must be an HTTP header name',
      'headers.ok: must not contain line breaks',
    ]);
  });

  it('needs https for TLS settings and both halves of a client certificate', () => {
    expect(problems({ endpoint: 'http://sink', tls: { serverName: 'sink.internal' } })).toEqual([
      'tls: TLS settings need an https:// endpoint',
    ]);
    expect(problems({ endpoint: 'https://sink', tls: { certFile: 'c.pem' } })).toEqual([
      'tls: certFile and keyFile go together (mutual TLS needs both)',
    ]);
    expect(tlsSettingsSchema({ serverName: false }).safeParse({ serverName: 'x' }).success).toBe(false);
  });
});

describe('an endpoint in a config error', () => {
  const sinkFactory: ExporterFactory = {
    kind: 'exporter',
    type: 'sink',
    configSchema: exampleSchema,
    create: (_c, services) => new MemoryExporter(services.id),
  };

  function messageFor(endpoint: string): string {
    const text = `exporters:\n  sink:\n    endpoint: ${endpoint}\npipelines:\n  p: { exporters: [sink] }\n`;
    try {
      parseConfigText(text, 'prod.yaml', new ComponentRegistry([sinkFactory]), {});
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    throw new Error('expected a ConfigError');
  }

  const cases = [
    {
      what: 'the user info',
      endpoint: 'https://admin:hunter2-pw@loki.internal:3100/push',
      message:
        'must not hold credentials; use basicAuth, with values from the environment (got "https://***@loki.internal:3100/push")',
      secrets: ['hunter2-pw', 'admin'],
    },
    {
      what: 'the query (a token) or fragment',
      endpoint: 'https://loki.internal/?token=sk-live-0123456789#frag-secret',
      message: 'must not have a query string or fragment (got "https://loki.internal/?***#***")',
      secrets: ['sk-live-0123456789', 'frag-secret'],
    },
  ];
  for (const { what, endpoint, message, secrets } of cases) {
    it(`never shows ${what} it forbids, and names the file, position and key`, () => {
      const shown = messageFor(endpoint);
      expect(shown).toBe(`prod.yaml:3:15: exporters.sink.endpoint: ${message}`);
      for (const secret of secrets) expect(shown).not.toContain(secret);
    });
  }
});

describe('loadTlsMaterial', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'predlog-tls-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function services(events = recordingDiagnostics()): ComponentServices {
    return {
      id: 'sink/eu',
      diagnostics: events.diagnostics,
      meter: createNoopMeter(),
      clock: systemClock,
      resource: resourceFromAttributes({}),
      baseDir: dir,
    };
  }

  it('reads the PEM files relative to the config directory', async () => {
    await writeFile(join(dir, 'ca.pem'), 'CA');
    await writeFile(join(dir, 'cert.pem'), 'CERT');
    await writeFile(join(dir, 'key.pem'), 'KEY');
    const tls = { caFile: 'ca.pem', certFile: 'cert.pem', keyFile: 'key.pem', serverName: 'sink.internal' };
    const material = await loadTlsMaterial({ ...tls, insecureSkipVerify: false }, services(), 'sink');
    expect(material.ca?.toString()).toBe('CA');
    expect(material.cert?.toString()).toBe('CERT');
    expect(material.key?.toString()).toBe('KEY');
    expect(material.serverName).toBe('sink.internal');
    expect(material.rejectUnauthorized).toBe(true);
  });

  it('names the key and file it cannot read', async () => {
    await expect(
      loadTlsMaterial({ caFile: 'missing.pem', insecureSkipVerify: false }, services(), 'sink'),
    ).rejects.toThrow('exporters.sink/eu.tls.caFile: cannot read missing.pem (ENOENT)');
  });

  it('warns once that certificates are not checked with insecureSkipVerify', async () => {
    const recorded = recordingDiagnostics();
    const material = await loadTlsMaterial({ insecureSkipVerify: true }, services(recorded), 'sink');
    expect(material.rejectUnauthorized).toBe(false);
    expect(recorded.events.map((e) => e.code)).toEqual(['sink.insecure_tls.sink/eu']);
  });
});
