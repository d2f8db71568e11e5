/**
 * `${env:NAME}` and `${env:NAME:-default}` substitution on the parsed config tree, and the record of
 * which scalars it touched.
 *
 * Substitution runs on the tree YAML (or the caller) produced, so a reference is replaced inside one
 * string and every substituted scalar stays a string: an API key of digits from the environment is
 * the same string the operator exported, never a number YAML would read into it (and lose digits of,
 * past 2^53). A scalar that is exactly one reference may still be read as a number or a boolean, but
 * only where the schema refuses the string and takes that type (see `coerceWhereSchemaExpects` in
 * the loader): `port: ${env:PORT}` works, `key: ${env:KEY}` stays text.
 */

/** Where a substituted scalar came from: for messages, which name the variables, never the value. */
export interface EnvOrigin {
  /** The variables referenced, in the order they appear. */
  readonly names: readonly string[];
  /** The scalar is exactly one reference, so it may be read as a number or boolean (see above). */
  readonly whole: boolean;
}

/** One value taken from the environment, remembered so no message can print it. */
export interface EnvValue {
  readonly name: string;
  readonly value: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const envReference = /\$\$\{|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{([^}]*)\}/g;
const wholeReference = /^\$\{env:[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;
const plainNumber = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** The key of a path in `EnvSubstitution.origins` (segments as strings: `0` and `"0"` are one key). */
export function pathKey(keyPath: readonly PropertyKey[]): string {
  return JSON.stringify(keyPath.map(String));
}

/**
 * Substitutes every string of a config tree and keeps, per path, where its value came from, and
 * every value read from the environment. Problems (an unset variable without a default, an
 * unsupported `${...}`) go to `report`, with the path they were found at.
 */
export class EnvSubstitution {
  readonly origins = new Map<string, EnvOrigin>();
  readonly values: EnvValue[] = [];
  private readonly env: Env;
  private readonly report: (keyPath: readonly PropertyKey[], message: string) => void;

  constructor(env: Env, report: (keyPath: readonly PropertyKey[], message: string) => void) {
    this.env = env;
    this.report = report;
  }

  /** A copy of `value` (found at `keyPath`) with every reference replaced. */
  substitute(value: unknown, keyPath: readonly PropertyKey[]): unknown {
    if (typeof value === 'string')
      return value.includes('${') ? this.substituteString(value, keyPath) : value;
    if (Array.isArray(value)) return value.map((v, i) => this.substitute(v, [...keyPath, i]));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.substitute(v, [...keyPath, k]);
      return out;
    }
    return value;
  }

  private substituteString(text: string, keyPath: readonly PropertyKey[]): string {
    const names: string[] = [];
    const out = text.replace(envReference, (match, name?: string, fallback?: string, other?: string) => {
      if (match === '$${') return '${';
      if (other !== undefined) {
        this.report(
          keyPath,
          `unsupported substitution "${match}": use \${env:NAME} or \${env:NAME:-default}`,
        );
        return match;
      }
      const variable = name as string;
      names.push(variable);
      const found = this.env[variable];
      if (found !== undefined && found !== '') {
        this.values.push({ name: variable, value: found });
        return found;
      }
      if (fallback !== undefined) return fallback;
      this.report(
        keyPath,
        `environment variable ${variable} is not set and no default is given (\${env:${variable}:-default})`,
      );
      return '';
    });
    if (names.length > 0) this.origins.set(pathKey(keyPath), { names, whole: wholeReference.test(text) });
    return out;
  }
}

/**
 * `text` (a scalar that was one whole reference) read as the type a schema asked for, or undefined
 * when it does not read as one: `"8080"` as a number, `"true"` as a boolean. Only plain decimals
 * count (no `0x`, exponent or spaces), so what is read is what the operator wrote.
 */
export function readEnvScalarAs(text: string, type: 'number' | 'boolean'): number | boolean | undefined {
  if (type === 'number') return plainNumber.test(text) ? Number(text) : undefined;
  return text === 'true' ? true : text === 'false' ? false : undefined;
}
