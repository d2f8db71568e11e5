import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { ComponentServices } from './contracts.ts';

/**
 * The settings every exporter that speaks HTTP shares (Loki, OTLP, and any third-party one): the
 * endpoint URL, custom headers, basic or bearer authentication, and TLS with files read at start-up.
 * One definition, so the rules and their messages are the same in every exporter's config.
 */

/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers an HTTP exporter sets itself; a custom header with one of these names would corrupt requests. */
export const MANAGED_HTTP_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-encoding',
  'content-length',
  'host',
  'transfer-encoding',
]);

/**
 * An absolute http(s) URL without credentials in it (they belong in `basicAuth`, from the
 * environment). `bare` also refuses a query string or fragment, for a base URL a path is appended to.
 */
export function httpUrlSchema(example: string, options: { bare?: boolean } = {}) {
  return z
    .string()
    .min(1, `must be a URL, e.g. ${example}`)
    .superRefine((text, ctx) => {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
        return;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
      }
      if (url.username !== '' || url.password !== '') {
        ctx.addIssue({
          code: 'custom',
          message: 'must not hold credentials; use basicAuth, with values from the environment',
        });
      }
      if (options.bare === true && (url.search !== '' || url.hash !== '')) {
        ctx.addIssue({ code: 'custom', message: 'must not have a query string or fragment' });
      }
    });
}

export const httpHeadersSchema = z
  .record(
    z.string().regex(HEADER_NAME, 'must be an HTTP header name'),
    z.string().refine((v) => !/[\r\n]/.test(v), 'must not contain line breaks'),
  )
  .default({});

export const basicAuthSchema = z.strictObject({
  username: z.string().min(1, 'must not be empty'),
  password: z.string().min(1, 'must not be empty (take it from the environment)'),
});

export const bearerTokenSchema = z.string().min(1, 'must not be empty (take it from the environment)');

/** `tls:` of an HTTP exporter; `serverName` only where the client can set SNI. */
export function tlsSettingsSchema<ServerName extends boolean>(options: { serverName: ServerName }) {
  const files = {
    /** PEM file of the CA(s) to trust instead of Node's default store. */
    caFile: z.string().min(1).optional(),
    /** PEM client certificate and key for mutual TLS; both or neither. */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    /** Accept any server certificate. For tests only: it disables server authentication. */
    insecureSkipVerify: z.boolean().default(false),
  };
  const shape = options.serverName
    ? {
        ...files,
        /** Name checked against the server certificate (SNI), when it differs from the URL's host. */
        serverName: z.string().min(1).optional(),
      }
    : files;
  return z
    .strictObject(shape)
    .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
      message: 'certFile and keyFile go together (mutual TLS needs both)',
    })
    .prefault({});
}

/** What `tlsSettingsSchema` gives, as the exporters read it. */
export interface TlsSettings {
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly serverName?: string | undefined;
  readonly insecureSkipVerify: boolean;
}

/** The HTTP settings `checkHttpSettings` cross-checks. */
export interface HttpSettings {
  readonly headers: Readonly<Record<string, string>>;
  readonly basicAuth?: unknown;
  readonly bearerToken?: string | undefined;
  readonly tls: TlsSettings;
}

/**
 * The rules across HTTP settings, for an exporter schema's `superRefine`: one way to authenticate,
 * no custom header the exporter sets itself or that clashes with the authentication, and TLS
 * settings only with an https:// endpoint. `headerClash` adds the exporter's own rule for a header
 * (lower-case name in, a message or undefined out).
 */
export function checkHttpSettings(
  settings: HttpSettings,
  endpoint: string,
  ctx: z.RefinementCtx,
  headerClash?: (lowerName: string) => string | undefined,
): void {
  const authenticated = settings.basicAuth !== undefined || settings.bearerToken !== undefined;
  if (settings.basicAuth !== undefined && settings.bearerToken !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['bearerToken'],
      message: 'set basicAuth or bearerToken, not both',
    });
  }
  for (const name of Object.keys(settings.headers)) {
    const lower = name.toLowerCase();
    let message: string | undefined;
    if (MANAGED_HTTP_HEADERS.has(lower)) message = 'is set by the exporter itself';
    else if (lower === 'authorization' && authenticated)
      message = 'clashes with basicAuth/bearerToken; use one way to authenticate';
    else message = headerClash?.(lower);
    if (message !== undefined) ctx.addIssue({ code: 'custom', path: ['headers', name], message });
  }
  const tls = settings.tls;
  const tlsSet =
    tls.caFile !== undefined ||
    tls.certFile !== undefined ||
    tls.serverName !== undefined ||
    tls.insecureSkipVerify;
  if (tlsSet && !endpoint.startsWith('https:')) {
    ctx.addIssue({ code: 'custom', path: ['tls'], message: 'TLS settings need an https:// endpoint' });
  }
}

/** The TLS options an HTTPS agent takes, with the PEM files read. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  serverName?: string;
  rejectUnauthorized: boolean;
}

async function readPem(services: ComponentServices, key: string, file: string): Promise<Buffer> {
  try {
    return await readFile(resolve(services.baseDir, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`exporters.${services.id}.tls.${key}: cannot read ${file} (${code})`);
  }
}

/**
 * Reads the PEM files named in `tls` (relative paths against the config file's directory), at
 * start-up, so a missing file stops the start with the key that names it. Warns once when server
 * certificates are not checked.
 */
export async function loadTlsMaterial(
  tls: TlsSettings,
  services: ComponentServices,
  exporterType: string,
): Promise<TlsMaterial> {
  const material: TlsMaterial = { rejectUnauthorized: !tls.insecureSkipVerify };
  if (tls.caFile !== undefined) material.ca = await readPem(services, 'caFile', tls.caFile);
  if (tls.certFile !== undefined) material.cert = await readPem(services, 'certFile', tls.certFile);
  if (tls.keyFile !== undefined) material.key = await readPem(services, 'keyFile', tls.keyFile);
  if (tls.serverName !== undefined) material.serverName = tls.serverName;
  if (tls.insecureSkipVerify) {
    services.diagnostics.warnOnce(
      `${exporterType}.insecure_tls.${services.id}`,
      `${exporterType} exporter ${services.id}: tls.insecureSkipVerify is on; the server's certificate is not checked`,
    );
  }
  return material;
}
