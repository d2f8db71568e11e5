/**
 * "Did you mean" for a mistyped command or flag: the closest known name by edit distance
 * (insertions, deletions, substitutions and swaps of neighbours each cost 1), when it is close
 * enough that the suggestion is likely what was meant.
 */

/** Edits allowed: one per 4 characters of the name, at least 1 (`deploy` is not `replay`). */
function maxEdits(name: string): number {
  return Math.max(1, Math.floor(name.length / 4));
}

/** Optimal string alignment distance; inputs are command-line words, so quadratic is fine (both bounded to 64). */
export function editDistance(a: string, b: string): number {
  const s = a.slice(0, 64);
  const t = b.slice(0, 64);
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[(i - 1) * cols + j] ?? 0) + 1,
        (d[i * cols + j - 1] ?? 0) + 1,
        (d[(i - 1) * cols + j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, (d[(i - 2) * cols + j - 2] ?? 0) + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1] ?? 0;
}

/**
 * The candidate `input` most likely meant, or undefined when none is close: a unique candidate that
 * starts with `input` (`val` → `validate`), else the nearest within the allowed edits (ties go to
 * the first listed).
 */
export function suggestName(input: string, candidates: readonly string[]): string | undefined {
  if (input.length === 0) return undefined;
  const lower = input.toLowerCase();
  const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(lower));
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance && distance <= maxEdits(candidate)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `; did you mean 'query'?` or an empty string. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const suggestion = suggestName(input, candidates);
  return suggestion === undefined ? '' : `; did you mean '${suggestion}'?`;
}
