/**
 * Numbers as a person reads them in text output: 4 significant digits (`2.0660780000000614` →
 * `2.066`), integers as they are, exponent form only for the very large and the very small.
 * `--json` output keeps full precision; only text goes through here.
 */
export function humanNumber(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e15 || magnitude < 1e-4) return value.toExponential(digits - 2);
  return Number(value.toPrecision(digits)).toString();
}
