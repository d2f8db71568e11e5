import { type DiagnosticEvent, DiagnosticsChannel } from '../src/diagnostics.ts';
import type { LogRecordLike } from '../src/log-record.ts';
import { BaseExporter } from '../src/otel-adapters.ts';

/** An exporter that keeps what it is sent and can be told to fail. */
export class MemoryExporter extends BaseExporter {
  readonly batches: LogRecordLike[][] = [];
  failWith: ((attempt: number) => Error | undefined) | undefined;
  delayMs = 0;
  attempts = 0;
  shutdownCalled = false;

  get records(): LogRecordLike[] {
    return this.batches.flat();
  }

  async send(records: readonly LogRecordLike[], signal: AbortSignal): Promise<void> {
    this.attempts++;
    if (this.delayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.delayMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
    }
    const error = this.failWith?.(this.attempts);
    if (error !== undefined) throw error;
    this.batches.push([...records]);
  }

  override async shutdown(): Promise<void> {
    this.shutdownCalled = true;
  }
}

/** Diagnostics that remember every event instead of writing to stderr. */
export function recordingDiagnostics(): { diagnostics: DiagnosticsChannel; events: DiagnosticEvent[] } {
  const events: DiagnosticEvent[] = [];
  return { diagnostics: new DiagnosticsChannel((event) => events.push(event)), events };
}

export const demoFeatures = (): Record<string, number | string | boolean> => {
  const features: Record<string, number | string | boolean> = {};
  for (let i = 0; i < 23; i++) features[`f${i}`] = i * 1.5;
  features.merchant = 'grocery';
  features.card_present = true;
  return features;
};
