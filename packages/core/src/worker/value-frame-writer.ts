import type { ByteRingWriter } from './byte-ring-writer.ts';
import { type FrameContent, writeFrame } from './frame-commit.ts';
import { FRAME_VALUE } from './frame-kinds.ts';
import type { ShapeRegistry } from './shape-table.ts';
import { type EncodeLimits, ValueEncoder } from './value-encoder.ts';

/** Writes one captured value as a FRAME_VALUE frame (tools, tests, the bench's generic records). */
export class ValueFrameWriter implements FrameContent {
  readonly encoder: ValueEncoder;
  private readonly ring: ByteRingWriter;
  private value: unknown;

  constructor(ring: ByteRingWriter, limits: EncodeLimits, shapes?: ShapeRegistry) {
    this.ring = ring;
    this.encoder = new ValueEncoder(limits, ring, undefined, shapes);
  }

  /** False when the ring had no room; nothing is then written. */
  write(value: unknown): boolean {
    this.value = value;
    const written = writeFrame(this.ring, this.encoder, this);
    this.value = undefined;
    return written;
  }

  fill(e: ValueEncoder): void {
    e.tag(FRAME_VALUE);
    e.field(this.value);
  }
}
