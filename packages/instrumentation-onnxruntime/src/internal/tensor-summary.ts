import type { Tensor } from 'onnxruntime-node';
import type { TensorSummary } from '../tensor-extractor.ts';

type TensorData = ArrayLike<unknown> & { subarray?: (start: number, end: number) => ArrayLike<unknown> };

/** Elements per row: the product of every dimension but the first. */
export function rowSize(dims: readonly number[]): number {
  let size = 1;
  for (let i = 1; i < dims.length; i++) size *= dims[i] as number;
  return size;
}

/** The tensor's data when it is on the CPU; undefined for GPU or otherwise unreadable tensors. */
export function readData(tensor: Tensor): TensorData | undefined {
  try {
    return tensor.data as unknown as TensorData;
  } catch {
    return undefined;
  }
}

function plainValue(value: unknown): number | string | boolean {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  return String(value);
}

/**
 * Summarises a tensor, or row `row` of it (dims then start with 1). Copies at most `maxValues`
 * values; the logger copies again what it keeps, so nothing here holds on to the tensor's buffer.
 */
export function summarise(tensor: Tensor, maxValues: number, row?: number): TensorSummary {
  const dims = tensor.dims;
  const data = readData(tensor);
  const rowDims = row === undefined ? [...dims] : [1, ...dims.slice(1)];
  if (data === undefined) return { dims: rowDims, type: tensor.type, location: String(tensor.location) };
  const start = row === undefined ? 0 : row * rowSize(dims);
  const count = row === undefined ? data.length : rowSize(dims);
  const kept = Math.min(count, maxValues);
  const values = new Array<number | string | boolean>(kept);
  for (let i = 0; i < kept; i++) values[i] = plainValue(data[start + i]);
  return count > kept
    ? { dims: rowDims, type: tensor.type, values, truncated: count - kept }
    : { dims: rowDims, type: tensor.type, values };
}

/** The values of row `row` (or of the whole tensor) as named features, when the counts match. */
export function featureMap(
  tensor: Tensor,
  names: readonly string[],
  row: number | undefined,
): Record<string, number | string | boolean> | undefined {
  const data = readData(tensor);
  if (data === undefined) return undefined;
  const count = row === undefined ? data.length : rowSize(tensor.dims);
  if (count !== names.length) return undefined;
  const start = row === undefined ? 0 : row * count;
  const features: Record<string, number | string | boolean> = {};
  for (let i = 0; i < count; i++) features[names[i] as string] = plainValue(data[start + i]);
  return features;
}

/** A private copy of the feeds for a shadow challenger: dims, type and a copy of the data. */
export function copyFeeds(
  feeds: Readonly<Record<string, Tensor>>,
): Record<string, { dims: number[]; type: string; data: unknown }> | undefined {
  const copy: Record<string, { dims: number[]; type: string; data: unknown }> = {};
  for (const [name, tensor] of Object.entries(feeds)) {
    const data = readData(tensor);
    if (data === undefined) return undefined;
    copy[name] = {
      dims: [...tensor.dims],
      type: tensor.type,
      data: Array.isArray(data) ? [...data] : (data as unknown as { slice(): unknown }).slice(),
    };
  }
  return copy;
}
