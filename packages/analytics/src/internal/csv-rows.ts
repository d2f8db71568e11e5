/** A quoted field may span lines; past this many characters the row is given up as malformed. */
const MAX_ROW_CHARS = 1024 * 1024;

/**
 * Splits CSV text lines into rows of fields (RFC 4180): comma-separated, a field in double quotes
 * may hold commas, newlines and doubled quotes (`""`). Feed it lines in order; blank lines are
 * skipped.
 */
export class CsvRowSplitter {
  /** Rows dropped for an unterminated quote. */
  malformedRows = 0;
  private carried: string | undefined;

  /** The row this line completes, or undefined (blank line, or a quoted field still open). */
  push(line: string): string[] | undefined {
    const text = this.carried === undefined ? line : `${this.carried}\n${line}`;
    const fields = splitRow(text);
    if (fields === undefined) {
      if (text.length > MAX_ROW_CHARS) {
        this.malformedRows += 1;
        this.carried = undefined;
      } else this.carried = text;
      return undefined;
    }
    this.carried = undefined;
    if (fields.length === 1 && fields[0] === '') return undefined;
    return fields;
  }

  /** Counts a row left open at the end of the input. */
  end(): void {
    if (this.carried !== undefined) this.malformedRows += 1;
    this.carried = undefined;
  }
}

/** The fields of one complete row; undefined when a quoted field is still open at the end. */
export function splitRow(text: string): string[] | undefined {
  if (!text.includes('"')) return text.split(',');
  const fields: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
    i++;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}
