import { execFile } from 'node:child_process';

/** Debian's prometheus-alertmanager; `scripts/ensure-alertmanager.sh` installs it. */
export const AMTOOL = process.env.AMTOOL ?? 'amtool';

/** Runs amtool offline; resolves with its exit code and output (never rejects on exit code). */
export function amtool(args: readonly string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(AMTOOL, args, { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(
          new Error(
            `cannot run ${AMTOOL} (${String(error.code ?? error.message)}); run bash scripts/ensure-alertmanager.sh`,
          ),
        );
        return;
      }
      resolve({ code: error === null ? 0 : Number(error.code), output: `${stdout}${stderr}` });
    });
  });
}
