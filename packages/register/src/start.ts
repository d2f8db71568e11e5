import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import {
  type ComponentFactory,
  ComponentRegistry,
  ConfigError,
  type ConfigIssue,
  createPredictionLogger,
  type Diagnostics,
  DiagnosticsChannel,
  type PredictionLogger,
  parseConfigSection,
  parseConfigText,
  sdkDisabled,
} from '@predlog/core';
import { type HttpInstrumentation, instrumentHttpServer } from '@predlog/instrumentation-http';
import { BUILTIN_COMPONENTS } from './builtin-components.ts';
import { type RegisterConfig, registerConfigSchema } from './config.ts';
import { locateConfig } from './config-location.ts';
import { REGISTER_DIAGNOSTICS } from './diagnostic-codes.ts';
import { flushOnExit } from './exit-flush.ts';
import { hookServers } from './server-hook.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface StartPredlogOptions {
  /** Default `process.env`: `PREDLOG_CONFIG`, `OTEL_SDK_DISABLED`, `${env:…}` in the file. */
  readonly env?: Env;
  /** Where `./predlog.yaml` and a relative `PREDLOG_CONFIG` are looked for; default `process.cwd()`. */
  readonly cwd?: string;
  /** Default: predlog's stderr channel. */
  readonly diagnostics?: Diagnostics;
  /** The factories the file may use; default the built-ins (`BUILTIN_COMPONENTS`). */
  readonly components?: readonly ComponentFactory[];
}

/** A running registration: the logger, the config it came from, and every server instrumented so far. */
export interface PredlogRegistration {
  readonly logger: PredictionLogger;
  readonly configFile: string;
  readonly config: RegisterConfig;
  /** One per server, in the order their first requests arrived. */
  readonly instrumentations: readonly HttpInstrumentation[];
  /** Takes the server and exit hooks off and shuts the logger down. */
  stop(): Promise<void>;
}

/** Why predlog stayed off; the diagnostic already said so. */
export type StartFailure = 'disabled' | 'config_missing' | 'config_invalid' | 'no_routes' | 'start_failed';

export type StartOutcome =
  | { readonly started: true; readonly registration: PredlogRegistration }
  | { readonly started: false; readonly reason: StartFailure };

const OFF = 'predlog is off, the app runs without prediction logging';
const GLOBAL_KEY = Symbol.for('@predlog/register');

/**
 * Reads predlog.yaml (or `PREDLOG_CONFIG`), creates the logger from it and instruments every
 * node:http/https server the process creates from then on with the file's `instrumentation.http`.
 * Never throws: a missing or bad config is one diagnostic and predlog stays off.
 */
export async function startPredlog(options: StartPredlogOptions = {}): Promise<StartOutcome> {
  const env = options.env ?? process.env;
  const diagnostics = options.diagnostics ?? new DiagnosticsChannel();
  if (sdkDisabled(env)) return { started: false, reason: 'disabled' };
  const globals = globalThis as { [GLOBAL_KEY]?: true };
  if (globals[GLOBAL_KEY] === true) {
    diagnostics.warnOnce(
      REGISTER_DIAGNOSTICS.alreadyRegistered,
      '@predlog/register was loaded twice (--import and NODE_OPTIONS?); the second is ignored',
    );
    return { started: false, reason: 'start_failed' };
  }
  try {
    const outcome = await start(env, options.cwd ?? process.cwd(), diagnostics, options.components);
    if (outcome.started) globals[GLOBAL_KEY] = true;
    return outcome;
  } catch (error) {
    diagnostics.error(
      REGISTER_DIAGNOSTICS.startFailed,
      `${OFF}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return { started: false, reason: 'start_failed' };
  }
}

async function start(
  env: Env,
  cwd: string,
  diagnostics: Diagnostics,
  components: readonly ComponentFactory[] = BUILTIN_COMPONENTS,
): Promise<StartOutcome> {
  const location = locateConfig(env, cwd);
  const file = location.file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    if (code === 'ENOENT') {
      diagnostics.warnOnce(
        REGISTER_DIAGNOSTICS.configMissing,
        location.from === 'PREDLOG_CONFIG'
          ? `no config: the file PREDLOG_CONFIG names does not exist (${file}); ${OFF}`
          : `no config: no predlog.yaml in ${cwd} and PREDLOG_CONFIG is not set; ${OFF}`,
      );
      return { started: false, reason: 'config_missing' };
    }
    diagnostics.error(REGISTER_DIAGNOSTICS.configUnreadable, `cannot read ${file} (${code}); ${OFF}`);
    return { started: false, reason: 'config_missing' };
  }

  // Both parts are checked before anything is created, so every error in the file shows at once.
  const issues: ConfigIssue[] = [];
  let section: RegisterConfig | undefined;
  try {
    section = parseConfigSection(text, file, 'instrumentation', registerConfigSchema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  try {
    parseConfigText(text, file, new ComponentRegistry(components), env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // A file that is not valid YAML gives the same issues to both reads: each is said once.
    const said = new Set(issues.map((issue) => `${issue.line}:${issue.column}:${issue.message}`));
    for (const issue of error.issues)
      if (!said.has(`${issue.line}:${issue.column}:${issue.message}`)) issues.push(issue);
  }
  if (issues.length > 0) {
    diagnostics.error(
      REGISTER_DIAGNOSTICS.configInvalid,
      `${OFF}; the config has errors:\n${new ConfigError(issues).message}`,
    );
    return { started: false, reason: 'config_invalid' };
  }
  const config = registerConfigSchema.parse(section ?? {});
  const http = config.http;
  if (http === undefined) {
    diagnostics.warnOnce(
      REGISTER_DIAGNOSTICS.noRoutes,
      `${file} has no instrumentation.http.routes, so no request is a prediction; ${OFF}`,
    );
    return { started: false, reason: 'no_routes' };
  }

  const logger = await createPredictionLogger({ configFile: file, components, env, diagnostics });
  const instrumentations: HttpInstrumentation[] = [];
  const instrument = (server: Server) => {
    try {
      instrumentations.push(instrumentHttpServer(server, { ...http, logger, diagnostics }));
    } catch {
      diagnostics.warnOnce(
        REGISTER_DIAGNOSTICS.serverNotInstrumented,
        'a server could not be instrumented; it serves without prediction logging',
      );
    }
  };
  const unhookServers = hookServers(instrument);
  const unhookExit = flushOnExit({ logger, flushTimeoutMs: config.flushTimeoutMs, diagnostics });
  diagnostics.info(
    REGISTER_DIAGNOSTICS.started,
    `logging ${Object.keys(http.routes).join(', ')} on every http/https server (config ${file})`,
  );
  return {
    started: true,
    registration: {
      logger,
      configFile: file,
      config,
      instrumentations,
      async stop() {
        unhookServers();
        unhookExit();
        delete (globalThis as { [GLOBAL_KEY]?: true })[GLOBAL_KEY];
        await logger.shutdown();
      },
    },
  };
}
