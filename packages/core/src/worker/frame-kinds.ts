/**
 * The first byte of every ring frame: what the rest of it holds, so one worker reads predictions,
 * feedback and foreign OTel records from the same ring in the order they were handed off.
 */
export const FRAME_PREDICTION = 1;
/** One tagged value (value-tags.ts): tools, tests, and records without a frame kind of their own yet. */
export const FRAME_VALUE = 2;

export type FrameKind = typeof FRAME_PREDICTION | typeof FRAME_VALUE;
