import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/command.ts';
import { parseCommandLine } from '../../src/internal/command-line.ts';
import { parseTimeArgument } from '../../src/internal/time-argument.ts';

const now = Date.parse('2026-01-31T12:00:00.000Z');

describe('parseTimeArgument', () => {
  it.each([
    ['-2h', '2026-01-31T10:00:00.000Z'],
    ['2h', '2026-01-31T10:00:00.000Z'],
    ['-30m', '2026-01-31T11:30:00.000Z'],
    ['-45s', '2026-01-31T11:59:15.000Z'],
    ['-7d', '2026-01-24T12:00:00.000Z'],
    ['-1w', '2026-01-24T12:00:00.000Z'],
    ['now', '2026-01-31T12:00:00.000Z'],
    ['2026-01-30', '2026-01-30T00:00:00.000Z'],
    ['2026-01-30T08:15', '2026-01-30T08:15:00.000Z'],
    ['2026-01-30T08:15:30.5Z', '2026-01-30T08:15:30.500Z'],
    ['2026-01-30T08:15:30+02:00', '2026-01-30T06:15:30.000Z'],
  ])('reads %s', (text, expected) => {
    expect(parseTimeArgument('--since', text, now).toISOString()).toBe(expected);
  });

  it.each(['yesterday', '-2', '2h ago', '-2y', '2026-13-01', '2026-01-31 12:00', '1769860800'])(
    'rejects %s with a usage error naming the flag',
    (text) => {
      expect(() => parseTimeArgument('--until', text, now)).toThrow(UsageError);
      expect(() => parseTimeArgument('--until', text, now)).toThrow(/^--until must be an ISO 8601 time/);
    },
  );
});

describe('negative durations after a time flag', () => {
  it("parse as the flag's value, as parseCommandLine reads every option that takes one", () => {
    const { values, positionals } = parseCommandLine({
      args: ['dir', '--since', '-2h', '--until', '-1h', '--where', '-2h'],
      options: { since: { type: 'string' }, until: { type: 'string' }, where: { type: 'string' } },
      allowPositionals: true,
    });
    expect(values).toEqual({ since: '-2h', until: '-1h', where: '-2h' });
    expect(positionals).toEqual(['dir']);
  });
});
