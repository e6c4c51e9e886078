#!/usr/bin/env node
// Clusters on a labelled workload: pairwise precision / recall / F1 of `ragctl sql clusters`
// next to a literal-stripping fingerprint baseline, pgbadger (PostgreSQL log) and
// pt-query-digest (MariaDB slow log), all over the same logs.
//
//   npm run build && node bench/sql/clusters.mjs [--runs 20] [--thresholds 1,0.99,0.97,0.95,0.9]
//
// Families: test/fixtures/sql/clusters.json (structural variants: anti-/semi-join forms, JOIN ON
// vs WHERE joins, reordered conjuncts, aliases; `tuned` and `heldout`) and
// test/fixtures/sql/families.json (literal/layout variants, counted as tuned). Every spelling is
// logged `--runs` times with other literals. A pair of statements is "true" when they belong to
// one family. pgbadger and pt-query-digest run when installed (Debian: pgbadger, percona-toolkit).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const REPO = resolve(import.meta.dirname, '..', '..');
const { SqlAnalyzer } = await import(join(REPO, 'dist/engines/sql/analyze.js'));
const { readAll } = await import(join(REPO, 'dist/engines/sql/lines.js'));
const { createReader } = await import(join(REPO, 'dist/engines/sql/readers.js'));
const { lexicalShape } = await import(join(REPO, 'dist/engines/sql/lexical.js'));
const { FingerprintGroup, mergeFingerprints } = await import(join(REPO, 'dist/engines/sql/clusters.js'));
const { MlxEmbedder } = await import(join(REPO, 'dist/embed/mlx-embedder.js'));

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    thresholds: { type: 'string', default: '1,0.99,0.97,0.95,0.9' },
    model: { type: 'string', default: 'sentence-transformers/all-MiniLM-L6-v2' },
  },
});
const RUNS = Number(args.runs);
const THRESHOLDS = args.thresholds.split(',').map(Number);
const PREFIX = '%m [%p] %q%u@%d ';

const load = (name) => JSON.parse(readFileSync(join(REPO, 'test/fixtures/sql', name), 'utf8'));
const families = [
  ...load('clusters.json').families,
  ...load('families.json').families.map((f) => ({ ...f, split: 'tuned' })),
];

/** Other literals for run `i`: numbers shift, IN lists change length, strings change. */
function vary(sql, i) {
  if (i === 0) return sql;
  return sql
    .replace(/\b\d+\b/g, (n) => String(Number(n) + i))
    .replace(
      /IN \((\d[^)]*)\)/gi,
      () => `IN (${Array.from({ length: 1 + (i % 5) }, (_, k) => i + k).join(', ')})`,
    )
    .replace(/'[^']*'/g, (s) => `'${s.slice(1, -1)}${i}'`);
}
const key = (sql) => sql.replace(/;\s*$/, '').replace(/\s+/g, ' ').trim();

// The workload: statement text (as logged) → family, and the logs.
const statements = [];
for (const f of families)
  for (const s of f.spellings)
    for (let i = 0; i < RUNS; i++) statements.push({ family: f.name, split: f.split, sql: vary(s, i) });
const familyOfText = new Map(statements.map((s) => [key(s.sql), s.family]));
const familyOfMysql = new Map(statements.map((s) => [key(s.sql.replaceAll('"', '`')), s.family]));

function pgLog() {
  const out = [];
  statements.forEach((s, n) => {
    const t = new Date(Date.UTC(2026, 11, 4, 18, 0, 0) + n * 1000)
      .toISOString()
      .replace('T', ' ')
      .replace('Z', '');
    const [first, ...rest] = s.sql.split('\n');
    // A distinct duration per entry: pgbadger keys its samples by duration.
    out.push(
      `${t} UTC [${1000 + (n % 17)}] shop@shopdb LOG:  duration: ${(1 + n / 1000).toFixed(3)} ms  statement: ${first}${rest.length ? '' : ';'}`,
    );
    rest.forEach((r, i) => {
      out.push(`\t${r}${i === rest.length - 1 ? ';' : ''}`);
    });
  });
  return `${out.join('\n')}\n`;
}

function slowLog() {
  const out = [];
  statements.forEach((s, n) => {
    out.push('# User@Host: app[app] @ localhost []', `# Thread_id: ${n % 13}  Schema: shop  QC_hit: No`);
    out.push(
      `# Query_time: ${(0.001 + n / 1e6).toFixed(6)}  Lock_time: 0.000010  Rows_sent: 1  Rows_examined: 1`,
    );
    out.push(`SET timestamp=${1796400000 + n};`, `${s.sql.replaceAll('"', '`')};`);
  });
  return `${out.join('\n')}\n`;
}

/** Pairwise precision / recall / F1 of `groups` (arrays of family names) against the families. */
function pairwise(groups, keep = () => true) {
  const c2 = (n) => (n * (n - 1)) / 2;
  let predicted = 0;
  let tp = 0;
  const perFamily = new Map();
  for (const g of groups) {
    const members = g.filter(keep);
    predicted += c2(members.length);
    const counts = new Map();
    for (const f of members) counts.set(f, (counts.get(f) ?? 0) + 1);
    for (const [f, n] of counts) {
      tp += c2(n);
      perFamily.set(f, (perFamily.get(f) ?? 0) + n);
    }
  }
  let truth = 0;
  for (const n of perFamily.values()) truth += c2(n);
  const precision = predicted ? tp / predicted : 1;
  const recall = truth ? tp / truth : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision: +precision.toFixed(3), recall: +recall.toFixed(3), f1: +f1.toFixed(3) };
}

const splitOf = new Map(families.map((f) => [f.name, f.split]));
const multi = new Set(families.filter((f) => f.spellings.length > 1).map((f) => f.name));
/** How many families with several spellings end in one group, and how many extra groups the rest take. */
function familyView(groups) {
  const groupsOf = new Map();
  groups.forEach((g, i) => {
    for (const f of new Set(g)) groupsOf.set(f, [...(groupsOf.get(f) ?? []), i]);
  });
  const whole = [...multi].filter((f) => groupsOf.get(f)?.length === 1);
  return { whole, groupsOf };
}
function report(name, groups) {
  const all = pairwise(groups);
  const tuned = pairwise(groups, (f) => splitOf.get(f) === 'tuned');
  const heldout = pairwise(groups, (f) => splitOf.get(f) === 'heldout');
  const { whole } = familyView(groups);
  return { name, groups: groups.length, all, tuned, heldout, familiesWhole: `${whole.length}/${multi.size}` };
}

const dir = mkdtempSync(join(tmpdir(), 'sql-clusters-bench-'));
const results = [];
const comparisons = [];
try {
  const pgText = pgLog();
  const myText = slowLog();
  writeFileSync(join(dir, 'postgresql.log'), pgText);
  writeFileSync(join(dir, 'slow.log'), myText);
  const analyzer = await SqlAnalyzer.create();
  const embedder = new MlxEmbedder({ model: args.model, batchTokens: 4096 });
  try {
    for (const [dialect, kind, text, familyOf] of [
      ['postgresql', 'pg-stderr', pgText, familyOfText],
      ['mysql', 'mysql-slow', myText, familyOfMysql],
    ]) {
      const entries = readAll(createReader(kind), text).map((e) => analyzer.analyzeEntry(e, dialect));
      const labelled = entries.filter((e) => e.fingerprint !== null);
      const famOf = (e) => {
        const f = familyOf.get(key(e.statement));
        if (!f) throw new Error(`statement not in the workload: ${e.statement}`);
        return f;
      };
      if (labelled.length !== statements.length)
        throw new Error(`${dialect}: read ${labelled.length} of ${statements.length}`);
      // Baseline: a literal-stripping fingerprint (pt-query-digest's idea, on our lexer).
      const byShape = new Map();
      for (const e of labelled) {
        const k = lexicalShape(e.statement, dialect);
        byShape.set(k, [...(byShape.get(k) ?? []), famOf(e)]);
      }
      results.push({ dialect, ...report('literal-stripping fingerprint (baseline)', [...byShape.values()]) });
      // Ours: fingerprints, then merged; each distinct normalised text embedded once.
      const distinct = [...new Set(labelled.map((e) => e.normalized))];
      const t0 = performance.now();
      const flat = await embedder.embed(distinct);
      const embedS = (performance.now() - t0) / 1000;
      const dim = flat.length / distinct.length;
      const vectorOf = new Map(distinct.map((n, i) => [n, flat.slice(i * dim, (i + 1) * dim)]));
      const byFp = new Map();
      for (const e of labelled) byFp.set(e.fingerprint, [...(byFp.get(e.fingerprint) ?? []), famOf(e)]);
      results.push({ dialect, ...report('fingerprint only (step 1)', [...byFp.values()]) });
      for (const threshold of THRESHOLDS) {
        const groups = new Map();
        const familiesOfFp = new Map();
        labelled.forEach((e, n) => {
          const row = {
            fingerprint: e.fingerprint,
            normalized: e.normalized,
            dialect,
            statementType: e.statementType,
            tables: e.tables,
            durationMs: e.durationMs,
            at: e.at,
            path: 'log',
            startLine: e.startLine,
            endLine: e.endLine,
            text: String(n),
            vector: vectorOf.get(e.normalized),
          };
          let g = groups.get(e.fingerprint);
          if (!g) {
            g = new FingerprintGroup(row, 1);
            groups.set(e.fingerprint, g);
          }
          g.add(row);
          familiesOfFp.set(e.fingerprint, [...(familiesOfFp.get(e.fingerprint) ?? []), famOf(e)]);
        });
        const t1 = performance.now();
        const clusters = mergeFingerprints([...groups.values()], threshold, 1);
        const mergeMs = performance.now() - t1;
        const clusterGroups = clusters.map((c) => c.fingerprints.flatMap((fp) => familiesOfFp.get(fp)));
        results.push({
          dialect,
          ...report(`ragctl sql clusters, threshold ${threshold}`, clusterGroups),
          mergeMs: Math.round(mergeMs),
          embedded: distinct.length,
          embedS: +embedS.toFixed(2),
        });
        if (threshold === 1) comparisons.push({ dialect, ours: clusterGroups });
      }
    }
  } finally {
    await embedder.close();
  }

  // pgbadger over the PostgreSQL log: its normalised queries are its groups.
  if (spawnSync('pgbadger', ['--version']).status === 0) {
    const out = join(dir, 'pgbadger.json');
    const t0 = performance.now();
    execFileSync('pgbadger', [
      '-q',
      '--prefix',
      PREFIX,
      '-f',
      'stderr',
      '-t',
      '100000',
      '-x',
      'json',
      '-o',
      out,
      join(dir, 'postgresql.log'),
    ]);
    const seconds = (performance.now() - t0) / 1000;
    const info = JSON.parse(readFileSync(out, 'utf8')).normalyzed_info;
    const groups = [];
    for (const db of Object.values(info)) {
      for (const q of Object.values(db)) {
        const sample = Object.values(q.samples ?? {})[0];
        const f = sample && familyOfText.get(key(sample.query));
        if (!f) throw new Error(`pgbadger group without a known sample: ${JSON.stringify(sample)}`);
        groups.push(Array(q.count).fill(f));
      }
    }
    results.push({
      dialect: 'postgresql',
      ...report('pgbadger 12 (normalised queries)', groups),
      seconds: +seconds.toFixed(2),
    });
    comparisons.push({ dialect: 'postgresql', tool: 'pgbadger', theirs: groups });
  } else console.error('pgbadger not installed: skipped');

  // pt-query-digest over the MariaDB slow log: its classes are its groups.
  if (spawnSync('pt-query-digest', ['--version']).status === 0) {
    const t0 = performance.now();
    const json = execFileSync(
      'pt-query-digest',
      ['--output', 'json', '--limit', '100%', join(dir, 'slow.log')],
      { maxBuffer: 256 << 20 },
    );
    const seconds = (performance.now() - t0) / 1000;
    const groups = JSON.parse(json).classes.map((c) => {
      const f = familyOfMysql.get(key(c.example.query));
      if (!f) throw new Error(`pt-query-digest class without a known example: ${c.example.query}`);
      return Array(c.query_count).fill(f);
    });
    results.push({
      dialect: 'mysql',
      ...report('pt-query-digest (classes)', groups),
      seconds: +seconds.toFixed(2),
    });
    comparisons.push({ dialect: 'mysql', tool: 'pt-query-digest', theirs: groups });
  } else console.error('pt-query-digest not installed: skipped');
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  JSON.stringify({
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    node: process.version,
    OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? null,
    families: families.length,
    multiSpelling: multi.size,
    heldout: families.filter((f) => f.split === 'heldout').length,
    statementsPerLog: statements.length,
    runs: RUNS,
  }),
);
for (const r of results) console.log(JSON.stringify(r));

// Agreement of exact groups, and the variants we merge that the tool keeps apart.
for (const c of comparisons.filter((x) => x.tool)) {
  const ours = comparisons.find((x) => x.dialect === c.dialect && x.ours).ours;
  const canon = (groups) => new Set(groups.map((g) => JSON.stringify([...new Set(g)].sort()) + g.length));
  const a = canon(ours);
  const b = canon(c.theirs);
  const same = [...a].filter((x) => b.has(x)).length;
  const mine = familyView(ours).groupsOf;
  const theirs = familyView(c.theirs).groupsOf;
  const mergedByUs = [...multi].filter((f) => mine.get(f)?.length === 1 && (theirs.get(f)?.length ?? 0) > 1);
  const extraGroups = [...multi].reduce(
    (n, f) => n + Math.max(0, (theirs.get(f)?.length ?? 0) - (mine.get(f)?.length ?? 0)),
    0,
  );
  const splitByUs = [...multi].filter((f) => (mine.get(f)?.length ?? 0) > (theirs.get(f)?.length ?? 0));
  console.log(
    JSON.stringify({
      comparison: `${c.tool} vs ragctl (threshold 1), ${c.dialect}`,
      identicalGroups: same,
      oursGroups: a.size,
      theirGroups: b.size,
      familiesWeMergeTheyKeepApart: mergedByUs.length,
      variantGroupsWeFold: extraGroups,
      familiesWeSplitMoreThanThey: splitByUs,
      mergedExamples: mergedByUs.slice(0, 8),
    }),
  );
}
