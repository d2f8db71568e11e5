import type { JsonSchema } from './json-schema.ts';

export type EvolutionFindingKind =
  /** A field of the old schema is gone. */
  | 'removed'
  /** A field no longer accepts a type it accepted (number -> string, or a union lost a member). */
  | 'retyped'
  /** An enum or const lost a value, or an open type became an enum. */
  | 'enum-narrowed'
  /** A bound, length, pattern or format now rejects values the old schema accepted. */
  | 'constraint-narrowed'
  /** An optional field became required. */
  | 'became-required'
  /** A new field is required: records written before the change lack it. */
  | 'added-required'
  /** An object that allowed undeclared fields no longer does. */
  | 'closed'
  /** A construct the check does not understand (an unresolvable `$ref`, nesting too deep). */
  | 'unsupported'
  /** Compatible: a new optional field. */
  | 'added-optional'
  /** Compatible: a field accepts more than before (a new type, enum value, or looser bound). */
  | 'widened'
  /** Compatible: a required field became optional. */
  | 'became-optional';

export interface EvolutionFinding {
  readonly kind: EvolutionFindingKind;
  /** True when records valid under the old schema may be invalid under the new one. */
  readonly breaking: boolean;
  /** JSON path of the field in a record, e.g. `$.input_features.*`, `$.explanation[*].value`. */
  readonly path: string;
  readonly message: string;
}

export interface EvolutionReport {
  /** No breaking finding: every record valid under the old schema stays valid under the new one. */
  readonly compatible: boolean;
  /** Breaking findings first, then the compatible changes, each group in schema order. */
  readonly findings: readonly EvolutionFinding[];
}

type SchemaObject = { readonly [keyword: string]: unknown };
type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'array' | 'object';
const JSON_TYPES: ReadonlySet<string> = new Set([
  'string',
  'number',
  'integer',
  'boolean',
  'null',
  'array',
  'object',
]);

/** One alternative of a (possibly union) schema: a single type, a fixed value set, or anything. */
type Branch =
  | { readonly kind: 'any' }
  | { readonly kind: 'values'; readonly values: readonly unknown[] }
  | { readonly kind: 'type'; readonly type: JsonType; readonly schema: SchemaObject };

interface Side {
  readonly root: JsonSchema;
}

interface Context {
  readonly old: Side;
  readonly new: Side;
  /** Pairs of (old, new) subschemas being compared, so recursive schemas ($ref cycles) terminate. */
  readonly active: Map<SchemaObject, Set<SchemaObject>>;
}

const MAX_DEPTH = 64;

/**
 * Compares two record schemas for backward compatibility: the new schema must accept every record the
 * old one accepted. Fields may only be added (and only as optional); a removed field, a retyped field
 * (at any depth: record values, array items), an optional field turned required, a narrowed enum or a
 * tightened constraint is breaking. Compatible changes are reported too, as non-breaking findings.
 */
export function checkSchemaEvolution(oldSchema: JsonSchema, newSchema: JsonSchema): EvolutionReport {
  const ctx: Context = { old: { root: oldSchema }, new: { root: newSchema }, active: new Map() };
  const findings = compareNodes(ctx, oldSchema, newSchema, '$', 0);
  const breaking = findings.filter((f) => f.breaking);
  return {
    compatible: breaking.length === 0,
    findings: [...breaking, ...findings.filter((f) => !f.breaking)],
  };
}

function finding(kind: EvolutionFindingKind, path: string, message: string): EvolutionFinding {
  const breaking = kind !== 'added-optional' && kind !== 'widened' && kind !== 'became-optional';
  return { kind, breaking, path, message };
}

function isSchemaObject(value: unknown): value is SchemaObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function asSchema(value: unknown): JsonSchema | undefined {
  return typeof value === 'boolean' || isSchemaObject(value) ? value : undefined;
}

/** Follows `$ref` (local JSON pointers only), merging sibling keywords over the target. */
function resolve(side: Side, schema: JsonSchema, path: string, issues: EvolutionFinding[]): JsonSchema {
  let current = schema;
  for (let hops = 0; isSchemaObject(current) && typeof current.$ref === 'string'; hops++) {
    const ref = current.$ref;
    const target = hops < MAX_DEPTH ? lookupPointer(side.root, ref) : undefined;
    if (target === undefined) {
      issues.push(
        finding('unsupported', path, `cannot resolve $ref "${ref}"; only local refs are supported`),
      );
      return true;
    }
    const { $ref: _ref, ...siblings } = current;
    current =
      Object.keys(siblings).length === 0 || typeof target === 'boolean' ? target : { ...target, ...siblings };
  }
  return current;
}

function lookupPointer(root: JsonSchema, ref: string): JsonSchema | undefined {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const token = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isSchemaObject(node) || !Object.hasOwn(node, token)) return undefined;
    node = node[token];
  }
  return asSchema(node);
}

/** Flattens a schema into its alternatives: `anyOf`/`oneOf` members and each entry of a `type` array. */
function branchesOf(
  side: Side,
  schema: JsonSchema,
  path: string,
  issues: EvolutionFinding[],
  depth = 0,
): Branch[] {
  const node = resolve(side, schema, path, issues);
  if (node === true) return [{ kind: 'any' }];
  if (node === false) return [];
  if (depth > MAX_DEPTH) {
    issues.push(finding('unsupported', path, 'unions nested too deeply to compare'));
    return [{ kind: 'any' }];
  }
  const { anyOf, oneOf, allOf, ...base } = node;
  if (Array.isArray(allOf)) {
    return branchesOf(side, mergeAllOf(side, base, allOf, path, issues), path, issues, depth + 1);
  }
  const alternatives = Array.isArray(anyOf) ? anyOf : Array.isArray(oneOf) ? oneOf : undefined;
  if (alternatives !== undefined) {
    return alternatives.flatMap((member) => {
      const resolved = resolve(side, asSchema(member) ?? true, path, issues);
      const merged = typeof resolved === 'boolean' ? resolved : { ...base, ...resolved };
      return branchesOf(side, merged, path, issues, depth + 1);
    });
  }
  if (Array.isArray(node.enum)) return [{ kind: 'values', values: node.enum }];
  if (Object.hasOwn(node, 'const')) return [{ kind: 'values', values: [node.const] }];
  const types = declaredTypes(node);
  if (types === undefined) return [{ kind: 'any' }];
  return types.map((type) => ({ kind: 'type', type, schema: node }));
}

function declaredTypes(node: SchemaObject): JsonType[] | undefined {
  const type = node.type;
  if (typeof type === 'string' && JSON_TYPES.has(type)) return [type as JsonType];
  if (Array.isArray(type))
    return type.filter((t): t is JsonType => typeof t === 'string' && JSON_TYPES.has(t));
  if ('properties' in node || 'additionalProperties' in node || 'required' in node) return ['object'];
  if ('items' in node || 'prefixItems' in node) return ['array'];
  return undefined;
}

/** Intersects `allOf` members in the simple way zod produces them: properties and requirements add up. */
function mergeAllOf(
  side: Side,
  base: SchemaObject,
  members: readonly unknown[],
  path: string,
  issues: EvolutionFinding[],
): JsonSchema {
  let merged: Record<string, unknown> = { ...base };
  for (const member of members) {
    const resolved = resolve(side, asSchema(member) ?? true, path, issues);
    if (resolved === false) return false;
    if (resolved === true) continue;
    const properties = { ...(isSchemaObject(merged.properties) ? merged.properties : {}) };
    if (isSchemaObject(resolved.properties)) Object.assign(properties, resolved.properties);
    const required = new Set([...stringList(merged.required), ...stringList(resolved.required)]);
    merged = { ...merged, ...resolved, properties, required: [...required] };
  }
  return merged;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function compareNodes(ctx: Context, oldNode: JsonSchema, newNode: JsonSchema, path: string, depth: number) {
  const issues: EvolutionFinding[] = [];
  if (depth > MAX_DEPTH) return [finding('unsupported', path, 'schema nested too deeply to compare')];
  const oldResolved = resolve(ctx.old, oldNode, path, issues);
  const newResolved = resolve(ctx.new, newNode, path, issues);
  // A pair already under comparison higher up is a recursive schema: assume it holds (coinduction).
  if (isSchemaObject(oldResolved) && isSchemaObject(newResolved)) {
    const seen = ctx.active.get(oldResolved);
    if (seen?.has(newResolved)) return issues;
    if (seen === undefined) ctx.active.set(oldResolved, new Set([newResolved]));
    else seen.add(newResolved);
    try {
      issues.push(...compareBranches(ctx, oldResolved, newResolved, path, depth));
    } finally {
      ctx.active.get(oldResolved)?.delete(newResolved);
    }
    return issues;
  }
  issues.push(...compareBranches(ctx, oldResolved, newResolved, path, depth));
  return issues;
}

function compareBranches(
  ctx: Context,
  oldNode: JsonSchema,
  newNode: JsonSchema,
  path: string,
  depth: number,
): EvolutionFinding[] {
  const issues: EvolutionFinding[] = [];
  const oldBranches = branchesOf(ctx.old, oldNode, path, issues);
  const newBranches = branchesOf(ctx.new, newNode, path, issues);
  if (newBranches.some((b) => b.kind === 'any')) {
    if (!oldBranches.some((b) => b.kind === 'any') && oldBranches.length > 0) {
      issues.push(finding('widened', path, `now accepts any value (was ${describe(oldBranches)})`));
    }
    return issues;
  }
  const lost: string[] = [];
  for (const oldBranch of oldBranches) {
    if (oldBranch.kind === 'any') {
      issues.push(finding('retyped', path, `accepted any value, now only ${describe(newBranches)}`));
      continue;
    }
    if (oldBranch.kind === 'values') {
      const missing = oldBranch.values.filter((v) => !newBranches.some((b) => branchAcceptsValue(b, v)));
      if (missing.length > 0) {
        issues.push(finding('enum-narrowed', path, `no longer allows ${missing.map(showValue).join(', ')}`));
      }
      continue;
    }
    const candidates = newBranches.filter(
      (b): b is Extract<Branch, { kind: 'type' }> =>
        b.kind === 'type' &&
        (b.type === oldBranch.type || (b.type === 'number' && oldBranch.type === 'integer')),
    );
    if (candidates.length === 0) {
      const sameTypeValues = newBranches.filter(
        (b) => b.kind === 'values' && b.values.some((v) => jsonTypeOf(v) === oldBranch.type),
      );
      if (sameTypeValues.length > 0) {
        issues.push(
          finding(
            'enum-narrowed',
            path,
            `accepted any ${oldBranch.type}, now only ${describe(sameTypeValues)}`,
          ),
        );
      } else if (
        oldBranch.type === 'number' &&
        newBranches.some((b) => b.kind === 'type' && b.type === 'integer')
      ) {
        issues.push(finding('retyped', path, 'narrowed from number to integer'));
      } else {
        lost.push(oldBranch.type);
      }
      continue;
    }
    // With several same-type alternatives (two object shapes in a union), the closest one decides.
    let best: EvolutionFinding[] | undefined;
    for (const candidate of candidates) {
      const result = compareSameType(ctx, oldBranch, candidate, path, depth);
      if (best === undefined || countBreaking(result) < countBreaking(best)) best = result;
    }
    issues.push(...(best ?? []));
  }
  if (lost.length > 0) {
    const message =
      lost.length === oldBranches.length
        ? `type changed from ${describe(oldBranches)} to ${describe(newBranches)}`
        : `no longer accepts ${lost.join(' or ')} (was ${describe(oldBranches)}, now ${describe(newBranches)})`;
    issues.push(finding('retyped', path, message));
  }
  // A retype message already shows the new types; a separate "widened" note would read as a contradiction.
  if (lost.length > 0) return issues;
  const gained = newBranches.filter((b) => !oldBranches.some((o) => sameShape(o, b)));
  const gainedValues = gainedEnumValues(oldBranches, newBranches);
  if (gained.length > 0 && oldBranches.length > 0) {
    issues.push(finding('widened', path, `now also accepts ${describe(gained)}`));
  } else if (gainedValues.length > 0) {
    issues.push(finding('widened', path, `now also allows ${gainedValues.map(showValue).join(', ')}`));
  }
  return issues;
}

function countBreaking(findings: readonly EvolutionFinding[]): number {
  return findings.filter((f) => f.breaking).length;
}

/** Whether an alternative of the new schema is also present (by kind and type) in the old one. */
function sameShape(oldBranch: Branch, newBranch: Branch): boolean {
  if (newBranch.kind === 'values') {
    return oldBranch.kind === 'values' || newBranch.values.every((v) => branchAcceptsValue(oldBranch, v));
  }
  if (newBranch.kind === 'any') return oldBranch.kind === 'any';
  if (oldBranch.kind !== 'type') return false;
  return oldBranch.type === newBranch.type || (oldBranch.type === 'number' && newBranch.type === 'integer');
}

function gainedEnumValues(oldBranches: readonly Branch[], newBranches: readonly Branch[]): unknown[] {
  const gained: unknown[] = [];
  for (const branch of newBranches) {
    if (branch.kind !== 'values') continue;
    for (const value of branch.values)
      if (!oldBranches.some((b) => branchAcceptsValue(b, value))) gained.push(value);
  }
  return gained;
}

function branchAcceptsValue(branch: Branch, value: unknown): boolean {
  if (branch.kind === 'any') return true;
  if (branch.kind === 'values') return branch.values.some((v) => jsonEqual(v, value));
  const type = jsonTypeOf(value);
  return type === branch.type || (branch.type === 'number' && type === 'integer');
}

function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value as JsonType;
  return 'object';
}

function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function showValue(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function describe(branches: readonly Branch[]): string {
  if (branches.length === 0) return 'nothing';
  return branches
    .map((b) =>
      b.kind === 'any' ? 'any value' : b.kind === 'values' ? b.values.map(showValue).join(' | ') : b.type,
    )
    .join(' | ');
}

function compareSameType(
  ctx: Context,
  oldBranch: Extract<Branch, { kind: 'type' }>,
  newBranch: Extract<Branch, { kind: 'type' }>,
  path: string,
  depth: number,
): EvolutionFinding[] {
  const o = oldBranch.schema;
  const n = newBranch.schema;
  const issues = compareConstraints(o, n, path);
  if (oldBranch.type === 'object') issues.push(...compareObjects(ctx, o, n, path, depth));
  if (oldBranch.type === 'array') issues.push(...compareArrays(ctx, o, n, path, depth));
  return issues;
}

/** Keywords where a larger new value rejects old values, and where a smaller one does. */
const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const;
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const;

function compareConstraints(o: SchemaObject, n: SchemaObject, path: string): EvolutionFinding[] {
  const issues: EvolutionFinding[] = [];
  for (const keyword of LOWER_BOUNDS) {
    const before = numberOrUndefined(o[keyword]);
    const after = numberOrUndefined(n[keyword]);
    if (after !== undefined && (before === undefined || after > before)) {
      issues.push(
        finding('constraint-narrowed', path, `${keyword} raised from ${before ?? 'none'} to ${after}`),
      );
    } else if (before !== undefined && (after === undefined || after < before)) {
      issues.push(finding('widened', path, `${keyword} lowered from ${before} to ${after ?? 'none'}`));
    }
  }
  for (const keyword of UPPER_BOUNDS) {
    const before = numberOrUndefined(o[keyword]);
    const after = numberOrUndefined(n[keyword]);
    if (after !== undefined && (before === undefined || after < before)) {
      issues.push(
        finding('constraint-narrowed', path, `${keyword} lowered from ${before ?? 'none'} to ${after}`),
      );
    } else if (before !== undefined && (after === undefined || after > before)) {
      issues.push(finding('widened', path, `${keyword} raised from ${before} to ${after ?? 'none'}`));
    }
  }
  // Patterns, formats and multipleOf cannot be compared for inclusion in general: any new or changed
  // one is treated as narrowing, a dropped one as widening.
  for (const keyword of ['pattern', 'format', 'multipleOf'] as const) {
    const before = o[keyword];
    const after = n[keyword];
    if (after !== undefined && !jsonEqual(before, after)) {
      const message =
        before === undefined
          ? `${keyword} ${showValue(after)} added`
          : `${keyword} changed from ${showValue(before)} to ${showValue(after)}`;
      issues.push(finding('constraint-narrowed', path, message));
    } else if (before !== undefined && after === undefined) {
      issues.push(finding('widened', path, `${keyword} ${showValue(before)} dropped`));
    }
  }
  return issues;
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function compareObjects(
  ctx: Context,
  o: SchemaObject,
  n: SchemaObject,
  path: string,
  depth: number,
): EvolutionFinding[] {
  const issues: EvolutionFinding[] = [];
  const oldProps = isSchemaObject(o.properties) ? o.properties : {};
  const newProps = isSchemaObject(n.properties) ? n.properties : {};
  const oldRequired = new Set(stringList(o.required));
  const newRequired = new Set(stringList(n.required));
  for (const name of Object.keys(oldProps)) {
    const childPath = propertyPath(path, name);
    if (!Object.hasOwn(newProps, name)) {
      issues.push(finding('removed', childPath, 'field removed; records written before the change carry it'));
      continue;
    }
    issues.push(
      ...compareNodes(
        ctx,
        asSchema(oldProps[name]) ?? true,
        asSchema(newProps[name]) ?? true,
        childPath,
        depth + 1,
      ),
    );
    if (newRequired.has(name) && !oldRequired.has(name)) {
      issues.push(
        finding('became-required', childPath, 'optional field became required; older records may lack it'),
      );
    } else if (oldRequired.has(name) && !newRequired.has(name)) {
      issues.push(finding('became-optional', childPath, 'required field became optional'));
    }
  }
  for (const name of Object.keys(newProps)) {
    if (Object.hasOwn(oldProps, name)) continue;
    const childPath = propertyPath(path, name);
    if (newRequired.has(name)) {
      issues.push(
        finding('added-required', childPath, 'new required field; records written before the change lack it'),
      );
    } else {
      issues.push(finding('added-optional', childPath, 'optional field added'));
    }
  }
  for (const name of newRequired) {
    if (!Object.hasOwn(newProps, name) && !Object.hasOwn(oldProps, name) && !oldRequired.has(name)) {
      issues.push(
        finding(
          'added-required',
          propertyPath(path, name),
          'new required field; records written before the change lack it',
        ),
      );
    }
  }
  issues.push(...compareAdditional(ctx, o, n, path, depth));
  if (o.propertyNames !== undefined || n.propertyNames !== undefined) {
    issues.push(
      ...compareNodes(
        ctx,
        asSchema(o.propertyNames) ?? true,
        asSchema(n.propertyNames) ?? true,
        `${path} (field names)`,
        depth + 1,
      ),
    );
  }
  return issues;
}

/** `additionalProperties`: the value type of a record (`input_features`), or whether extra keys are allowed. */
function compareAdditional(
  ctx: Context,
  o: SchemaObject,
  n: SchemaObject,
  path: string,
  depth: number,
): EvolutionFinding[] {
  const before = asSchema(o.additionalProperties) ?? true;
  const after = asSchema(n.additionalProperties) ?? true;
  if (before === false) return [];
  if (after === false) {
    return [finding('closed', `${path}.*`, 'undeclared fields were allowed and are now rejected')];
  }
  return compareNodes(ctx, before, after, `${path}.*`, depth + 1);
}

function compareArrays(
  ctx: Context,
  o: SchemaObject,
  n: SchemaObject,
  path: string,
  depth: number,
): EvolutionFinding[] {
  const issues: EvolutionFinding[] = [];
  const oldPrefix = Array.isArray(o.prefixItems) ? o.prefixItems : [];
  const newPrefix = Array.isArray(n.prefixItems) ? n.prefixItems : [];
  const oldItems = asSchema(o.items) ?? true;
  const newItems = asSchema(n.items) ?? true;
  const positions = Math.max(oldPrefix.length, newPrefix.length);
  for (let i = 0; i < positions; i++) {
    const before = i < oldPrefix.length ? (asSchema(oldPrefix[i]) ?? true) : oldItems;
    const after = i < newPrefix.length ? (asSchema(newPrefix[i]) ?? true) : newItems;
    issues.push(...compareNodes(ctx, before, after, `${path}[${i}]`, depth + 1));
  }
  issues.push(...compareNodes(ctx, oldItems, newItems, `${path}[*]`, depth + 1));
  return issues;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function propertyPath(path: string, name: string): string {
  return IDENTIFIER.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}
