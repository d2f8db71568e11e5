import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** `sha256:<64 hex>` of the model's bytes: changes exactly when the model file does. */
export function modelVersionOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Reads an .onnx file and returns its bytes with their version (`sha256:<hex>`). */
export async function readModelFile(
  path: string | URL,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; version: string }> {
  const bytes = new Uint8Array(await readFile(path));
  return { bytes, version: modelVersionOf(bytes) };
}
