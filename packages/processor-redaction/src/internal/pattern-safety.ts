/**
 * A conservative check that a user regex cannot backtrack catastrophically on V8's backtracking
 * engine: no backreferences, and no quantified group that itself holds an unbounded quantifier
 * (`(a+)+`, `(\w*)*`, `(x+){2,}`), the shapes behind exponential and polynomial blow-ups. It does not
 * prove a pattern linear (`(a|a)*` passes), so user patterns also only ever see strings cut to
 * `maxStringChars`.
 */
export function unsafePatternReason(source: string): string | undefined {
  // Per open group: whether something inside it repeats without bound.
  const stack: boolean[] = [];
  let unboundedInCurrent = false;
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'backreferences (\\1, \\k<name>) are not allowed';
      i += 2;
      i = afterQuantifier(source, i, (unbounded) => {
        if (unbounded) unboundedInCurrent = true;
      });
      continue;
    }
    if (c === '[') {
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < n && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
      i = afterQuantifier(source, i, (unbounded) => {
        if (unbounded) unboundedInCurrent = true;
      });
      continue;
    }
    if (c === '(') {
      stack.push(unboundedInCurrent);
      unboundedInCurrent = false;
      i++;
      continue;
    }
    if (c === ')') {
      const inner = unboundedInCurrent;
      unboundedInCurrent = stack.pop() ?? false;
      i++;
      let nested = false;
      i = afterQuantifier(source, i, (unbounded, repeats) => {
        if (inner && repeats) nested = true;
        if (unbounded || inner) unboundedInCurrent = true;
      });
      if (nested)
        return 'a repeated group contains an unbounded quantifier (like (a+)+), which can take exponential time';
      if (inner) unboundedInCurrent = true;
      continue;
    }
    i++;
    i = afterQuantifier(source, i, (unbounded) => {
      if (unbounded) unboundedInCurrent = true;
    });
  }
  return undefined;
}

/**
 * Reads an optional quantifier at `i` and reports whether it is unbounded (`*`, `+`, `{n,}`) and
 * whether it can repeat at all (anything but `?`, `{0,1}`, `{1}`). Returns the index after it.
 */
function afterQuantifier(
  source: string,
  i: number,
  report: (unbounded: boolean, repeats: boolean) => void,
): number {
  const c = source[i];
  let j = i;
  if (c === '*' || c === '+') {
    report(true, true);
    j = i + 1;
  } else if (c === '?') {
    report(false, false);
    j = i + 1;
  } else if (c === '{') {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
    if (match === null) return i;
    const min = Number(match[1]);
    const hasComma = match[2] !== undefined;
    const max = hasComma ? (match[3] === '' ? Number.POSITIVE_INFINITY : Number(match[3])) : min;
    report(max === Number.POSITIVE_INFINITY, max > 1);
    j = i + match[0].length;
  } else return i;
  // A lazy or possessive marker after the quantifier changes nothing here.
  return source[j] === '?' ? j + 1 : j;
}
