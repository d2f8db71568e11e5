import type { RedactionHasher } from '../hasher.ts';
import { IDENTIFIER_ATTRIBUTES } from './identifier-attributes.ts';
import type { MatchState } from './path-matcher.ts';
import type { RedactionTally } from './redaction-tally.ts';
import type { StringScanner } from './string-scanner.ts';
import { maskText, type TextAction, truncateText } from './text-actions.ts';

/** Returned by `visit` for a value that must disappear (a map entry is deleted, a list item left out). */
export const REMOVE: unique symbol = Symbol('predlog.redaction.remove');

export const DEPTH_MARKER = '[REDACTED:max_depth]';
export const BINARY_MARKER = '[REDACTED:binary]';

export interface CompiledRule {
  readonly action: TextAction;
  /** Tally index of the rule's name. */
  readonly name: number;
}

export interface RecordWalkerOptions {
  readonly rules: readonly CompiledRule[];
  /** `undefined` when every detector is off and there are no user patterns. */
  readonly scanner: StringScanner | undefined;
  readonly hasher: RedactionHasher | undefined;
  readonly tally: RedactionTally;
  readonly maxDepth: number;
  /** Tally indexes of the processor's own outcomes. */
  readonly names: { readonly allowList: number; readonly maxDepth: number; readonly binary: number };
  /** Every node must be seen (detectors or allow list on), not only those a rule can reach. */
  readonly visitAll: boolean;
}

type PlainMap = Record<string, unknown>;

function setEntry(map: PlainMap, key: string, value: unknown): void {
  // `__proto__` is a data key in JSON; plain assignment would set the prototype instead.
  if (key === '__proto__')
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  else map[key] = value;
}

/** A key the detectors renamed may collide with another; later ones get `#2`, `#3`, ... */
function freeKey(map: PlainMap, key: string): string {
  if (!Object.hasOwn(map, key)) return key;
  for (let i = 2; ; i++) {
    const candidate = `${key}#${i}`;
    if (!Object.hasOwn(map, candidate)) return candidate;
  }
}

function isBinary(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

/**
 * Walks attribute and body values with the compiled path matcher, applying path rules, the allow
 * list, and the detectors (strings, numbers, map keys). Copy-on-write: a map or list is copied only
 * when something in it changes, so values shared with the application (an OTel body kept by
 * reference) are never mutated. Recursion is capped at `maxDepth`, so its depth is bounded whatever
 * the input.
 */
export class RecordWalker {
  private readonly rules: readonly CompiledRule[];
  private readonly scanner: StringScanner | undefined;
  private readonly hasher: RedactionHasher | undefined;
  private readonly tally: RedactionTally;
  private readonly maxDepth: number;
  private readonly names: RecordWalkerOptions['names'];
  /** Every node must be seen (detectors or allow list on), not only those a rule can reach. */
  readonly visitAll: boolean;
  /** Attribute changes found during the walk, as (key, new key, value) triples. */
  private readonly pending: unknown[] = [];

  constructor(options: RecordWalkerOptions) {
    this.rules = options.rules;
    this.scanner = options.scanner;
    this.hasher = options.hasher;
    this.tally = options.tally;
    this.maxDepth = options.maxDepth;
    this.names = options.names;
    this.visitAll = options.visitAll;
  }

  /**
   * Redacts a record's own attribute map in place (the map belongs to the record; the values inside
   * it may be shared, so they are still copied before they change).
   */
  visitAttributes(attributes: PlainMap, root: MatchState): void {
    const pending = this.pending;
    pending.length = 0;
    const scanner = this.scanner;
    const visitAll = this.visitAll;
    for (const key in attributes) {
      const value = attributes[key];
      const child = root.rule >= 0 && root.allowed ? root : root.next(key);
      // An identifier is passed as it is unless a rule decides it (or the allow list drops it).
      if (child.rule < 0 && child.allowed && IDENTIFIER_ATTRIBUTES.has(key)) continue;
      const result = visitAll || !child.idle ? this.visit(value, child, 1) : value;
      const newKey = scanner === undefined || result === REMOVE ? key : scanner.scanKey(key);
      if (result !== value || newKey !== key) pending.push(key, newKey, result);
    }
    // Applied after the loop: adding a renamed key while iterating could visit it a second time.
    for (let i = 0; i < pending.length; i += 3) {
      const key = pending[i] as string;
      const newKey = pending[i + 1] as string;
      const result = pending[i + 2];
      if (result === REMOVE || newKey !== key) delete attributes[key];
      if (result !== REMOVE) setEntry(attributes, newKey === key ? key : freeKey(attributes, newKey), result);
    }
    pending.length = 0;
  }

  visit(value: unknown, state: MatchState, depth: number): unknown {
    if (state.denied) {
      this.tally.hit(this.names.allowList);
      return REMOVE;
    }
    if (state.rule >= 0 && state.allowed)
      return this.applyRule(this.rules[state.rule] as CompiledRule, value, depth);
    const scanner = this.scanner;
    switch (typeof value) {
      case 'string':
        if (!state.allowed) return this.denyLeaf();
        return scanner === undefined ? value : scanner.scan(value);
      case 'number':
        if (!state.allowed) return this.denyLeaf();
        return scanner === undefined ? value : scanner.scanNumber(value);
      case 'bigint': {
        if (!state.allowed) return this.denyLeaf();
        if (scanner === undefined) return value;
        const text = String(value);
        const scanned = scanner.scan(text);
        return scanned === text ? value : scanned;
      }
      case 'object':
        break;
      default:
        return state.allowed ? value : this.denyLeaf();
    }
    if (value === null) return state.allowed ? value : this.denyLeaf();
    if (depth >= this.maxDepth) {
      this.tally.hit(this.names.maxDepth);
      return DEPTH_MARKER;
    }
    if (Array.isArray(value)) return this.visitList(value, state, depth);
    if (isBinary(value)) {
      if (!state.allowed) return this.denyLeaf();
      if (scanner === undefined) return value;
      // Bytes cannot be scanned; with detectors on they could carry anything, so they do not pass.
      this.tally.hit(this.names.binary);
      return BINARY_MARKER;
    }
    return this.visitMap(value as PlainMap, state, depth);
  }

  private denyLeaf(): typeof REMOVE {
    this.tally.hit(this.names.allowList);
    return REMOVE;
  }

  /** Lists add no path level: every item is matched by the path of the list itself. */
  private visitList(list: readonly unknown[], state: MatchState, depth: number): unknown {
    let out: unknown[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      const result = this.visit(item, state, depth + 1);
      if (out === undefined) {
        if (result === item) continue;
        out = list.slice(0, i);
      }
      if (result !== REMOVE) out.push(result);
    }
    return out ?? list;
  }

  private visitMap(map: PlainMap, state: MatchState, depth: number): unknown {
    const scanner = this.scanner;
    const visitAll = this.visitAll;
    let out: PlainMap | undefined;
    for (const key in map) {
      const value = map[key];
      const child = state.next(key);
      let result: unknown = value;
      if (child.idle) {
        // The common case under detectors: no rule below, so scalars go straight to the scanner.
        if (scanner !== undefined) {
          if (typeof value === 'string') result = scanner.scan(value);
          else if (typeof value === 'number')
            result = value < 1e12 && value > -1e12 ? value : scanner.scanNumber(value);
          else if (visitAll) result = this.visit(value, child, depth + 1);
        } else if (visitAll) result = this.visit(value, child, depth + 1);
      } else result = this.visit(value, child, depth + 1);
      const newKey = scanner === undefined || result === REMOVE ? key : scanner.scanKey(key);
      if (out === undefined) {
        if (result === value && newKey === key) continue;
        out = {};
        for (const before in map) {
          if (before === key) break;
          setEntry(out, before, map[before]);
        }
      }
      if (result !== REMOVE) setEntry(out, newKey === key ? key : freeKey(out, newKey), result);
    }
    return out ?? map;
  }

  /** A rule that matched a node decides the node and everything inside it. */
  private applyRule(rule: CompiledRule, value: unknown, depth: number): unknown {
    const action = rule.action;
    if (action.kind === 'drop') {
      this.tally.hit(rule.name);
      return REMOVE;
    }
    if (action.kind === 'replace') {
      this.tally.hit(rule.name);
      return action.with;
    }
    return this.transformLeaves(rule, value, depth);
  }

  /** mask, hash and truncate apply to every scalar inside a map or list; keys and shape are kept. */
  private transformLeaves(rule: CompiledRule, value: unknown, depth: number): unknown {
    const action = rule.action;
    switch (typeof value) {
      case 'string':
        return this.transformText(rule, value);
      case 'number':
      case 'bigint':
      case 'boolean':
        if (action.kind === 'truncate') {
          return typeof value === 'number' && this.scanner !== undefined
            ? this.scanner.scanNumber(value)
            : value;
        }
        return this.transformText(rule, String(value));
      case 'object':
        break;
      default:
        return value;
    }
    if (value === null) return value;
    if (depth >= this.maxDepth) {
      this.tally.hit(this.names.maxDepth);
      return DEPTH_MARKER;
    }
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const result = this.transformLeaves(rule, item, depth + 1);
        if (out === undefined) {
          if (result === item) continue;
          out = value.slice(0, i);
        }
        out.push(result);
      }
      return out ?? value;
    }
    if (isBinary(value)) {
      this.tally.hit(rule.name);
      return BINARY_MARKER;
    }
    const map = value as PlainMap;
    const scanner = this.scanner;
    let out: PlainMap | undefined;
    for (const key in map) {
      const item = map[key];
      const result = this.transformLeaves(rule, item, depth + 1);
      const newKey = scanner === undefined ? key : scanner.scanKey(key);
      if (out === undefined) {
        if (result === item && newKey === key) continue;
        out = {};
        for (const before in map) {
          if (before === key) break;
          setEntry(out, before, map[before]);
        }
      }
      setEntry(out, newKey === key ? key : freeKey(out, newKey), result);
    }
    return out ?? map;
  }

  private transformText(rule: CompiledRule, text: string): string {
    const action = rule.action;
    if (action.kind === 'truncate') {
      if (text.length > action.maxChars) this.tally.hit(rule.name);
      // What truncation keeps can still hold personal data: with detectors on, they run on the whole
      // value before the cut, so a value straddling it is redacted whole or cut away, never split.
      return this.scanner === undefined
        ? truncateText(text, action.maxChars)
        : this.scanner.scanTruncated(text, action.maxChars);
    }
    this.tally.hit(rule.name);
    if (action.kind === 'mask') return maskText(text, action.keepLastChars, action.maskChar);
    // hash: the config check guarantees a hasher whenever a hash rule exists.
    return this.hasher === undefined ? '[REDACTED]' : this.hasher.hash(text);
  }
}
