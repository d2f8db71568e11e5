import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Writes lines to a stream with backpressure that any number of callers may share. A caller that
 * finds the stream's buffer full waits for the one pending `drain`, instead of adding a listener of
 * its own: a spilled join emits from many partitions at once, and one listener per waiting emit
 * made Node print a MaxListenersExceededWarning for every few thousand records.
 */
export class LineWriter {
  private readonly stream: Writable;
  private draining: Promise<unknown> | undefined;

  constructor(stream: Writable) {
    this.stream = stream;
  }

  /** Resolves at once while the stream takes more, else when it has drained. */
  write(line: string): Promise<void> | undefined {
    if (this.stream.write(line) && this.draining === undefined) return undefined;
    this.draining ??= once(this.stream, 'drain').finally(() => {
      this.draining = undefined;
    });
    return this.draining.then(() => undefined);
  }
}
