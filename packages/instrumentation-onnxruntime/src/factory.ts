import type { InferenceSession } from 'onnxruntime-node';
import type { OnnxInstrumentationOptions } from './config.ts';
import { readModelFile } from './model-hash.ts';
import { type InstrumentedSession, instrumentInferenceSession } from './session-instrumentation.ts';

/**
 * Reads the model (a path, or its bytes), creates an onnxruntime-node session from those exact
 * bytes and instruments it; without `version`, the version is their SHA-256. onnxruntime-node is
 * a peer dependency, loaded here on first use.
 */
export async function createInstrumentedSession(
  model: string | URL | Uint8Array,
  options: Omit<OnnxInstrumentationOptions, 'modelBytes'>,
  sessionOptions: InferenceSession.SessionOptions = {},
): Promise<InstrumentedSession> {
  const bytes =
    model instanceof Uint8Array ? (model as Uint8Array<ArrayBuffer>) : (await readModelFile(model)).bytes;
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, sessionOptions);
  return instrumentInferenceSession(session, { ...options, modelBytes: bytes });
}
