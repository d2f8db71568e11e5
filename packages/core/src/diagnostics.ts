/**
 * Where predlog says what went wrong without ever throwing into the caller. Messages name what
 * happened and where, never the values involved, so no personal data reaches a diagnostic.
 */
export interface Diagnostics {
  /** Reports once per `code` for the process lifetime; later reports with the same code are counted only. */
  warnOnce(code: string, message: string): void;
  /** Reports every time; use for rare events (start-up, shutdown, a sink that gave up). */
  error(code: string, message: string): void;
  info(code: string, message: string): void;
}

export type DiagnosticLevel = 'info' | 'warn' | 'error';

export interface DiagnosticEvent {
  level: DiagnosticLevel;
  code: string;
  message: string;
}

/**
 * Diagnostics that hand each event to a sink (stderr by default) and keep the once-only set. The
 * counts per code are readable for tests and for `predlog` status output.
 */
export class DiagnosticsChannel implements Diagnostics {
  private readonly seen = new Map<string, number>();
  private readonly sink: (event: DiagnosticEvent) => void;

  constructor(sink?: (event: DiagnosticEvent) => void) {
    this.sink = sink ?? writeToStderr;
  }

  warnOnce(code: string, message: string): void {
    const n = this.seen.get(code) ?? 0;
    this.seen.set(code, n + 1);
    if (n === 0) this.emit({ level: 'warn', code, message });
  }

  error(code: string, message: string): void {
    this.seen.set(code, (this.seen.get(code) ?? 0) + 1);
    this.emit({ level: 'error', code, message });
  }

  info(code: string, message: string): void {
    this.emit({ level: 'info', code, message });
  }

  /** How often each code was reported (including the suppressed repeats). */
  counts(): ReadonlyMap<string, number> {
    return this.seen;
  }

  private emit(event: DiagnosticEvent): void {
    try {
      this.sink(event);
    } catch {
      // A broken diagnostics sink must not turn a diagnostic into a crash.
    }
  }
}

function writeToStderr(event: DiagnosticEvent): void {
  process.stderr.write(`predlog ${event.level} [${event.code}] ${event.message}\n`);
}
