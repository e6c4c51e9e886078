#!/usr/bin/env node
// What showing a statement shape once costs a search: a query log where a few shapes run
// thousands of times (as under pgbench or a busy app) beside many shapes run a few times, searched
// with the sql engine's collapse (the default) and with `every: true`, interleaved (A B A B …) so
// that the machine's load hits both alike, through the in-process search service the daemon uses.
// Also counts the distinct shapes in each top 10, and how often collapse needed a second round.
//
//   node bench/sql/collapse-cost.mjs [--busy 20000] [--rounds 3]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

register('../store/ts-loader.mjs', import.meta.url);
const { values: args } = parseArgs({
  options: { busy: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } },
});
const { resolveConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { App } = await import('../../src/app.js');

const BUSY = [
  (i) => `UPDATE accounts SET balance = balance + ${i % 997} WHERE id = ${i};`,
  (i) => `SELECT balance FROM accounts WHERE id = ${i};`,
  (i) => `INSERT INTO history (account_id, delta, at) VALUES (${i}, ${i % 13}, now());`,
  (i) => `UPDATE tellers SET balance = balance + ${i % 31} WHERE id = ${i % 50};`,
];
const TABLES = [
  'orders',
  'customers',
  'invoices',
  'shipments',
  'products',
  'refunds',
  'sessions',
  'audit_log',
];
const RARE = TABLES.flatMap((t, j) => [
  `SELECT count(*) FROM ${t} WHERE created_at > now() - interval '${j + 1} day';`,
  `DELETE FROM ${t} WHERE archived = true AND id < ${j * 100};`,
  `UPDATE ${t} SET updated_at = now() WHERE id = ${j};`,
  `SELECT t.*, c.name FROM ${t} t JOIN customers c ON c.id = t.customer_id ORDER BY t.id DESC LIMIT ${j + 5};`,
]);
const busy = Number(args.busy);
const lines = [];
for (let i = 0; i < busy; i++) lines.push(BUSY[i % BUSY.length](i));
for (let r = 0; r < 3; r++) lines.push(...RARE);

const dir = mkdtempSync(join(tmpdir(), 'ragctl-collapse-'));
const logs = join(dir, 'logs');
mkdirSync(logs);
writeFileSync(join(logs, 'workload.sql'), `${lines.join('\n')}\n`);
const config = resolveConfig(
  {
    dataDir: join(dir, 'data'),
    log: { level: 'warn' },
    embedders: {
      default: { type: 'onnx', model: 'sentence-transformers/all-MiniLM-L6-v2', precision: 'fp32' },
    },
    engines: { sql: { chunker: 'sql', mapper: 'sql' } },
    sources: [{ path: logs, engine: 'sql', include: ['*.sql'] }],
  },
  join(dir, 'config.yaml'),
  {},
);
const QUERIES = [
  'update account balance',
  'orders of the last day',
  'delete archived rows',
  'join customers with their invoices',
  'insert into history',
  'count sessions',
  'refunds updated recently',
  'which queries read products',
];
const app = await App.open(config, { logger: createLogger({ level: 'warn', pretty: false }) });
const ms = { collapsed: [], every: [] };
const distinct = { collapsed: [], every: [] };
try {
  const t0 = performance.now();
  const summary = await app.indexer.reconcile();
  // As the daemon leaves a table after its writes: every row in the indexes.
  await app.store.optimize();
  console.log(
    `${lines.length} statements (${busy} runs of ${BUSY.length} busy shapes, ${RARE.length} rare shapes × 3) indexed in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${summary.chunksEmbedded} embedded`,
  );
  for (const q of QUERIES) await app.search.search({ query: q, mode: 'hybrid' });
  for (let r = 0; r < Number(args.rounds); r++) {
    for (const q of QUERIES) {
      for (const kind of r % 2 ? ['every', 'collapsed'] : ['collapsed', 'every']) {
        const started = performance.now();
        const result = await app.search.search({ query: q, mode: 'hybrid', every: kind === 'every' });
        ms[kind].push(performance.now() - started);
        distinct[kind].push(new Set(result.results.map((h) => h.metadata.fingerprint)).size);
      }
    }
  }
} finally {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const avg = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const kind of ['collapsed', 'every'])
  console.log(
    `${kind.padEnd(9)} n ${ms[kind].length}  p50 ${pct(ms[kind], 0.5).toFixed(1)} ms  p90 ${pct(ms[kind], 0.9).toFixed(1)} ms  distinct shapes in the top 10: mean ${avg(distinct[kind]).toFixed(1)}, min ${Math.min(...distinct[kind])}`,
  );
