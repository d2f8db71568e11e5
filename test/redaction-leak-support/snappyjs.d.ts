/** snappyjs ships no types; the leak test uses its decoder, independent of the exporter's encoder. */
declare module 'snappyjs' {
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
}
