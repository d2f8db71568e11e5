import { checkSchemaEvolution, type EvolutionFinding, type JsonSchema } from '@predlog/schema';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, UsageError } from '../command.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { readJsonArgument } from '../internal/read-json-file.ts';

export const schemaCheckCommand: Command = {
  name: 'schema check',
  usage: `Usage: predlog schema check <old.json> <new.json>

Compares two JSON Schemas of a record (e.g. the committed prediction-record.v1.json and a
regenerated one). Fields may only be added, and only as optional: a removed field, a changed
type (at any depth), an optional field made required, a new required field, a narrowed enum
or a tightened constraint is breaking. Each finding is printed with its JSON path.

Exit codes: 0 compatible, 1 incompatible, 2 usage error (missing or unreadable file).

Example:
  predlog schema check schemas/prediction-record.v1.json /tmp/prediction-record.v1.json`,

  async run(args: string[], io: CliIo): Promise<number> {
    const { positionals } = parseCommandLine({ args, options: {}, allowPositionals: true });
    const [oldFile = '', newFile = ''] = expectPositionals(positionals, ['<old.json>', '<new.json>']);
    const oldSchema = asJsonSchema(oldFile, await readJsonArgument(io.cwd, oldFile));
    const newSchema = asJsonSchema(newFile, await readJsonArgument(io.cwd, newFile));
    const report = checkSchemaEvolution(oldSchema, newSchema);
    const breaking = report.findings.filter((f) => f.breaking);
    const compatible = report.findings.filter((f) => !f.breaking);
    if (report.compatible) {
      io.stdout.write(`compatible: ${newFile} accepts every record ${oldFile} accepts\n`);
      if (compatible.length > 0) io.stdout.write(`${formatGroup('changes', compatible)}`);
      return EXIT_OK;
    }
    const noun = breaking.length === 1 ? 'breaking change' : 'breaking changes';
    io.stdout.write(`incompatible: ${breaking.length} ${noun}\n${formatGroup('breaking', breaking)}`);
    if (compatible.length > 0) io.stdout.write(formatGroup('compatible changes', compatible));
    return EXIT_FAILED;
  },
};

function asJsonSchema(file: string, value: unknown): JsonSchema {
  if (typeof value === 'boolean' || (value !== null && typeof value === 'object' && !Array.isArray(value))) {
    return value as JsonSchema;
  }
  throw new UsageError(`${file} is not a JSON Schema (expected an object)`);
}

function formatGroup(title: string, findings: readonly EvolutionFinding[]): string {
  return `${title}:\n${findings.map((f) => `  ${f.path}  ${f.kind}: ${f.message}\n`).join('')}`;
}
