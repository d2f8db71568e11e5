export { BUILTIN_COMPONENTS } from './builtin-components.ts';
export {
  type HttpFileConfig,
  httpFileConfigSchema,
  type RegisterConfig,
  registerConfigSchema,
} from './config.ts';
export { type ConfigLocation, locateConfig } from './config-location.ts';
export { REGISTER_DIAGNOSTICS } from './diagnostic-codes.ts';
export {
  type ExitFlushOptions,
  FLUSH_SIGNALS,
  type FlushedLogger,
  flushOnExit,
  type ProcessLike,
} from './exit-flush.ts';
export { hookServers } from './server-hook.ts';
export {
  type PredlogRegistration,
  type StartFailure,
  type StartOutcome,
  type StartPredlogOptions,
  startPredlog,
} from './start.ts';
