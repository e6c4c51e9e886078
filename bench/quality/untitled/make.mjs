#!/usr/bin/env node
// A held-out corpus as a notes app keeps it: each file's H1 taken out and the file named after
// it instead (`faq/design.md` opening with "# Design and History FAQ" becomes
// `faq/Design and History FAQ.md` without that line), as Obsidian and Logseq store notes. Measures
// what a note's file name as its title (src/engines/markdown/chunker.ts `fileTitle`) gives back.
//
//   node bench/quality/untitled/make.mjs --corpus py-howto
//
// Writes bench/data/quality/<corpus>-untitled/: corpus/, corpus.manifest.json, questions.jsonl
// (each labelled section as explicit lines, moved up by the line taken out), config.yaml and
// config-before.yaml (the same, with an index folder of its own for a run of an older checkout).

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sectionLines } from '../sections.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const { values: args } = parseArgs({ options: { corpus: { type: 'string' } } });
if (!args.corpus) throw new Error('usage: make.mjs --corpus <name of a held-out corpus>');

const from = join(repo, 'bench/data/quality', args.corpus);
const out = join(repo, 'bench/data/quality', `${args.corpus}-untitled`);
const manifest = JSON.parse(readFileSync(`${from}/corpus.manifest.json`, 'utf8'));
rmSync(out, { recursive: true, force: true });

/** Characters a notes app does not allow in a file name (Obsidian's list). */
const fileName = (title) =>
  title
    .replace(/[\\/:*?"<>|#^[\]]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 120);

/** 0-based line of the file's first H1 outside code fences, or -1. */
function firstH1(lines) {
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*(```|~~~)/.test(lines[i])) fenced = !fenced;
    else if (!fenced && /^# \S/.test(lines[i])) return i;
  }
  return -1;
}

const moved = new Map(); // old relative path → { path, removed (1-based line taken out, or 0) }
const taken = new Set();
const fileList = [];
const hash = createHash('sha256');
for (const f of manifest.fileList) {
  const lines = readFileSync(join(from, 'corpus', f.path), 'utf8').split('\n');
  const h1 = firstH1(lines);
  let path = f.path;
  if (h1 >= 0) {
    const dir = dirname(f.path) === '.' ? '' : `${dirname(f.path)}/`;
    const base = fileName(lines[h1].slice(2)) || 'untitled';
    path = `${dir}${base}.md`;
    for (let n = 2; taken.has(path); n++) path = `${dir}${base} ${n}.md`;
    lines.splice(h1, 1);
  }
  taken.add(path);
  moved.set(f.path, { path, removed: h1 + 1 });
  const text = lines.join('\n');
  mkdirSync(dirname(join(out, 'corpus', path)), { recursive: true });
  writeFileSync(join(out, 'corpus', path), text);
  hash.update(`${path}\0${text}\0`);
  fileList.push({ path, source: f.source, bytes: Buffer.byteLength(text), sha256: '' });
}
writeFileSync(
  join(out, 'corpus.manifest.json'),
  `${JSON.stringify({ name: `${args.corpus}-untitled`, corpusSha256: hash.digest('hex'), files: fileList.length, fileList }, null, 1)}\n`,
);

const questions = readFileSync(join(repo, 'bench/quality/corpora', args.corpus, 'questions.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));
const shift = (line, removed) => (removed && line > removed ? line - 1 : line);
for (const q of questions) {
  q.relevant = q.relevant.map((r) => {
    const m = moved.get(r.path);
    if (!m) throw new Error(`${q.id}: ${r.path} is not in ${args.corpus}`);
    const sections = (r.sections ?? []).map((s) => {
      const [a, b] = sectionLines(join(from, 'corpus', r.path), s.heading, q.id);
      return { ...s, lines: [shift(a, m.removed), Math.max(shift(a, m.removed), shift(b, m.removed))] };
    });
    return { ...r, path: m.path, sections };
  });
}
writeFileSync(join(out, 'questions.jsonl'), `${questions.map((q) => JSON.stringify(q)).join('\n')}\n`);

const config = (index) => `# ${args.corpus} as untitled notes (bench/quality/untitled/make.mjs)
dataDir: ${join(repo, 'bench/data', index)}
log:
  level: warn
embedders:
  default:
    type: onnx
    model: sentence-transformers/all-MiniLM-L6-v2
    precision: fp32
engines:
  md:
    chunker: markdown
    mapper: document
    embedder: default
sources:
  - path: ${join(out, 'corpus')}
    engine: md
search:
  k: 10
  rrfK: 60
`;
writeFileSync(join(out, 'config.yaml'), config(`quality-index-${args.corpus}-untitled`));
writeFileSync(join(out, 'config-before.yaml'), config(`quality-index-${args.corpus}-untitled-before`));
const renamed = [...moved.values()].filter((m) => m.removed).length;
console.log(
  `${out}: ${fileList.length} files (${renamed} renamed after their H1), ${questions.length} questions`,
);
