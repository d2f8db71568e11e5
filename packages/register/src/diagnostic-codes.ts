/** Every code register reports, so a log search or a test names them one way. */
export const REGISTER_DIAGNOSTICS = {
  started: 'register.started',
  configMissing: 'register.config_missing',
  configUnreadable: 'register.config_unreadable',
  configInvalid: 'register.config_invalid',
  noRoutes: 'register.no_routes',
  startFailed: 'register.start_failed',
  alreadyRegistered: 'register.already_registered',
  serverNotInstrumented: 'register.server_not_instrumented',
  flushTimedOut: 'register.flush_timed_out',
  exitUnexported: 'register.exit_unexported',
} as const;
