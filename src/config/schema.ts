import { ConfigError } from '../errors.js';

/**
 * A tiny declarative validator: each field says its type and default, and every
 * problem becomes one ConfigError naming the key path (`sources[1].engine`).
 * Unknown keys are errors, because a misspelt key silently ignored is worse.
 */
export type FieldSpec =
  | { kind: 'string'; default?: string | null; nonEmpty?: boolean }
  | { kind: 'int'; default?: number | null; min?: number; max?: number }
  | { kind: 'number'; default?: number | null; min?: number; max?: number }
  | { kind: 'bool'; default?: boolean }
  | { kind: 'enum'; values: readonly string[]; default?: string }
  | { kind: 'strings'; default?: readonly string[] | null }
  | {
      kind: 'object';
      fields: Record<string, FieldSpec>;
      optional?: boolean;
      /** Unknown keys go into this field, as written, instead of failing: someone else checks them. */
      restKey?: string;
    }
  | { kind: 'record'; of: FieldSpec; default?: Record<string, unknown> }
  | { kind: 'list'; of: FieldSpec; default?: readonly unknown[] };

export class Validator {
  constructor(readonly file: string | undefined) {}

  fail(path: string, reason: string): never {
    throw new ConfigError(path, reason, this.file);
  }

  check(spec: FieldSpec, value: unknown, path: string): unknown {
    if (value === undefined || value === null) {
      if (spec.kind === 'object') return this.object(spec.fields, {}, path, spec.restKey);
      if (!('default' in spec) || spec.default === undefined) this.fail(path, 'is required');
      if (spec.default === null) return null;
      // Defaults of containers go through their own fields' defaults too.
      value = structuredClone(spec.default);
    }
    switch (spec.kind) {
      case 'string':
        if (typeof value !== 'string') this.fail(path, `must be a string, got ${describe(value)}`);
        if (spec.nonEmpty && value.trim() === '') this.fail(path, 'must not be empty');
        return value;
      case 'int':
        if (typeof value !== 'number' || !Number.isInteger(value))
          this.fail(path, `must be an integer, got ${describe(value)}`);
        if (spec.min !== undefined && value < spec.min)
          this.fail(path, `must be at least ${spec.min}, got ${value}`);
        if (spec.max !== undefined && value > spec.max)
          this.fail(path, `must be at most ${spec.max}, got ${value}`);
        return value;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value))
          this.fail(path, `must be a number, got ${describe(value)}`);
        if (spec.min !== undefined && value < spec.min)
          this.fail(path, `must be at least ${spec.min}, got ${value}`);
        if (spec.max !== undefined && value > spec.max)
          this.fail(path, `must be at most ${spec.max}, got ${value}`);
        return value;
      case 'bool':
        if (typeof value !== 'boolean') this.fail(path, `must be true or false, got ${describe(value)}`);
        return value;
      case 'enum':
        if (typeof value !== 'string' || !spec.values.includes(value)) {
          const near = typeof value === 'string' ? closest(value, spec.values) : undefined;
          this.fail(
            path,
            `must be one of ${spec.values.join(', ')}, got ${describe(value)}${near ? ` (did you mean '${near}'?)` : ''}`,
          );
        }
        return value;
      case 'strings':
        if (typeof value === 'string') return [value];
        if (!Array.isArray(value)) this.fail(path, `must be a list of strings, got ${describe(value)}`);
        return value.map((v, i) => {
          if (typeof v !== 'string') this.fail(`${path}[${i}]`, `must be a string, got ${describe(v)}`);
          return v;
        });
      case 'object':
        if (!isPlainObject(value)) this.fail(path, `must be a mapping, got ${describe(value)}`);
        return this.object(spec.fields, value, path, spec.restKey);
      case 'record': {
        if (!isPlainObject(value)) this.fail(path, `must be a mapping of names, got ${describe(value)}`);
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = this.check(spec.of, v, join(path, k));
        return out;
      }
      case 'list':
        if (!Array.isArray(value)) this.fail(path, `must be a list, got ${describe(value)}`);
        return value.map((v, i) => this.check(spec.of, v, `${path}[${i}]`));
    }
  }

  object(
    fields: Record<string, FieldSpec>,
    value: Record<string, unknown>,
    path: string,
    restKey?: string,
  ): Record<string, unknown> {
    const rest: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (restKey !== undefined && !(key in fields)) {
        if (key === restKey) this.fail(join(path, key), 'unknown key');
        rest[key] = value[key];
      } else if (!(key in fields)) {
        const near = closest(key, Object.keys(fields));
        this.fail(join(path, key), `unknown key${near ? ` (did you mean '${near}'?)` : ''}`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(fields))
      out[key] = this.check(spec, value[key], join(path, key));
    if (restKey !== undefined) out[restKey] = Object.freeze(rest);
    return out;
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return `${typeof v} ${String(v)}`;
}

/** The known key within edit distance 2, to turn typos into a suggestion. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
