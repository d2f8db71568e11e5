import { decodeBody, type UndecodedBody } from './body-charset.ts';

/** Marks a body the instrumentation did not keep (over its limit, or streamed). */
export const NOT_CAPTURED: unique symbol = Symbol('predlog.body.not_captured');

/**
 * A captured body as a value: parsed JSON when the content type says JSON or the text looks like
 * JSON, else the text. A body that fails to parse is kept as text (what the service received).
 */
export function bodyValue(text: string, contentType: unknown): unknown {
  const json =
    typeof contentType === 'string'
      ? contentType.includes('json')
      : text.length > 0 && (text[0] === '{' || text[0] === '[');
  if (!json || text.length === 0) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string')
    return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

/** The text of a response's chunks: strings as written, bytes decoded by BOM or charset (`decodeBody`). */
export function chunksText(
  chunks: ReadonlyArray<string | Uint8Array>,
  contentType: unknown,
): string | UndecodedBody {
  if (chunks.length === 1) {
    const only = chunks[0];
    if (typeof only === 'string') return only;
  }
  const buffers = chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  return decodeBody(Buffer.concat(buffers), contentType);
}
