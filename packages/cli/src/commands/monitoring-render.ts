import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { receiverSchema, renderMonitoringFiles } from '@predlog/monitoring';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, UsageError } from '../command.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { readMonitoringConfigs } from '../internal/monitoring-configs.ts';

export const monitoringRenderCommand: Command = {
  name: 'monitoring render',
  usage: `Usage: predlog monitoring render <dir> --out <dir> [--unrouted-webhook <url>]

Reads every model's monitoring config below <dir> and writes, into --out:
  predlog-models.rules.yaml      Prometheus rules: per model, serving alerts and drift rules at its
                                 tier's frequency, escalation of unacknowledged pages, health status
  alertmanager.yml               routing: grouped by model for an hour, to the owner; escalation to
                                 the lead; retraining to the training hook; inhibitions
  predlog-models-dashboard.json  Grafana: health of every model, cross-model drift, a row per model

Options:
  --out <dir>               where to write (created if missing)
  --unrouted-webhook <url>  where alerts of no configured model go (default: nowhere)

Check the output with promtool check rules and amtool check-config.

Exit codes: 0 written, 1 invalid config or write failed, 2 usage error.

Example:
  predlog monitoring render ./models --out ./deploy/generated`,

  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine({
      args,
      options: { out: { type: 'string' }, 'unrouted-webhook': { type: 'string' } },
      allowPositionals: true,
    });
    const [dir = ''] = expectPositionals(positionals, ['<dir>']);
    if (values.out === undefined || values.out === '') throw new UsageError('missing --out');
    let unrouted: ReturnType<typeof receiverSchema.parse> | undefined;
    if (values['unrouted-webhook'] !== undefined) {
      const parsed = receiverSchema.safeParse({ webhook: { url: values['unrouted-webhook'] } });
      if (!parsed.success) throw new UsageError('--unrouted-webhook must be an http(s) URL');
      unrouted = parsed.data;
    }
    const loaded = await readMonitoringConfigs(dir, io);
    if (loaded === undefined) return EXIT_FAILED;
    const out = path.resolve(io.cwd, values.out);
    const files = renderMonitoringFiles(
      loaded.map((l) => l.config),
      unrouted === undefined ? {} : { unrouted },
    );
    try {
      await mkdir(out, { recursive: true });
      for (const file of files) await writeFile(path.join(out, file.name), file.text);
    } catch (error) {
      io.stderr.write(
        `cannot write to ${values.out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`,
      );
      return EXIT_FAILED;
    }
    const models = loaded.map((l) => `${l.config.model} (${l.config.tier})`).join(', ');
    io.stdout.write(
      `${files.map((f) => `wrote ${path.join(values.out ?? '', f.name)}`).join('\n')}\nmodels: ${models}\n`,
    );
    return EXIT_OK;
  },
};
