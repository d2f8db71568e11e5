/** CPU time this thread has used (user + system), in microseconds: `process.threadCpuUsage()`. */
export function threadCpuMicros(): number {
  const usage = process.threadCpuUsage();
  return usage.user + usage.system;
}
