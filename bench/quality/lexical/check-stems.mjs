#!/usr/bin/env node
// Checks that lexical-features.ts makes terms as LanceDB's full-text index does: every distinct
// word of the held-out corpora goes into a LanceDB table with the store's FTS_OPTIONS, and for
// each group of words that english-stem.ts gives one stem, a full-text query for one of them
// must find exactly that group (the index stems the query too, so two words match each other
// exactly when their index terms are equal). A script, not a test: it reads the corpora.
//
//   node bench/quality/lexical/check-stems.mjs [--corpora git-man,py-lib,py-howto] [--show 20]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect, Index, MatchQuery } from '@lancedb/lancedb';

register('../../store/ts-loader.mjs', import.meta.url);
const { indexTerms } = await import('./lexical-features.js');
const { FTS_OPTIONS } = await import('../../../src/store/tuning.js');

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const { values: args } = parseArgs({
  options: {
    corpora: { type: 'string', default: 'git-man,py-lib,py-howto' },
    show: { type: 'string', default: '20' },
  },
});

const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
const words = new Set();
for (const c of args.corpora.split(','))
  for (const f of files(join(repo, 'bench/data/quality', c, 'corpus')))
    for (const [w] of readFileSync(f, 'utf8').matchAll(/[\p{L}\p{N}]+/gu)) words.add(w.toLowerCase());
const vocabulary = [...words];
// A word the index leaves out (40 bytes or more) has no term: its group must find nothing.
const stemOf = new Map(vocabulary.map((w) => [w, indexTerms(w)[0] ?? `(none) ${w}`]));
const groups = new Map();
for (const w of vocabulary) groups.set(stemOf.get(w), [...(groups.get(stemOf.get(w)) ?? []), w]);

const dir = mkdtempSync(join(tmpdir(), 'ragctl-stems-'));
try {
  const db = await connect(dir);
  const table = await db.createTable(
    'words',
    vocabulary.map((text, id) => ({ id, text })),
  );
  await table.createIndex('text', { config: Index.fts({ ...FTS_OPTIONS }) });
  const differ = [];
  for (const [stem, group] of groups) {
    const rows = await table
      .query()
      .fullTextSearch(new MatchQuery(group[0], 'text'))
      .select(['id', '_score'])
      .limit(vocabulary.length)
      .toArray();
    const found = new Set(rows.map((r) => vocabulary[r.id]));
    if (stem.startsWith('(none)')) {
      if (found.size) differ.push({ stem, ours: [], index: [...found] });
      continue;
    }
    if (found.size !== group.length || group.some((w) => !found.has(w)))
      differ.push({ stem, ours: group, index: [...found] });
  }
  const wordsAffected = differ.reduce((s, d) => s + new Set([...d.ours, ...d.index]).size, 0);
  console.log(
    `${vocabulary.length} words, ${groups.size} stems: ${differ.length} groups differ from the index's (${wordsAffected} words)`,
  );
  for (const d of differ.slice(0, Number(args.show)))
    console.log(`  ${d.stem}: ours ${d.ours.slice(0, 8).join(' ')} · index ${d.index.slice(0, 8).join(' ')}`);
  process.exitCode = differ.length ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
