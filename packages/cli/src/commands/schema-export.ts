import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { recordJsonSchemaFiles, renderJsonSchema } from '@predlog/schema';
import { type CliIo, type Command, EXIT_OK } from '../command.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';

export const schemaExportCommand: Command = {
  name: 'schema export',
  usage: `Usage: predlog schema export [--out <dir>]

Writes prediction-record.v<N>.json and feedback-record.v<N>.json (JSON Schema draft 2020-12)
for this predlog version, the same files @predlog/schema commits.

Options:
  --out <dir>   directory to write to, created if missing (default: the current directory)

Exit codes: 0 written, 1 write failed, 2 usage error.

Example:
  predlog schema export --out ./schemas`,

  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine({
      args,
      options: { out: { type: 'string' } },
      allowPositionals: true,
    });
    expectPositionals(positionals, []);
    const outDir = path.resolve(io.cwd, values.out ?? '.');
    await mkdir(outDir, { recursive: true });
    for (const file of recordJsonSchemaFiles()) {
      const target = path.join(outDir, file.fileName);
      await writeFile(target, renderJsonSchema(file.schema));
      io.stdout.write(`wrote ${path.relative(io.cwd, target) || target}\n`);
    }
    return EXIT_OK;
  },
};
