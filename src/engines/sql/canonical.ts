import { parseSync } from 'libpg-query';
import { hash16 } from './lexical.js';
import type { SqlDialect } from './types.js';

/**
 * A statement's logic, independent of how it is spelled: the key that merges fingerprints in
 * `ragctl sql clusters`. pg_stat_statements-style fingerprints already ignore literals, layout,
 * case and quoting; this goes further, on the parse tree (libpg-query, the server's parser):
 * - aliases are resolved to table names (`users u` and `users AS usr` read `users`);
 * - inner joins are flattened into a set of tables and a set of predicates, so `JOIN … ON`,
 *   comma joins with `WHERE`, reordered joins and reordered conjuncts compare equal;
 * - `=`, `<>`, `+`, `*`, `AND`, `OR` are commutative, `b > a` is `a < b`;
 * - anti-joins are one form: `LEFT JOIN t ON c WHERE t.x IS NULL`, `NOT EXISTS (SELECT … FROM t
 *   WHERE c)` and `x NOT IN (SELECT y FROM t)`; semi-joins likewise: `EXISTS (…)` and `IN (SELECT …)`;
 * - output aliases, casts, the order of output columns and `count(1)` vs `count(*)` do not count.
 * MariaDB/MySQL statements are read the same way from their normalised text (backticks as
 * double quotes, `?` as `$n`): most of what a slow log holds is SQL both parsers share.
 * Null when the text does not parse: such statements are clustered by fingerprint alone.
 */
export function logicKey(normalized: string, dialect: SqlDialect): string | null {
  const text = dialect === 'mysql' ? asPostgres(normalized) : normalized;
  let tree: { stmts?: Array<{ stmt: unknown }> };
  try {
    tree = parseSync(text) as typeof tree;
  } catch (err) {
    // Expected for dialect-only syntax; the caller falls back to the fingerprint.
    if (err instanceof Error) return null;
    throw err;
  }
  const stmts = tree.stmts ?? [];
  if (stmts.length !== 1) return null;
  return hash16(`logic:${statement(stmts[0]!.stmt, new Scope(null))}`);
}

/**
 * Backtick-quoted names and `?` placeholders as PostgreSQL writes them. node-sql-parser's
 * normalisation replaces the NULL of `IS NULL` too; `IS ?` can only have been that (or a
 * boolean), and an anti-join written with `IS NULL` must read as one.
 */
function asPostgres(sql: string): string {
  let n = 0;
  return sql
    .replace(/\bIS (NOT )?\?/gi, (_, not: string | undefined) => `IS ${not ?? ''}NULL`)
    .replace(/`((?:[^`]|``)*)`|'(?:[^'\\]|\\.|'')*'|\?/g, (m, quoted: string | undefined) => {
      if (quoted !== undefined) return `"${quoted.replaceAll('``', '`').replaceAll('"', '""')}"`;
      if (m === '?') return `$${++n}`;
      return m;
    });
}

type Node = Record<string, unknown>;

/** Table names by alias (and by their own name), innermost query first. */
class Scope {
  readonly #names = new Map<string, string>();
  readonly tables: string[] = [];
  constructor(readonly parent: Scope | null) {}

  /** `optional`: a left-joined table, named in the query but not one of its row sources. */
  add(table: string, alias: string | null, optional = false): void {
    if (!optional) this.tables.push(table);
    this.#names.set(alias ?? table.split('.').pop()!, table);
  }

  resolve(qualifier: string): string | undefined {
    return this.#names.get(qualifier) ?? this.parent?.resolve(qualifier);
  }
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{Type: body}` → [Type, body]. */
function unwrap(v: unknown): [string, Node] | null {
  if (!isNode(v)) return null;
  const keys = Object.keys(v);
  if (keys.length !== 1) return null;
  const body = v[keys[0]!];
  return isNode(body) ? [keys[0]!, body] : null;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function sval(v: unknown): string {
  const u = unwrap(v);
  return u && typeof u[1].sval === 'string' ? u[1].sval : '';
}

function statement(stmt: unknown, scope: Scope): string {
  const u = unwrap(stmt);
  if (!u) return generic(stmt, scope);
  const [type, body] = u;
  switch (type) {
    case 'SelectStmt':
      return select(body, scope);
    case 'UpdateStmt':
    case 'DeleteStmt': {
      const inner = new Scope(scope);
      const table = rangeVar(body.relation, inner);
      for (const from of list(body.fromClause ?? body.usingClause)) fromItem(from, inner, new Preds());
      const preds = new Preds();
      preds.where(body.whereClause, inner);
      const set = list(body.targetList)
        .map((t) => {
          const r = unwrap(t)?.[1];
          return r ? `${String(r.name)}=${expr(r.val, inner)}` : generic(t, inner);
        })
        .sort();
      return `${type}(${table};set[${set.join(',')}];${preds.text()})`;
    }
    case 'InsertStmt': {
      const inner = new Scope(scope);
      const table = rangeVar(body.relation, inner);
      const cols = list(body.cols).map((c) => String(unwrap(c)?.[1].name ?? ''));
      const source = unwrap(body.selectStmt);
      // VALUES rows of any number and length are one shape; INSERT … SELECT keeps its query.
      const from =
        source && list(source[1].valuesLists).length > 0 ? 'values' : statement(body.selectStmt, inner);
      return `insert(${table};${cols.join(',')};${from};${generic(body.onConflictClause, inner)})`;
    }
    default:
      return generic(stmt, scope);
  }
}

function rangeVar(v: unknown, scope: Scope, optional = false): string {
  const r = unwrap(v)?.[1];
  if (!r) return generic(v, scope);
  const name = [r.schemaname, r.relname].filter((s) => typeof s === 'string').join('.');
  const alias = unwrap({ Alias: r.alias })?.[1].aliasname;
  scope.add(name, typeof alias === 'string' ? alias : null, optional);
  return name;
}

/** An anti- or semi-joined relation: its tables and the conditions that match a row to it. */
function joinForm(tables: readonly string[], conds: Iterable<string>, rest: string): string {
  return `${[...tables].sort().join(',')}{${[...conds].sort().join('&')}${rest}}`;
}

/** The parts of a query whose order carries no meaning, collected while the FROM and WHERE are read. */
class Preds {
  readonly inner = new Set<string>();
  readonly anti = new Set<string>();
  readonly semi = new Set<string>();
  /** Left-joined tables with their ON conjuncts, until the WHERE says whether they are anti-joins. */
  readonly outer: Array<{ table: string; alias: string; on: string[] }> = [];

  where(clause: unknown, scope: Scope): void {
    for (const c of conjuncts(clause)) this.conjunct(c, scope);
  }

  conjunct(c: unknown, scope: Scope): void {
    const u = unwrap(c);
    if (u?.[0] === 'BoolExpr' && u[1].boolop === 'NOT_EXPR') {
      const sub = subJoin(list(u[1].args)[0], scope);
      if (sub) {
        this.anti.add(sub);
        return;
      }
    }
    const sub = subJoin(c, scope);
    if (sub) {
      this.semi.add(sub);
      return;
    }
    if (u?.[0] === 'NullTest' && u[1].nulltesttype === 'IS_NULL') {
      // `LEFT JOIN t … WHERE t.col IS NULL`: rows of the left side with no match in t.
      const col = columnParts(u[1].arg);
      const left = col && this.outer.find((o) => col.length === 2 && o.alias === col[0]);
      if (left) {
        this.outer.splice(this.outer.indexOf(left), 1);
        this.anti.add(joinForm([left.table], left.on, new Preds().rest()));
        return;
      }
    }
    this.inner.add(expr(c, scope));
  }

  text(): string {
    return `where[${[...this.inner].sort().join('&')}]${this.rest()}`;
  }

  /** Everything but the plain conditions. */
  rest(): string {
    const outer = this.outer.map((o) => joinForm([o.table], o.on, '')).sort();
    return `;anti[${[...this.anti].sort().join('|')}];semi[${[...this.semi].sort().join('|')}];left[${outer.join('|')}]`;
  }
}

function conjuncts(clause: unknown): unknown[] {
  if (clause === undefined || clause === null) return [];
  const u = unwrap(clause);
  if (u?.[0] === 'BoolExpr' && u[1].boolop === 'AND_EXPR') return list(u[1].args).flatMap(conjuncts);
  return [clause];
}

/**
 * `EXISTS (SELECT … FROM t WHERE c)` and `x IN (SELECT y FROM t WHERE c)` as `t{c & x = t.y}`,
 * the form an anti- or semi-join takes whichever way it was written; null for other conditions.
 */
function subJoin(c: unknown, scope: Scope): string | null {
  const u = unwrap(c);
  if (u?.[0] !== 'SubLink') return null;
  const link = u[1];
  const kind = link.subLinkType;
  if (kind !== 'EXISTS_SUBLINK' && kind !== 'ANY_SUBLINK') return null;
  const sub = unwrap(link.subselect);
  if (sub?.[0] !== 'SelectStmt' || list(sub[1].valuesLists).length > 0) return null;
  const inner = new Scope(scope);
  const preds = new Preds();
  for (const from of list(sub[1].fromClause)) fromItem(from, inner, preds);
  preds.where(sub[1].whereClause, inner);
  if (kind === 'ANY_SUBLINK') {
    const target = list(sub[1].targetList);
    if (target.length !== 1) return null;
    const val = expr(unwrap(target[0])?.[1].val, inner);
    const test = expr(link.testexpr, scope);
    preds.inner.add(commute('=', test, val));
  }
  return joinForm(inner.tables, preds.inner, preds.rest());
}

/** One FROM item: tables go into `scope`, inner-join conditions into `preds`. */
function fromItem(item: unknown, scope: Scope, preds: Preds): void {
  const u = unwrap(item);
  if (!u) return;
  const [type, body] = u;
  if (type === 'RangeVar') {
    rangeVar(item, scope);
    return;
  }
  if (type === 'RangeSubselect') {
    const alias = unwrap({ Alias: body.alias })?.[1].aliasname;
    const sub = `(${statement(body.subquery, new Scope(scope))})`;
    scope.add(sub, typeof alias === 'string' ? alias : null);
    return;
  }
  if (type === 'JoinExpr') {
    const join = body.jointype;
    const usingColumns = list(body.usingClause).map(sval);
    if (join === 'JOIN_INNER') {
      fromItem(body.larg, scope, preds);
      fromItem(body.rarg, scope, preds);
      for (const c of conjuncts(body.quals)) preds.inner.add(expr(c, scope));
      for (const col of usingColumns) preds.inner.add(`using:${col}`);
      return;
    }
    const [keep, optional] = join === 'JOIN_RIGHT' ? [body.rarg, body.larg] : [body.larg, body.rarg];
    const side = unwrap(optional);
    if ((join === 'JOIN_LEFT' || join === 'JOIN_RIGHT') && side?.[0] === 'RangeVar') {
      fromItem(keep, scope, preds);
      const table = rangeVar(optional, scope, true);
      const aliasName = unwrap({ Alias: side[1].alias })?.[1].aliasname;
      const alias = typeof aliasName === 'string' ? aliasName : table.split('.').pop()!;
      const on = [
        ...conjuncts(body.quals).map((c) => expr(c, scope)),
        ...usingColumns.map((c) => `using:${c}`),
      ];
      preds.outer.push({ table, alias, on });
      return;
    }
    scope.add(`join(${generic(item, scope)})`, null);
    return;
  }
  scope.add(generic(item, scope), null);
}

function select(body: Node, scope: Scope): string {
  const op = body.op;
  if (op !== undefined && op !== 'SETOP_NONE') {
    const parts = [statement({ SelectStmt: body.larg }, scope), statement({ SelectStmt: body.rarg }, scope)];
    return `${String(op)}${body.all ? ' all' : ''}(${parts.sort().join('|')})`;
  }
  if (list(body.valuesLists).length > 0) return 'values';
  const inner = new Scope(scope);
  const preds = new Preds();
  for (const from of list(body.fromClause)) fromItem(from, inner, preds);
  preds.where(body.whereClause, inner);
  const targets = list(body.targetList)
    .map((t) => expr(unwrap(t)?.[1].val, inner))
    .sort();
  const group = list(body.groupClause)
    .map((g) => expr(g, inner))
    .sort();
  const having = conjuncts(body.havingClause)
    .map((h) => expr(h, inner))
    .sort();
  const order = list(body.sortClause).map((s) => {
    const b = unwrap(s)?.[1];
    return b ? `${expr(b.node, inner)} ${b.sortby_dir === 'SORTBY_DESC' ? 'desc' : 'asc'}` : '';
  });
  const distinct = body.distinctClause === undefined ? '' : 'distinct;';
  const limit = body.limitCount === undefined ? '' : ';limit';
  const offset = body.limitOffset === undefined ? '' : ';offset';
  const lock = body.lockingClause === undefined ? '' : `;lock ${generic(body.lockingClause, inner)}`;
  return `select(${distinct}${targets.join(',')};from[${[...inner.tables].sort().join(',')}];${preds.text()};group[${group.join(',')}];having[${having.join('&')}];order[${order.join(',')}]${limit}${offset}${lock})`;
}

/** The name parts of a column reference (`['u', 'name']`), or null when it is none. */
function columnParts(v: unknown): string[] | null {
  const u = unwrap(v);
  if (u?.[0] !== 'ColumnRef') return null;
  return list(u[1].fields).map((f) => (unwrap(f)?.[0] === 'A_Star' ? '*' : sval(f)));
}

const COMMUTATIVE = new Set(['=', '<>', '!=', '+', '*']);
const MIRROR: Record<string, string> = { '>': '<', '>=': '<=' };

function commute(op: string, l: string, r: string): string {
  if (MIRROR[op]) return `${r}${MIRROR[op]}${l}`;
  if (COMMUTATIVE.has(op) && r < l) return `${r}${op}${l}`;
  return `${l}${op}${r}`;
}

function expr(v: unknown, scope: Scope): string {
  const u = unwrap(v);
  if (!u) return generic(v, scope);
  const [type, b] = u;
  switch (type) {
    case 'ColumnRef': {
      const parts = columnParts(v)!;
      const name = parts[parts.length - 1]!;
      if (parts.length >= 2)
        return `${scope.resolve(parts[parts.length - 2]!) ?? parts.slice(0, -1).join('.')}.${name}`;
      // An unqualified column belongs to the query's only table, when it has one.
      return scope.tables.length === 1 ? `${scope.tables[0]}.${name}` : name;
    }
    case 'A_Const':
      return b.isnull ? 'null' : '?';
    case 'ParamRef':
      return '?';
    case 'TypeCast':
      return expr(b.arg, scope);
    case 'A_Expr': {
      const op = list(b.name).map(sval).join('.');
      const l = b.lexpr === undefined ? '' : expr(b.lexpr, scope);
      if (b.kind === 'AEXPR_IN') return `${l} ${op === '<>' ? 'not in' : 'in'} (?)`;
      if (b.kind === 'AEXPR_OP' && b.lexpr !== undefined) return commute(op, l, expr(b.rexpr, scope));
      return `${String(b.kind)}:${op}(${l},${expr(b.rexpr, scope)})`;
    }
    case 'BoolExpr': {
      const args = list(b.args).map((a) => expr(a, scope));
      if (b.boolop === 'NOT_EXPR') return `not(${args.join(',')})`;
      return `${b.boolop === 'OR_EXPR' ? 'or' : 'and'}(${args.sort().join(',')})`;
    }
    case 'NullTest':
      return `${expr(b.arg, scope)} ${b.nulltesttype === 'IS_NULL' ? 'is null' : 'is not null'}`;
    case 'FuncCall': {
      const name = list(b.funcname).map(sval).join('.').toLowerCase();
      const args = list(b.args).map((a) => expr(a, scope));
      // `count(1)` counts rows as `count(*)` does.
      const star = b.agg_star === true || (name === 'count' && args.length === 1 && args[0] === '?');
      const distinct = b.agg_distinct ? 'distinct ' : '';
      return `${name}(${distinct}${star ? '*' : args.join(',')})`;
    }
    case 'SubLink':
      return `sub:${String(b.subLinkType)}(${b.testexpr === undefined ? '' : expr(b.testexpr, scope)};${statement(b.subselect, new Scope(scope))})`;
    case 'ResTarget':
      return expr(b.val, scope);
    default:
      return generic(v, scope);
  }
}

/** Any other node: its type and fields in key order, locations and literals left out. */
function generic(v: unknown, scope: Scope): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return `[${v.map((x) => expr(x, scope)).join(',')}]`;
  if (!isNode(v)) return String(v);
  const u = unwrap(v);
  if (u && /^[A-Z]/.test(u[0])) {
    const [type, body] = u;
    if (type === 'A_Const' || type === 'ParamRef' || type === 'ColumnRef') return expr(v, scope);
    const fields = Object.keys(body)
      .filter((k) => k !== 'location')
      .sort()
      .map((k) => `${k}=${generic(body[k], scope)}`);
    return `${type}(${fields.join(',')})`;
  }
  return `{${Object.keys(v)
    .filter((k) => k !== 'location')
    .sort()
    .map((k) => `${k}=${generic(v[k], scope)}`)
    .join(',')}}`;
}
