#!/usr/bin/env node
// SQL engine throughput: read + parse + normalise + fingerprint, no embedding.
//
//   npm run build && node bench/sql/parse.mjs [--statements 100000]
//
// Builds a PostgreSQL stderr log (pgbench-style extended-protocol executes with parameters,
// interleaved by backend, plus the query families of test/fixtures/sql/families.json with
// varied literals and IN-list lengths) and a MariaDB slow log from the same families, then
// times the readers and the analyzer over them. A third pass gives every statement its own
// shape (a distinct column alias) so the analyzer's shape cache never hits: the parsers' raw speed.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { SqlAnalyzer } from '../../dist/engines/sql/analyze.js';
import { readAll } from '../../dist/engines/sql/lines.js';
import { createReader } from '../../dist/engines/sql/readers.js';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--statements') + 1] || 100_000) || 100_000;
const UNIQUE = Math.min(N, 20_000);
const families = JSON.parse(
  readFileSync(new URL('../../test/fixtures/sql/families.json', import.meta.url), 'utf8'),
);
const spellings = families.families.flatMap((f) => f.spellings);

/** Varies the literals of a spelling: numbers shift, IN lists change length, strings change. */
function vary(sql, i) {
  return sql
    .replace(/\b\d+\b/g, (n) => String(Number(n) + (i % 997)))
    .replace(
      /IN \(([^)]*)\)/gi,
      () => `IN (${Array.from({ length: 1 + (i % 6) }, (_, k) => i + k).join(', ')})`,
    )
    .replace(/'[^']*'/g, `'v${i % 1013}'`);
}

function pgLog(count, unique) {
  const lines = [];
  for (let i = 0; i < count; i++) {
    const pid = 1000 + (i % 17);
    const t = `2024-03-01 10:00:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')} UTC [${pid}] app@shop`;
    if (i % 2 === 0 && !unique) {
      lines.push(
        `${t} LOG:  duration: 0.012 ms  bind P_2: SELECT abalance FROM pgbench_accounts WHERE aid = $1;`,
      );
      lines.push(`${t} DETAIL:  parameters: $1 = '${i}'`);
      lines.push(
        `${t} LOG:  duration: 0.034 ms  execute P_2: SELECT abalance FROM pgbench_accounts WHERE aid = $1;`,
      );
      lines.push(`${t} DETAIL:  parameters: $1 = '${i}'`);
    } else {
      let sql = vary(spellings[i % spellings.length], i);
      if (unique) sql = sql.replace(/^(\s*(?:\/\*.*?\*\/\s*)?select\s+)/i, `$1${i} AS c${i}, `);
      const [first, ...rest] = sql.split('\n');
      lines.push(`${t} LOG:  duration: 0.${(i % 900) + 100} ms  statement: ${first}`);
      for (const r of rest) lines.push(`\t${r}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function slowLog(count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const sql = vary(spellings[i % spellings.length], i).replaceAll('"', '`');
    out.push('# User@Host: app[app] @ localhost []', `# Thread_id: ${i % 13}  Schema: shop  QC_hit: No`);
    out.push(`# Query_time: 0.000${(i % 900) + 100}  Lock_time: 0.000010  Rows_sent: 1  Rows_examined: 1`);
    out.push(`SET timestamp=${1709287200 + i};`, `${sql};`);
  }
  return `${out.join('\n')}\n`;
}

async function measure(name, kind, text) {
  const analyzer = await SqlAnalyzer.create();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const entries = readAll(createReader(kind), text);
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  let statements = 0;
  const status = {};
  for (const e of entries) {
    const a = analyzer.analyzeEntry(e, kind === 'mysql-slow' ? 'mysql' : 'postgresql');
    if (a.statement !== null) statements++;
    status[a.parseStatus] = (status[a.parseStatus] ?? 0) + 1;
  }
  const t2 = performance.now();
  const c2 = process.cpuUsage();
  const cpu = (a, b) => (b.user + b.system - a.user - a.system) / 1e6;
  const total = (t2 - t0) / 1000;
  const row = {
    name,
    statements,
    mb: +(text.length / 1e6).toFixed(1),
    readS: +((t1 - t0) / 1000).toFixed(2),
    analyzeS: +((t2 - t1) / 1000).toFixed(2),
    statementsPerS: Math.round(statements / total),
    // The machine is shared: CPU seconds say what the code costs whatever the load.
    readCpuS: +cpu(c0, c1).toFixed(2),
    analyzeCpuS: +cpu(c1, c2).toFixed(2),
    statementsPerCpuS: Math.round(statements / cpu(c0, c2)),
    status,
  };
  console.log(JSON.stringify(row));
  return row;
}

console.log(
  JSON.stringify({
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    node: process.version,
    OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? null,
    statements: N,
  }),
);
await measure('postgresql stderr, realistic (shape cache hits)', 'pg-stderr', pgLog(N, false));
await measure('mariadb slow log, realistic (shape cache hits)', 'mysql-slow', slowLog(N));
await measure(
  'postgresql stderr, every statement a new shape (no cache hits)',
  'pg-stderr',
  pgLog(UNIQUE, true),
);
