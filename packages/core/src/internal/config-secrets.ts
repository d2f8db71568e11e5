import type { EnvValue } from './env-substitution.ts';

/**
 * What a config error must never print: every value that came from `${env:...}` and every value
 * under a key that names a secret. The loader never describes such a value itself (it says where it
 * came from instead); this catches the rest, a rule's own message that embeds a value
 * (`"${name}" is used by another rule`, a list of ids...), by replacing each occurrence before the
 * message leaves the loader.
 */

const secretSegment =
  /(secret|token|password|passwd|credential|apikey|api_key|private|^keys?$|^authorization$|^headers$)/i;

/**
 * Shorter values are not searched for in messages: one to three characters (`1`, `on`, `eu`) name no
 * secret worth the name, and replacing them would garble the limits and lists a message states
 * ("must be at least 1024"). The loader still never prints them as the value it got.
 */
export const MIN_SCRUBBED_CHARS = 4;

/**
 * A value under a key that names a secret (`keys.current`, `password`, `headers.Authorization`...)
 * is never echoed in an error, even when it was written inline rather than taken from the
 * environment: a config error must not be the way a secret reaches a terminal or a log.
 */
export function looksSecret(keyPath: readonly PropertyKey[]): boolean {
  return keyPath.some((segment) => typeof segment === 'string' && secretSegment.test(segment));
}

/** Where a hidden value came from, as a message says it: `${env:A}` or `${env:A} and ${env:B}`. */
export function envReferences(names: readonly string[]): string {
  return names.map((name) => `\${env:${name}}`).join(' and ');
}

/** What a message says instead of a value under a secret-looking key. */
export const SECRET_TEXT = 'a secret, not shown';

export class SecretValues {
  /** Longest first, so a value that contains another is replaced whole. */
  private entries: Array<{ readonly text: string; readonly shownAs: string }> = [];

  /** Values from the environment, shown as `(from ${env:NAME})`. */
  addFromEnv(values: readonly EnvValue[]): void {
    for (const { name, value } of values) this.add(value, `(from ${envReferences([name])})`);
  }

  /** Strings under secret-looking keys anywhere in `tree` (found at `keyPath`). */
  addSecretsIn(tree: unknown, keyPath: PropertyKey[] = []): void {
    if (typeof tree === 'string') {
      if (looksSecret(keyPath)) this.add(tree, `(${SECRET_TEXT})`);
      return;
    }
    if (Array.isArray(tree)) {
      tree.forEach((v, i) => {
        this.addSecretsIn(v, [...keyPath, i]);
      });
      return;
    }
    if (tree !== null && typeof tree === 'object')
      for (const [k, v] of Object.entries(tree)) this.addSecretsIn(v, [...keyPath, k]);
  }

  /** `message` with every occurrence of a hidden value replaced by where it came from. */
  scrub(message: string): string {
    let out = message;
    for (const { text, shownAs } of this.entries) if (out.includes(text)) out = out.split(text).join(shownAs);
    return out;
  }

  private add(text: string, shownAs: string): void {
    if (text.length < MIN_SCRUBBED_CHARS || this.entries.some((e) => e.text === text)) return;
    this.entries.push({ text, shownAs });
    this.entries.sort((a, b) => b.text.length - a.text.length);
  }
}
