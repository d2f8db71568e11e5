/**
 * The `--import` entry: `node --import @predlog/register app.js`. Starts predlog from predlog.yaml
 * (or `PREDLOG_CONFIG`) before the app's first line runs; see `startPredlog`.
 *
 * Only in the main thread: worker threads inherit `--import` (`execArgv`), and a worker of the app,
 * or one of predlog's own, must not start a second logger.
 */
import { isMainThread } from 'node:worker_threads';
import { startPredlog } from './start.ts';

if (isMainThread) {
  const outcome = await startPredlog();
  // PREDLOG_REQUIRED=true: an app that must not serve unlogged stops here instead (exit status 78, EX_CONFIG).
  if (!outcome.started && outcome.reason !== 'disabled' && process.env.PREDLOG_REQUIRED?.trim() === 'true')
    process.exit(78);
}
