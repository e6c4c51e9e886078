/**
 * What the PostgreSQL parse tree (libpg-query's JSON) says about a statement: its type and
 * the tables it touches. The tree is walked generically: every `RangeVar` (or target `relation`) is a table, every
 * CTE name a table that is not one.
 */

export interface PgFacts {
  statementType: string | null;
  tables: string[];
}

interface RawStmt {
  stmt?: Record<string, unknown>;
}

export function pgFacts(tree: unknown): PgFacts {
  const stmts = ((tree as { stmts?: RawStmt[] }).stmts ?? []).map((s) => s.stmt ?? {});
  const first = stmts[0];
  const tables = new Set<string>();
  const ctes = new Set<string>();
  walk(stmts, tables, ctes);
  for (const cte of ctes) tables.delete(cte);
  return { statementType: first ? typeOf(first) : null, tables: [...tables].sort() };
}

function typeOf(stmt: Record<string, unknown>): string {
  const [node, body] = Object.entries(stmt)[0] ?? ['Unknown', {}];
  const b = (body ?? {}) as Record<string, unknown>;
  if (node === 'TransactionStmt' && typeof b.kind === 'string') {
    return b.kind
      .replace(/^TRANS_STMT_/, '')
      .toLowerCase()
      .replaceAll('_', ' ');
  }
  if (node === 'CreateStmt') return 'create table';
  if (node === 'VariableSetStmt') return 'set';
  if (node === 'VariableShowStmt') return 'show';
  if (node === 'CopyStmt') return 'copy';
  if (node === 'ExplainStmt') return 'explain';
  return node
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

/** Depth-first over plain JSON; a parse tree is a few hundred nodes, so recursion is safe. */
function walk(node: unknown, tables: Set<string>, ctes: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, tables, ctes);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    // INSERT/UPDATE/DELETE/COPY name their target as a bare `relation`, not a `RangeVar` node.
    if ((key === 'RangeVar' || key === 'relation') && value && typeof value === 'object') {
      const rv = value as { schemaname?: string; relname?: string };
      if (rv.relname) tables.add(rv.schemaname ? `${rv.schemaname}.${rv.relname}` : rv.relname);
    } else if (key === 'CommonTableExpr' && value && typeof value === 'object') {
      const name = (value as { ctename?: string }).ctename;
      if (name) ctes.add(name);
    }
    walk(value, tables, ctes);
  }
}
