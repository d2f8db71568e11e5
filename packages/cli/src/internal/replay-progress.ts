import type { OutputStream } from '../command.ts';

export interface ReplayCounters {
  sourcesDone: number;
  sourcesTotal: number;
  read: number;
  sent: number;
  failed: number;
  skipped: number;
}

const BAR_WIDTH = 24;
const TTY_INTERVAL_MS = 100;
const PLAIN_INTERVAL_MS = 5000;

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Progress on stderr: on a terminal, one bar redrawn in place (at most ten times a second); otherwise
 * (a log file, CI) a plain line when a file is finished, at most one every five seconds, so the output
 * stays readable. The bar advances per file (segment or partition); the counters per record.
 */
export class ReplayProgress {
  private readonly stream: OutputStream;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly started: number;
  private lastDrawn = Number.NEGATIVE_INFINITY;
  private lastSourcesDone = -1;

  constructor(stream: OutputStream, tty: boolean, now: () => number = () => performance.now()) {
    this.stream = stream;
    this.tty = tty;
    this.now = now;
    this.started = now();
  }

  update(counters: ReplayCounters): void {
    const now = this.now();
    if (this.tty) {
      if (now - this.lastDrawn < TTY_INTERVAL_MS) return;
      this.lastDrawn = now;
      this.stream.write(`\r\x1b[2K${this.bar(counters, now)}`);
      return;
    }
    if (counters.sourcesDone === this.lastSourcesDone || now - this.lastDrawn < PLAIN_INTERVAL_MS) return;
    this.lastDrawn = now;
    this.lastSourcesDone = counters.sourcesDone;
    this.stream.write(`replay: ${this.line(counters, now)}\n`);
  }

  /** The last state, then the cursor on a fresh line. */
  finish(counters: ReplayCounters): void {
    const now = this.now();
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${this.bar(counters, now)}\n`);
      return;
    }
    if (this.lastSourcesDone !== counters.sourcesDone)
      this.stream.write(`replay: ${this.line(counters, now)}\n`);
  }

  private bar(counters: ReplayCounters, now: number): string {
    const share = counters.sourcesTotal === 0 ? 1 : counters.sourcesDone / counters.sourcesTotal;
    const filled = Math.round(share * BAR_WIDTH);
    const percent = `${Math.floor(share * 100)}%`.padStart(4);
    return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent} ${this.line(counters, now)}`;
  }

  private line(c: ReplayCounters, now: number): string {
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = Math.round(c.sent / seconds);
    return `${c.sourcesDone}/${c.sourcesTotal} files, ${count(c.read)} read, ${count(c.sent)} sent, ${count(c.failed)} failed, ${count(c.skipped)} skipped, ${count(rate)} records/s`;
  }
}
