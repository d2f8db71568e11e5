import { type QueryStats, queryRecords } from '@predlog/exporter-file';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, UsageError } from '../command.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { directoryArgument } from '../internal/directory-argument.ts';
import { formatRecord } from '../internal/record-text.ts';
import { parseTimeArgument } from '../internal/time-argument.ts';

const DEFAULT_LIMIT = 100;

export const queryCommand: Command = {
  name: 'query',
  usage: `Usage: predlog query <dir> (--request-id <id> | --model <name> [--since <time>] [--until <time>]
                     [--where <field>=<value> ...]) [--limit <n>] [--json]

Searches a file-exporter directory (model_name=<m>/date=<YYYY-MM-DD>/part-*.ndjson[.gz]) and
prints each matching record: time, request id, model@version, the prediction with its score
and threshold, the input features, the raw input, latency, serving node, and the sampling and
retention annotations. Feedback records matching the request id are shown too.

Options:
  --request-id <id>       the record(s) of one request (X-Request-ID)
  --model <name>          records of one model
  --since <time>          not before this time
  --until <time>          before this time (exclusive)
  --where <field>=<value> stored-form field equals value, e.g. --where segment=new-customers,
                          --where input_features.country=NL; repeat to AND several
  --limit <n>             print at most n records (default ${DEFAULT_LIMIT})
  --json                  print the stored records as NDJSON instead

Times are ISO 8601 (2026-01-31, 2026-01-31T12:00:00Z; a time without a zone is UTC) or a
duration ago: -30m, -2h, -7d, -1w (also written 2h).

Exit codes: 0 records found, 1 none found, 2 usage error (bad flag, missing directory).

Examples:
  predlog query ./prediction-logs --request-id req-7f3a
  predlog query ./prediction-logs --model fraud-xgb --since -2h --where status=error
  predlog query ./prediction-logs --model fraud-xgb --since 2026-01-31 --until 2026-02-01 --json`,

  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine({
      args,
      options: {
        'request-id': { type: 'string' },
        model: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        where: { type: 'string', multiple: true },
        limit: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    const [dir = ''] = expectPositionals(positionals, ['<dir>']);
    const requestId = nonEmpty('--request-id', values['request-id']);
    const model = nonEmpty('--model', values.model);
    if (requestId === undefined && model === undefined) {
      throw new UsageError('give --request-id <id> or --model <name>');
    }
    const now = Date.now();
    const since = values.since === undefined ? undefined : parseTimeArgument('--since', values.since, now);
    const until = values.until === undefined ? undefined : parseTimeArgument('--until', values.until, now);
    if (since !== undefined && until !== undefined && since.getTime() > until.getTime()) {
      throw new UsageError('--since is later than --until');
    }
    const where = (values.where ?? []).map(parseWhere);
    const limit = values.limit === undefined ? DEFAULT_LIMIT : parseLimit(values.limit);
    const directory = await directoryArgument(io.cwd, dir);

    let shown = 0;
    let more = false;
    let stats: QueryStats | undefined;
    // One record past the limit tells whether the output was cut.
    for await (const record of queryRecords({
      directory,
      ...(requestId === undefined ? {} : { requestId }),
      ...(model === undefined ? {} : { model }),
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
      ...(where.length === 0 ? {} : { where }),
      limit: limit + 1,
      onStats: (s) => {
        stats = s;
      },
    })) {
      if (shown === limit) {
        more = true;
        break;
      }
      io.stdout.write(
        values.json ? `${JSON.stringify(record)}\n` : `${shown === 0 ? '' : '\n'}${formatRecord(record)}`,
      );
      shown++;
    }
    const skipped = stats === undefined ? '' : skippedText(stats);
    if (skipped !== '') io.stderr.write(`warning: ${skipped}\n`);
    if (shown === 0) {
      io.stderr.write('no records match\n');
      return EXIT_FAILED;
    }
    const summary = `${shown} ${shown === 1 ? 'record' : 'records'}${more ? `; more match, raise --limit (${limit})` : ''}\n`;
    if (values.json) {
      if (more) io.stderr.write(summary);
    } else {
      io.stdout.write(`\n${summary}`);
    }
    return EXIT_OK;
  },
};

/** Lines and files the reader had to pass over, which may hide matching records. */
function skippedText(stats: QueryStats): string {
  const parts: string[] = [];
  if (stats.unreadableFiles > 0) parts.push(`${stats.unreadableFiles} unreadable file(s)`);
  if (stats.invalidLines > 0) parts.push(`${stats.invalidLines} line(s) that are not records`);
  return parts.length === 0 ? '' : `skipped ${parts.join(' and ')}`;
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value === '') throw new UsageError(`${flag} needs a value`);
  return value;
}

function parseWhere(text: string): { path: string; value: string } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--where takes <field>=<value> (got '${text}')`);
  return { path: text.slice(0, eq), value: text.slice(eq + 1) };
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--limit must be a positive whole number (got '${text}')`);
  }
  return n;
}
