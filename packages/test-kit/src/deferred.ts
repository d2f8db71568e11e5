/** A promise and the function that resolves it, for a test to wait on an event the code under test causes. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
}

/**
 * `Promise.withResolvers()` for the ES2023 lib the packages build against: the test hands `resolve`
 * to a callback (a receiver's reply, a challenger, a 'close' listener) and awaits `promise`
 * instead of polling or sleeping.
 */
export function deferred<T = void>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}
