import { once } from 'node:events';
import { type Logger, type LoggerOptions, pino } from 'pino';

export interface PinoPeer {
  logger: Logger;
  /** Resolves when every line logged so far is written and the file is closed. */
  end(): Promise<void>;
}

/**
 * pino as its docs recommend for speed: `pino.destination` (sonic-boom) with `sync: false`, so lines
 * are buffered while a write is in flight and written by the event loop.
 */
export async function createPinoPeer(file: string, options: LoggerOptions = {}): Promise<PinoPeer> {
  const destination = pino.destination({ dest: file, sync: false, mkdir: true });
  await once(destination, 'ready');
  const logger = pino(options, destination);
  return {
    logger,
    async end() {
      // sonic-boom's flush(cb) answers at once when minLength is 0; end() waits for pending writes.
      const closed = once(destination, 'close');
      destination.end();
      await closed;
    },
  };
}
