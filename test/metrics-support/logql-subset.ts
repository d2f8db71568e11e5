/**
 * A syntax check for the subset of LogQL the predlog dashboard uses, written from Grafana Loki's
 * LogQL reference (there is no Loki binary here to ask). It accepts:
 *
 *   log query     {label op "value", ...} stage*
 *                 op: = != =~ !~ ; at least one matcher must not match the empty string (Loki's rule)
 *   stage         |= "s"  != "s"  |~ "re"  !~ "re"               line filters
 *                 | json  | logfmt  | line_format "tpl"             parsers and formatting
 *                 | label op value                                 label filters; op also > >= < <= ==
 *   range query   count_over_time | rate | bytes_over_time | bytes_rate | absent_over_time
 *                 ( log-query [duration] )
 *   aggregation   sum | avg | min | max | count | stddev | stdvar | topk | bottomk
 *                 [by|without (labels)] ( [k,] query ) [by|without (labels)]
 *
 * Regular expressions must compile (JavaScript's engine stands in for RE2 on this subset). Returns
 * the problems found; an empty list means the query parses.
 */

type TokenKind = 'ident' | 'string' | 'number' | 'duration' | 'op' | 'punct';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly at: number;
}

const RANGE_FUNCTIONS = new Set([
  'count_over_time',
  'rate',
  'bytes_over_time',
  'bytes_rate',
  'absent_over_time',
]);
const AGGREGATIONS = new Set(['sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'topk', 'bottomk']);
const SELECTOR_OPS = new Set(['=', '!=', '=~', '!~']);
const FILTER_OPS = new Set(['=', '!=', '=~', '!~', '>', '>=', '<', '<=', '==']);
const LINE_FILTERS = new Set(['|=', '!=', '|~', '!~']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

class LogqlSyntaxError extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === '`') {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== c) {
        if (c === '"' && text[j] === '\\') {
          const next = text[j + 1];
          if (next === undefined) break;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          j += 2;
          continue;
        }
        value += text[j];
        j++;
      }
      if (j >= text.length) throw new LogqlSyntaxError(`unterminated string at ${i}`);
      tokens.push({ kind: 'string', text: value, at: i });
      i = j + 1;
      continue;
    }
    const duration = /^\d+(?:ms|s|m|h|d|w|y)(?:\d+(?:ms|s|m|h|d|w|y))*/.exec(text.slice(i));
    if (duration !== null && !/[A-Za-z0-9_]/.test(text[i + duration[0].length] ?? '')) {
      tokens.push({ kind: 'duration', text: duration[0], at: i });
      i += duration[0].length;
      continue;
    }
    const number = /^\d+(?:\.\d+)?/.exec(text.slice(i));
    if (number !== null) {
      tokens.push({ kind: 'number', text: number[0], at: i });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (ident !== null) {
      tokens.push({ kind: 'ident', text: ident[0], at: i });
      i += ident[0].length;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (['|=', '|~', '!=', '!~', '=~', '>=', '<=', '=='].includes(two)) {
      tokens.push({ kind: 'op', text: two, at: i });
      i += 2;
      continue;
    }
    if ('=<>'.includes(c)) {
      tokens.push({ kind: 'op', text: c, at: i });
      i++;
      continue;
    }
    if ('{}()[],|'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, at: i });
      i++;
      continue;
    }
    throw new LogqlSyntaxError(`unexpected character ${JSON.stringify(c)} at ${i}`);
  }
  return tokens;
}

class Parser {
  private readonly tokens: Token[];
  private position = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  parseQuery(): void {
    this.query();
    const rest = this.peek();
    if (rest !== undefined)
      throw new LogqlSyntaxError(`unexpected ${JSON.stringify(rest.text)} at ${rest.at}`);
  }

  private query(): void {
    const token = this.peek();
    if (token?.kind === 'ident' && AGGREGATIONS.has(token.text)) this.aggregation();
    else if (token?.kind === 'ident' && RANGE_FUNCTIONS.has(token.text)) this.rangeAggregation();
    else this.logQuery();
  }

  private aggregation(): void {
    const name = this.next().text;
    let grouped = this.grouping();
    this.expect('punct', '(');
    if (name === 'topk' || name === 'bottomk') {
      this.expect('number');
      this.expect('punct', ',');
    }
    const inner = this.peek();
    if (inner?.kind !== 'ident' || !(AGGREGATIONS.has(inner.text) || RANGE_FUNCTIONS.has(inner.text)))
      throw new LogqlSyntaxError(`${name}() needs a metric query (a range aggregation), not a log query`);
    this.query();
    this.expect('punct', ')');
    if (!grouped) grouped = this.grouping();
  }

  private grouping(): boolean {
    const token = this.peek();
    if (token?.kind !== 'ident' || (token.text !== 'by' && token.text !== 'without')) return false;
    this.next();
    this.expect('punct', '(');
    for (;;) {
      this.expectIdent('a label name');
      if (this.accept('punct', ',')) continue;
      break;
    }
    this.expect('punct', ')');
    return true;
  }

  private rangeAggregation(): void {
    this.next();
    this.expect('punct', '(');
    this.logQuery();
    this.expect('punct', '[');
    this.expect('duration');
    this.expect('punct', ']');
    this.expect('punct', ')');
  }

  private logQuery(): void {
    this.selector();
    for (;;) {
      const token = this.peek();
      if (token === undefined) return;
      if (token.kind === 'op' && LINE_FILTERS.has(token.text)) {
        this.next();
        const value = this.expect('string');
        if (token.text.endsWith('~')) compileRegex(value.text);
        continue;
      }
      if (token.kind === 'punct' && token.text === '|') {
        this.next();
        this.stage();
        continue;
      }
      return;
    }
  }

  private stage(): void {
    const name = this.expectIdent('a pipeline stage');
    if (name === 'json' || name === 'logfmt') {
      // Optional extraction parameters: `| json a="x", b="y"`.
      while (this.peek()?.kind === 'ident' && this.tokens[this.position + 1]?.text === '=') {
        this.next();
        this.next();
        this.expect('string');
        if (!this.accept('punct', ',')) break;
      }
      return;
    }
    if (name === 'line_format') {
      this.expect('string');
      return;
    }
    // A label filter: the stage name is the label.
    const op = this.next();
    if (op.kind !== 'op' || !FILTER_OPS.has(op.text))
      throw new LogqlSyntaxError(`label filter on "${name}" needs a comparison operator at ${op.at}`);
    const value = this.next();
    if (op.text === '=~' || op.text === '!~') {
      if (value.kind !== 'string') throw new LogqlSyntaxError(`regex filter on "${name}" needs a string`);
      compileRegex(value.text);
    } else if (value.kind !== 'string' && value.kind !== 'number' && value.kind !== 'duration')
      throw new LogqlSyntaxError(`label filter on "${name}" needs a string or a number at ${value.at}`);
  }

  private selector(): void {
    this.expect('punct', '{');
    let nonEmpty = false;
    for (;;) {
      this.expectIdent('a label name');
      const op = this.next();
      if (op.kind !== 'op' || !SELECTOR_OPS.has(op.text))
        throw new LogqlSyntaxError(`stream selector needs =, !=, =~ or !~ at ${op.at}`);
      const value = this.expect('string').text;
      if (op.text === '=' && value !== '') nonEmpty = true;
      if (op.text === '=~') {
        if (!compileRegex(value).test('')) nonEmpty = true;
      } else if (op.text.endsWith('~')) compileRegex(value);
      if (this.accept('punct', ',')) continue;
      break;
    }
    this.expect('punct', '}');
    if (!nonEmpty)
      throw new LogqlSyntaxError(
        'a stream selector needs at least one matcher that does not match the empty string',
      );
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position++];
    if (token === undefined) throw new LogqlSyntaxError('unexpected end of query');
    return token;
  }

  private accept(kind: TokenKind, text: string): boolean {
    const token = this.peek();
    if (token?.kind === kind && token.text === text) {
      this.position++;
      return true;
    }
    return false;
  }

  private expect(kind: TokenKind, text?: string): Token {
    const token = this.next();
    if (token.kind !== kind || (text !== undefined && token.text !== text))
      throw new LogqlSyntaxError(
        `expected ${text ?? kind} at ${token.at}, got ${JSON.stringify(token.text)}`,
      );
    return token;
  }

  private expectIdent(what: string): string {
    const token = this.next();
    if (token.kind !== 'ident' || !IDENT.test(token.text))
      throw new LogqlSyntaxError(`expected ${what} at ${token.at}, got ${JSON.stringify(token.text)}`);
    return token.text;
  }
}

/** Loki anchors label regexes: `=~"a.*"` matches the whole value. */
function compileRegex(source: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    throw new LogqlSyntaxError(`invalid regular expression ${JSON.stringify(source)}`);
  }
}

/** The problems of one LogQL query (empty when it parses). */
export function checkLogql(query: string): string[] {
  try {
    new Parser(tokenize(query)).parseQuery();
    return [];
  } catch (error) {
    if (error instanceof LogqlSyntaxError) return [error.message];
    throw error;
  }
}
