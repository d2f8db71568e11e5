import { describe, expect, it } from 'vitest';
import { CsvRowSplitter, splitRow } from '../../src/internal/csv-rows.ts';

function rowsOf(lines: string[]): { rows: string[][]; malformed: number } {
  const splitter = new CsvRowSplitter();
  const rows: string[][] = [];
  for (const line of lines) {
    const row = splitter.push(line);
    if (row !== undefined) rows.push(row);
  }
  splitter.end();
  return { rows, malformed: splitter.malformedRows };
}

describe('CSV rows', () => {
  it('splits RFC 4180 fields: quotes, doubled quotes, commas inside quotes, empty fields', () => {
    expect(splitRow('a,"b,c","say ""hi""",,e')).toEqual(['a', 'b,c', 'say "hi"', '', 'e']);
    expect(splitRow('plain,fields')).toEqual(['plain', 'fields']);
    expect(splitRow('"open')).toBeUndefined();
  });

  it('joins a quoted field across lines and skips blank lines', () => {
    expect(rowsOf(['id,note', '1,"two', 'lines"', '', '2,x']).rows).toEqual([
      ['id', 'note'],
      ['1', 'two\nlines'],
      ['2', 'x'],
    ]);
  });

  it('counts a quote never closed', () => {
    expect(rowsOf(['a,b', '1,"never'])).toEqual({ rows: [['a', 'b']], malformed: 1 });
  });
});
