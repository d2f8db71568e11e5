import path from 'node:path';
import { ConfigError, loadConfigFile, type PredlogConfig } from '@predlog/core';
import {
  DEFAULT_MAX_SAMPLE_RECORDS,
  type SamplingConfig,
  type SimulationReport,
  SimulationSample,
  samplingProcessorFactory,
  simulateSampling,
} from '@predlog/processor-sampling';
import { createBuiltinRegistry } from '../builtin-components.ts';
import { type CliIo, type Command, EXIT_FAILED, EXIT_OK, UsageError } from '../command.ts';
import { positiveIntegerArgument } from '../internal/analytics-arguments.ts';
import { expectPositionals, parseCommandLine } from '../internal/command-line.ts';
import {
  DEFAULT_MAX_SAMPLE_LINE_BYTES,
  type PredictionSampleRead,
  readPredictionSample,
} from '../internal/prediction-sample.ts';
import { renderTextTable } from '../internal/text-table.ts';
import { parseVolumeArgument } from '../internal/volume-argument.ts';

export const samplingSimulateCommand: Command = {
  name: 'sampling simulate',
  usage: `Usage: predlog sampling simulate --config <file> --input <sample.ndjson> --volume <n>/<unit>
                                 [--processor <id>] [--hours <h>] [--fresh-start] [--json]
                                 [--max-line-bytes <n>] [--max-sample <n>]

Replays a sample of logged predictions through the config's sampling processor on a simulated
clock, at the given volume (in the sample's mix of models, scores, errors, latencies), and prints
kept records/day, bytes/day and the share of all predictions per rule, then the total and the
saving against logging 100%.

Options:
  --config <file>     predlog config (YAML or JSON) with a sampling processor
  --input <file>      sample in the stored form: a file exporter's part file (.ndjson or .ndjson.gz)
                      or predlog query --json output; a line's sampling_weight is honoured
  --volume <n>/<unit> predictions per s, min, h or day: 5000000/day, 5M/day, 60/s
  --processor <id>    which sampling processor, when the config defines several
  --hours <h>         simulated hours measured (default 24), after a warm-up of volumeWindowMs
  --fresh-start       include the first hours after a start, when every model version is new
                      (default: steady state, versions long established)
  --json              print the full report as JSON, with the lines skipped by reason
  --max-line-bytes <n> longest sample line read (default ${DEFAULT_MAX_SAMPLE_LINE_BYTES}, 16 MiB);
                      a longer line is skipped and counted, never held whole
  --max-sample <n>    sample lines kept (default ${DEFAULT_MAX_SAMPLE_RECORDS}); a larger sample is
                      replayed from a uniform (seeded) reservoir of this many lines

The sample is read line by line (a .gz through gunzip), keeping of each line only what the sampler
reads; lines that are too long, not JSON records, or cut at the end of the file are reported.

Exit codes: 0 simulated, 1 invalid config or no predictions in the sample, 2 usage error.

Example:
  predlog sampling simulate --config predlog.yaml --input sample.ndjson --volume 5000000/day`,

  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine({
      args,
      options: {
        config: { type: 'string' },
        input: { type: 'string' },
        volume: { type: 'string' },
        processor: { type: 'string' },
        hours: { type: 'string' },
        'fresh-start': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'max-line-bytes': { type: 'string' },
        'max-sample': { type: 'string' },
      },
      allowPositionals: true,
    });
    expectPositionals(positionals, []);
    const configFile = required('--config', values.config);
    const inputFile = required('--input', values.input);
    const volumePerDay = parseVolumeArgument('--volume', required('--volume', values.volume));
    const hours = values.hours === undefined ? 24 : parseHours(values.hours);
    const maxLineBytes =
      values['max-line-bytes'] === undefined
        ? DEFAULT_MAX_SAMPLE_LINE_BYTES
        : positiveIntegerArgument('--max-line-bytes', values['max-line-bytes']);
    const maxSample =
      values['max-sample'] === undefined
        ? DEFAULT_MAX_SAMPLE_RECORDS
        : positiveIntegerArgument('--max-sample', values['max-sample']);

    const absolute = path.resolve(io.cwd, configFile);
    let config: PredlogConfig;
    try {
      config = await loadConfigFile(absolute, createBuiltinRegistry(), io.env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      io.stderr.write(`${error.message.split(absolute).join(configFile)}\n${configFile}: invalid\n`);
      return EXIT_FAILED;
    }
    const [processorId, sampling] = pickProcessor(config, configFile, values.processor);

    const sample = new SimulationSample(sampling, { maxRecords: maxSample });
    const read = await readPredictionSample(io.cwd, inputFile, sample, maxLineBytes);
    const warning = skippedWarning(read, inputFile, maxLineBytes);
    if (warning !== undefined) io.stderr.write(warning);
    if (sample.size === 0) {
      io.stderr.write(`${inputFile}: no ml.prediction records to simulate with\n`);
      return EXIT_FAILED;
    }
    let report: SimulationReport;
    try {
      report = simulateSampling({
        config: sampling,
        sample,
        volumePerDay,
        hours,
        freshStart: values['fresh-start'],
        id: processorId,
      });
    } catch (error) {
      if (error instanceof RangeError) throw new UsageError(error.message);
      throw error;
    }
    io.stdout.write(
      values.json
        ? `${JSON.stringify({ processor: processorId, input: inputFile, skipped: read.skipped, ...report }, null, 2)}\n`
        : renderReport(report, processorId, inputFile),
    );
    return EXIT_OK;
  },
};

/**
 * One line on what was wrong with the sample, or undefined: lines too long, not JSON records, a cut
 * last line. Records of other events (feedback) are expected in a part file and only counted in --json.
 */
function skippedWarning(read: PredictionSampleRead, file: string, maxLineBytes: number): string | undefined {
  const { line_too_long: tooLong, not_a_record: notRecords, unterminated_last_line: cut } = read.skipped;
  const parts: string[] = [];
  if (tooLong > 0) parts.push(`${tooLong} longer than --max-line-bytes (${maxLineBytes} bytes)`);
  if (notRecords > 0) parts.push(`${notRecords} not JSON records`);
  if (cut > 0) parts.push('1 cut at the end of the file (no newline)');
  if (parts.length === 0) return undefined;
  return `warning: skipped ${tooLong + notRecords + cut} line(s) of ${file}: ${parts.join(', ')}\n`;
}

function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${flag}`);
  return value;
}

function parseHours(text: string): number {
  const hours = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(hours > 0))
    throw new UsageError(`--hours must be a positive number (got '${text}')`);
  return hours;
}

function pickProcessor(
  config: PredlogConfig,
  file: string,
  wanted: string | undefined,
): [string, SamplingConfig] {
  const candidates = [...config.processors.values()].filter((p) => p.factory === samplingProcessorFactory);
  if (wanted !== undefined) {
    const found = candidates.find((p) => p.id === wanted);
    if (found === undefined)
      throw new UsageError(
        `${file} has no sampling processor "${wanted}"${candidates.length > 0 ? `; it has ${candidates.map((p) => p.id).join(', ')}` : ''}`,
      );
    return [found.id, found.config as SamplingConfig];
  }
  const [only] = candidates;
  if (only === undefined)
    throw new UsageError(`${file} defines no sampling processor (processors: sampling/<name>: {...})`);
  if (candidates.length > 1)
    throw new UsageError(
      `${file} defines ${candidates.length} sampling processors; choose one with --processor (${candidates.map((p) => p.id).join(', ')})`,
    );
  return [only.id, only.config as SamplingConfig];
}

function renderReport(report: SimulationReport, processorId: string, inputFile: string): string {
  const share = (x: number) => `${(x * 100).toFixed(2)}%`;
  const fullBytes = report.full.bytesPerDay;
  const rows = report.rules.map((rule) => [
    rule.reason,
    count(rule.keptPerDay),
    bytes(rule.bytesPerDay),
    share(rule.shareOfRecords),
    share(fullBytes === 0 ? 0 : rule.bytesPerDay / fullBytes),
  ]);
  rows.push(
    [
      'total kept',
      count(report.kept.recordsPerDay),
      bytes(report.kept.bytesPerDay),
      share(1 - report.saving.records),
      share(1 - report.saving.bytes),
    ],
    ['all (100%)', count(report.full.recordsPerDay), bytes(fullBytes), '100.00%', '100.00%'],
  );
  const models = new Set(report.models.map((m) => m.model)).size;
  const sampled =
    report.sampleRecordsRead > report.sampleRecords
      ? `${count(report.sampleRecords)} of ${count(report.sampleRecordsRead)} predictions (a uniform reservoir, --max-sample)`
      : `${count(report.sampleRecords)} predictions`;
  const lines = [
    `${processorId} at ${count(report.volumePerDay)} predictions/day`,
    `sample: ${sampled} from ${inputFile} (${models} ${models === 1 ? 'model' : 'models'}); ${
      report.warmupHours > 0 ? `steady state after a ${round(report.warmupHours)} h warm-up` : 'fresh start'
    }, ${round(report.measuredHours)} h simulated (${count(report.simulatedRecords)} decisions)`,
    '',
    renderTextTable(['rule', 'kept/day', 'bytes/day', 'of records', 'of bytes'], rows, [1, 2, 3, 4]),
    '',
    `saving vs 100%: ${share(report.saving.records)} of records, ${share(report.saving.bytes)} of bytes (${bytesSaved(
      fullBytes - report.kept.bytesPerDay,
    )})`,
    `weighted count of the kept records: ${count(report.weightedVolumePerDay)}/day (estimates the volume)`,
  ];
  if (report.rateLimited.length > 0)
    lines.push(
      `rate limited (shed per day): ${report.rateLimited.map((r) => `${r.reason} ${count(r.perDay)}`).join(', ')}`,
    );
  for (const m of report.models)
    lines.push(`model ${m.model}: rate ${share(m.rate)} at about ${count(m.volumePerDay)}/day`);
  for (const event of report.events) lines.push(`  ${event}`);
  return `${lines.join('\n')}\n`;
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** Kept records carry two annotations, so keeping (nearly) everything costs more bytes than 100%. */
function bytesSaved(n: number): string {
  return n >= 0 ? `${bytes(n)}/day less` : `${bytes(-n)}/day more: the sampling annotations`;
}

function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
