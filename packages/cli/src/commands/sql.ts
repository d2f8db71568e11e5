import { openLogDatabase, type SqlValue } from '@predlog/exporter-file';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, UsageError } from '../command.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import { directoryArgument } from '../internal/directory-argument.ts';
import {
  csvLine,
  jsonLine,
  renderSqlTable,
  type SqlOutputFormat,
  withTimesAsText,
} from '../internal/sql-output.ts';
import { parseTimeArgument } from '../internal/time-argument.ts';

const FORMATS: readonly SqlOutputFormat[] = ['table', 'json', 'csv'];
const DEFAULT_TABLE_ROWS = 1000;

export const sqlCommand: Command = {
  name: 'sql',
  usage: `Usage: predlog sql "<query>" [--dir <logs>] [--format table|json|csv] [--max-rows <n>]
                   [--model <name>] [--since <time>] [--until <time>] [--memory-limit <size>]

Runs SQL (DuckDB, embedded) over a file-exporter directory. Views:
  predictions  every ml.prediction record: the stored fields as typed columns, input_features,
               raw_input, probabilities, explanation and attributes as JSON, sampling_weight
               (1 when not sampled), date (the partition's UTC day) and retention (its class)
  feedback     every ml.feedback record: request_id, entity_id, label, value, timestamp, ...
  records      every stored record, all columns
NDJSON (plain, gzip, in progress) and Parquet files (predlog compact) are read alike.

Options:
  --dir <logs>           the tree to read (default: the current directory)
  --format <f>           table (default; numbers to 4 significant digits), json (NDJSON, one
                         object per row, full precision) or csv (a header row, RFC 4180)
  --max-rows <n>         table only: print at most n rows (default ${DEFAULT_TABLE_ROWS})
  --model, --since, --until
                         read only these partitions (times as for predlog query)
  --memory-limit <size>  DuckDB's memory limit, e.g. 256MB (past it, joins and sorts spill)

Exit codes: 0 the query ran (zero rows included), 1 the query failed (the engine's message is
on stderr), 2 usage error.

Example:
  predlog sql "SELECT date, count(*) AS n, sum(sampling_weight) AS weighted FROM predictions GROUP BY date ORDER BY date" --dir ./prediction-logs`,

  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine({
      args,
      options: {
        dir: { type: 'string' },
        format: { type: 'string' },
        'max-rows': { type: 'string' },
        model: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        'memory-limit': { type: 'string' },
      },
      allowPositionals: true,
    });
    const [sql = ''] = expectPositionals(positionals, ['"<query>"']);
    if (sql.trim() === '') throw new UsageError('the query is empty');
    const format = (values.format ?? 'table') as SqlOutputFormat;
    if (!FORMATS.includes(format))
      throw new UsageError(`--format must be table, json or csv (got '${values.format}')`);
    const maxRows = values['max-rows'] === undefined ? DEFAULT_TABLE_ROWS : Number(values['max-rows']);
    if (!Number.isInteger(maxRows) || maxRows < 1)
      throw new UsageError(`--max-rows must be a positive whole number (got '${values['max-rows']}')`);
    const memoryLimit = values['memory-limit'];
    if (memoryLimit !== undefined && !/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit))
      throw new UsageError(`--memory-limit must be a size such as 256MB (got '${memoryLimit}')`);
    const now = Date.now();
    const since = values.since === undefined ? undefined : parseTimeArgument('--since', values.since, now);
    const until = values.until === undefined ? undefined : parseTimeArgument('--until', values.until, now);
    const directory = await directoryArgument(io.cwd, values.dir ?? '.');

    const database = await openLogDatabase(directory, {
      model: values.model,
      since,
      until,
      memoryLimit,
      fileSearchPath: io.cwd,
    });
    try {
      const result = await database.query(sql);
      const text = (row: readonly SqlValue[]) => withTimesAsText(result.columns, row);
      if (format === 'json') {
        for await (const rows of result.rows) {
          io.stdout.write(rows.map((row) => `${jsonLine(result.columns, text(row))}\n`).join(''));
        }
      } else if (format === 'csv') {
        io.stdout.write(`${csvLine(result.columns.map((column) => column.name))}\n`);
        for await (const rows of result.rows)
          io.stdout.write(rows.map((row) => `${csvLine(text(row))}\n`).join(''));
      } else {
        const kept: SqlValue[][] = [];
        let total = 0;
        for await (const rows of result.rows) {
          for (const row of rows) {
            total += 1;
            if (kept.length < maxRows) kept.push(text(row));
          }
        }
        io.stdout.write(`${renderSqlTable(result.columns, kept)}\n`);
        const more =
          total > kept.length ? ` (${total - kept.length} more not shown; --max-rows or --format csv)` : '';
        io.stdout.write(`${total} ${total === 1 ? 'row' : 'rows'}${more}\n`);
      }
      return EXIT_OK;
    } catch (error) {
      io.stderr.write(`sql: ${error instanceof Error ? error.message : String(error)}\n`);
      return EXIT_FAILED;
    } finally {
      database.close();
    }
  },
};
