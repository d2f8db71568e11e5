import { FRAME_PREDICTION, FRAME_VALUE } from './frame-kinds.ts';
import { readPredictionFrame } from './prediction-frame-reader.ts';
import { FrameDecodeError, type ValueDecoder } from './value-decoder.ts';
import type { DecodedFrame } from './worker-protocol.ts';

/** Decodes one ring frame by its kind byte. Throws FrameDecodeError for a frame it cannot read whole. */
export function readFrame(decoder: ValueDecoder, start: number, length: number): DecodedFrame {
  decoder.begin(start, length);
  const kind = decoder.byte();
  let value: unknown;
  if (kind === FRAME_PREDICTION) value = readPredictionFrame(decoder, length);
  else if (kind === FRAME_VALUE) value = decoder.value();
  else throw new FrameDecodeError(`unknown frame kind ${kind}`);
  if (decoder.remaining !== 0) throw new FrameDecodeError('bytes left over after the frame');
  return { kind, value };
}
