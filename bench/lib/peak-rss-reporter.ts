/**
 * Preloaded into a measured child process (`node --import ./bench/lib/peak-rss-reporter.ts …`):
 * when the process exits, writes its peak resident set size in bytes (getrusage's ru_maxrss, the
 * kernel's VmHWM) to the file named by PREDLOG_BENCH_PEAK_RSS_FILE.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.PREDLOG_BENCH_PEAK_RSS_FILE;
if (file !== undefined && file !== '') {
  process.on('exit', () => {
    // maxRSS is in kibibytes.
    writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
  });
}
