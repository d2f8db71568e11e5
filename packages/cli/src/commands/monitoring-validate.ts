import { TIER_POLICIES } from '@predlog/monitoring';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK } from '../command.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { readMonitoringConfigs } from '../internal/monitoring-configs.ts';

export const monitoringValidateCommand: Command = {
  name: 'monitoring validate',
  usage: `Usage: predlog monitoring validate <file|dir>

Checks a model's monitoring config (the monitoring: section of model-monitoring.yaml), or every
monitoring file below a directory (names ending in monitoring.yaml, .yml or .json), with the rules
of predlog.yaml: \${env:NAME} substitution, unknown keys rejected, each problem as
file:line:col: key.path: message; two files for one model are an error too. Prints each model's
tier, owner, key features and escalation.

Exit codes: 0 valid, 1 invalid, 2 usage error.

Example:
  predlog monitoring validate ./models`,

  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals } = parseCommandLine({ args, options: {}, allowPositionals: true });
    const [target = ''] = expectPositionals(positionals, ['<file|dir>']);
    const loaded = await readMonitoringConfigs(target, io);
    if (loaded === undefined) return EXIT_FAILED;
    const lines = loaded.map(({ file, config }) => {
      const policy = TIER_POLICIES[config.tier];
      const features =
        config.features.length === 0 ? 'no key features' : `features ${config.features.join(', ')}`;
      const escalation =
        config.escalation === undefined
          ? 'no escalation'
          : `escalates after ${config.escalation.afterMinutes ?? policy.escalationMinutes ?? 60} min`;
      return `${file}: valid  ${config.model} ${config.tier} (${policy.meaning}), team ${config.owner.team}, ${features}${config.output.scoreDrift ? ' + score' : ''}, ${escalation}`;
    });
    io.stdout.write(`${lines.join('\n')}\n`);
    return EXIT_OK;
  },
};
