/**
 * The receiving end of the postMessage peers: a worker that counts what it is sent (a JSON string
 * or a structured-cloned object per record) and, asked with `'count'`, answers how many it got.
 */
import { parentPort } from 'node:worker_threads';

let received = 0;
parentPort?.on('message', (message: unknown) => {
  if (message === 'count') parentPort?.postMessage(received);
  else received++;
});
