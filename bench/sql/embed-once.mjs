#!/usr/bin/env node
// Identical normalised statements are embedded once, counted through the real pipeline; and
// `ragctl sql clusters` timed over the index that produced.
//
//   npm run build && node bench/sql/embed-once.mjs [--statements 10000]
//
// Writes a PostgreSQL stderr log (pgbench-style prepared executes with parameters, and the
// labelled families of test/fixtures/sql/{families,clusters}.json with other literals each
// time), indexes it with `ragctl index --json` (the real model) and compares the chunks the
// pipeline embedded with the distinct normalised texts the analyzer finds in the log.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const REPO = resolve(import.meta.dirname, '..', '..');
const { SqlAnalyzer } = await import(join(REPO, 'dist/engines/sql/analyze.js'));
const { readAll } = await import(join(REPO, 'dist/engines/sql/lines.js'));
const { createReader } = await import(join(REPO, 'dist/engines/sql/readers.js'));

const { values: args } = parseArgs({ options: { statements: { type: 'string', default: '10000' } } });
const N = Number(args.statements);
const load = (name) => JSON.parse(readFileSync(join(REPO, 'test/fixtures/sql', name), 'utf8'));
const spellings = [...load('families.json').families, ...load('clusters.json').families].flatMap(
  (f) => f.spellings,
);

const lines = [];
for (let i = 0; i < N; i++) {
  const t = new Date(Date.UTC(2026, 11, 4, 18) + i * 10).toISOString().replace('T', ' ').replace('Z', '');
  const prefix = `${t} UTC [${1000 + (i % 17)}] app@shop`;
  if (i % 2 === 0) {
    lines.push(
      `${prefix} LOG:  duration: 0.0${(i % 90) + 10} ms  execute P_2: SELECT abalance FROM pgbench_accounts WHERE aid = $1`,
    );
    lines.push(`${prefix} DETAIL:  parameters: $1 = '${i}'`);
  } else {
    const sql = spellings[i % spellings.length].replace(/\b\d+\b/g, (n) => String(Number(n) + (i % 97)));
    const [first, ...rest] = sql.split('\n');
    lines.push(`${prefix} LOG:  duration: ${(i % 400) / 10 + 0.1} ms  statement: ${first}`);
    for (const r of rest) lines.push(`\t${r}`);
  }
}
const log = `${lines.join('\n')}\n`;

const analyzer = await SqlAnalyzer.create();
const entries = readAll(createReader('pg-stderr'), log).map((e) => analyzer.analyzeEntry(e, 'postgresql'));
const distinct = new Set(entries.map((e) => e.normalized ?? e.text)).size;

const dir = mkdtempSync(join(tmpdir(), 'sql-embed-once-'));
try {
  const src = join(dir, 'logs');
  mkdirSync(src);
  writeFileSync(join(src, 'postgresql.log'), log);
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      dataDir: join(dir, 'data'),
      log: { level: 'warn' },
      engines: { sql: { chunker: 'sql', mapper: 'sql' } },
      sources: [{ path: src, engine: 'sql', include: ['**/*.log'] }],
    }),
  );
  const ragctl = (...a) =>
    execFileSync(process.execPath, [join(REPO, 'bin/ragctl.js'), ...a, '--config', config], {
      maxBuffer: 256 << 20,
    }).toString();
  const t0 = performance.now();
  const index = JSON.parse(ragctl('index', '--json').trim().split('\n').pop());
  const indexS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const clusters = JSON.parse(ragctl('sql', 'clusters', '--json', '--top', '5'));
  const clustersS = (performance.now() - t1) / 1000;
  console.log(
    JSON.stringify({
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      node: process.version,
      OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? null,
      statements: entries.length,
      distinctNormalised: distinct,
      chunksEmbedded: index.chunksEmbedded,
      chunksReused: index.chunksReused,
      embeddedOnce: index.chunksEmbedded === distinct,
      indexSeconds: +indexS.toFixed(1),
      embedSeconds: index.embedSeconds,
      clustersCliSeconds: +clustersS.toFixed(2),
      clustersTookMs: clusters.took_ms,
      clustersTotal: clusters.clusters_total,
      clusteredStatements: clusters.statements,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
