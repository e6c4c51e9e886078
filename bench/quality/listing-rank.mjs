#!/usr/bin/env node
// Listings (an index, a table of contents) ranked down in hybrid search: how often one sits in
// the first three hits, and where the page that answers lands, at each factor side by side on one
// index. The corpus is HTML documentation as Debian installs it, each set with its own
// back-of-book or general index:
//
//   apt-get install postgresql-doc-15 python3.11-doc     # once
//   npm run build && node bench/quality/listing-rank.mjs [--factors 1,0.5,0.3]
//
// Questions (listing/questions.jsonl) name the file that answers; `also` names others that do.
// Factor 1 is the ranking before listings were marked (the changelog rule stays as shipped).
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    factors: { type: 'string', default: '1,0.5,0.3' },
    data: { type: 'string', default: join(repo, 'bench/data/listing') },
  },
});

const PG = '/usr/share/doc/postgresql-doc-15/html';
const PY = '/usr/share/doc/python3.11/html';
const PAGES = {
  pg: [
    'bookindex.html',
    'index.html',
    'sql-commands.html',
    'functions.html',
    'routine-vacuuming.html',
    'runtime-config-resource.html',
    'runtime-config-client.html',
    'datatype-json.html',
    'indexes-types.html',
    'sql-createtable.html',
    'app-pgdump.html',
    'queries-with.html',
    'tutorial-window.html',
    'functions-window.html',
    'functions-string.html',
    'explicit-locking.html',
    'hot-standby.html',
    'logical-replication.html',
    'monitoring-stats.html',
    'using-explain.html',
    'indexes-partial.html',
    'sql-vacuum.html',
    'runtime-config-wal.html',
    'auth-pg-hba-conf.html',
    'sql-notify.html',
    'sql-listen.html',
    'sql-savepoint.html',
    'functions-sequence.html',
    'functions-admin.html',
    'manage-ag-tablespaces.html',
  ],
  py: [
    'genindex-all.html',
    'contents.html',
    'py-modindex.html',
    'library/index.html',
    'library/functools.html',
    'library/itertools.html',
    'library/collections.html',
    'library/pathlib.html',
    'library/subprocess.html',
    'library/json.html',
    'library/re.html',
    'library/datetime.html',
    'library/asyncio-task.html',
    'library/logging.html',
    'library/argparse.html',
    'library/os.html',
  ],
};

const corpus = join(args.data, 'corpus');
if (!existsSync(corpus)) {
  for (const [set, from] of [
    ['pg', PG],
    ['py', PY],
  ])
    for (const page of PAGES[set]) {
      const src = join(from, page);
      if (!existsSync(src))
        throw new Error(`${src} is missing: apt-get install postgresql-doc-15 python3.11-doc`);
      mkdirSync(dirname(join(corpus, set, page)), { recursive: true });
      cpSync(src, join(corpus, set, page));
    }
}
const configPath = join(args.data, 'config.yaml');
writeFileSync(
  configPath,
  [
    'dataDir: ./index',
    'log:\n  level: warn',
    'embedders:\n  default:\n    type: onnx\n    model: sentence-transformers/all-MiniLM-L6-v2\n    precision: fp32',
    'sources:\n  - path: ./corpus',
    '',
  ].join('\n'),
);

const { loadConfig } = await import('../../dist/config/load.js');
const { createLogger } = await import('../../dist/log.js');
const { App } = await import('../../dist/app.js');
const { optimizeIfWorthIt } = await import('../../dist/cli/optimize.js');
const { documentMapper } = await import('../../dist/engines/document-mapper.js');

const config = loadConfig({ configPath });
const logger = createLogger({ level: 'warn', pretty: false });
{
  const app = await App.open(config, { logger });
  const summary = await app.indexer.reconcile({});
  await optimizeIfWorthIt(app);
  console.error(`indexed ${summary.filesSeen} files, ${summary.chunksEmbedded} chunks embedded`);
  await app.close();
}

const questions = readFileSync(join(here, 'listing/questions.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const shipped = documentMapper.hybridRankDown;
const listingRule = shipped.find((r) => r.rows);
const rows = [];
for (const factor of args.factors.split(',').map(Number)) {
  documentMapper.hybridRankDown = shipped.map((r) => (r === listingRule ? { ...r, factor } : r));
  // The mapper is read when the app opens.
  const app = await App.open(config, { logger, readConsistencyS: 0 });
  let rr = 0;
  let top1 = 0;
  let listed3 = 0;
  let listed1 = 0;
  const ranks = [];
  for (const q of questions) {
    const res = await app.search.search({ query: q.q, mode: 'hybrid', k: 10 });
    const files = res.results.map((h) => relative(corpus, h.path));
    const answers = new Set([q.file, ...(q.also ?? [])]);
    const at = files.findIndex((f) => answers.has(f));
    ranks.push(at < 0 ? '-' : at + 1);
    if (at >= 0) rr += 1 / (at + 1);
    if (at === 0) top1++;
    const listings = res.results.slice(0, 3).filter((h) => h.metadata?.listing === true).length;
    if (listings > 0) listed3++;
    if (res.results[0]?.metadata?.listing === true) listed1++;
  }
  await app.close();
  rows.push({ factor, mrr: rr / questions.length, top1, listed1, listed3, ranks: ranks.join(' ') });
}
console.log(
  `${questions.length} questions; the answering file's rank (file level), and listings among the first hits\n`,
);
console.log('| listing factor | MRR@10 | answer first | a listing first | a listing in the top 3 |');
console.log('|---:|---:|---:|---:|---:|');
for (const r of rows)
  console.log(`| ${r.factor} | ${r.mrr.toFixed(3)} | ${r.top1} | ${r.listed1} | ${r.listed3} |`);
console.log('');
for (const r of rows) console.log(`factor ${r.factor}: ranks ${r.ranks}`);
