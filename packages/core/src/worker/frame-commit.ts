import type { ByteRingWriter } from './byte-ring-writer.ts';
import { TARGET_FULL, type ValueEncoder } from './value-encoder.ts';

/** Writes one frame's content through `encoder` (the frame writers; no closure per record). */
export interface FrameContent {
  fill(encoder: ValueEncoder): void;
}

/**
 * Begins a ring frame, lets `content` fill it and commits it; false when the ring had no room
 * (nothing is then published). An error thrown by the content (the caller's input object itself
 * throwing) gives up the frame and is rethrown.
 */
export function writeFrame(ring: ByteRingWriter, encoder: ValueEncoder, content: FrameContent): boolean {
  const start = ring.begin();
  if (start < 0) return false;
  encoder.begin(start);
  try {
    content.fill(encoder);
  } catch (error) {
    ring.abort();
    if (error === TARGET_FULL) return false;
    throw error;
  }
  ring.commit(encoder.base, encoder.length);
  return true;
}
