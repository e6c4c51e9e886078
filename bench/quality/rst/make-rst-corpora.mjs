#!/usr/bin/env node
// The py-lib and py-howto held-out corpora as their reStructuredText sources (Sphinx's
// `_sources/<page>.rst.txt` in python3.11-doc, the pages the Markdown corpora were converted
// from), twice: named `.rst` (read under its section titles, markdown/titles.ts) and named `.txt`
// (the same bytes read as plain text, as every `.rst.txt` was before). The questions are the
// corpora's own; each labelled section becomes the line range of the rST title or Sphinx object
// description it names (found with the chunker's own rstTitles), and a question whose label
// matches none is left out of both variants alike.
//
//   node bench/quality/rst/make-rst-corpora.mjs      # after make-corpora.mjs
//   for c in py-lib-rst py-howto-rst; do for v in txt rst; do
//     node bench/quality/eval.mjs --config bench/data/quality/$c/config-$v.yaml \
//       --questions bench/data/quality/$c/questions-$v.jsonl --label $c-$v-2
//   done; done
//   node bench/quality/held-out-report.mjs --corpora py-lib-rst,py-howto-rst --before txt-2 --after rst-2
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

register('../../store/ts-loader.mjs', import.meta.url);
const { SourceText } = await import('../../../src/engines/markdown/source.js');
const { rstTitles } = await import('../../../src/engines/markdown/titles.js');

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const SOURCES = '/usr/share/doc/python3.11/html/_sources';

for (const name of ['py-lib', 'py-howto']) {
  const from = join(repo, 'bench/data/quality', name);
  const manifest = JSON.parse(readFileSync(join(from, 'corpus.manifest.json'), 'utf8'));
  const out = join(repo, 'bench/data/quality', `${name}-rst`);
  rmSync(out, { recursive: true, force: true });
  const titles = new Map();
  for (const variant of ['rst', 'txt']) {
    const corpus = join(out, `corpus-${variant}`);
    const fileList = [];
    for (const f of manifest.fileList) {
      const page = f.path.replace(/\.md$/, '');
      const src = join(SOURCES, `${page}.rst.txt`);
      const dest = join(corpus, `${page}.${variant}`);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(src, dest);
      const bytes = readFileSync(dest);
      fileList.push({ path: `${page}.${variant}`, source: src, bytes: bytes.length, sha256: sha256(bytes) });
      if (variant === 'rst') titles.set(f.path, rstTitles(new SourceText(bytes.toString('utf8')), 0));
    }
    const corpusSha256 = sha256(fileList.map((f) => `${f.path}\0${f.sha256}`).join('\n'));
    const files = fileList.length;
    const total = fileList.reduce((n, f) => n + f.bytes, 0);
    writeFileSync(
      `${corpus}.manifest.json`,
      `${JSON.stringify({ name: `${name}-rst`, corpusSha256, files, bytes: total, fileList }, null, 1)}\n`,
    );
    writeFileSync(
      join(out, `config-${variant}.yaml`),
      readFileSync(join(repo, 'bench/quality/corpora', name, 'config.yaml'), 'utf8')
        .replace(/^dataDir: .*$/m, `dataDir: ../../quality-index-${name}-rst-${variant}`)
        .replace(/^( {2}- path: ).*$/m, `$1corpus-${variant}`),
    );
  }
  // Questions: the labelled section's lines, from the rST title whose text is (or starts with) the label.
  const kept = [];
  const dropped = [];
  for (const line of readFileSync(join(repo, 'bench/quality/corpora', name, 'questions.jsonl'), 'utf8').split(
    '\n',
  )) {
    if (!line.trim()) continue;
    const q = JSON.parse(line);
    let ok = true;
    const relevant = q.relevant.map((r) => {
      const list = titles.get(r.path) ?? [];
      const sections = (r.sections ?? []).map((s) => {
        const at = [
          list.findIndex((t) => t.title === s.heading),
          list.findIndex((t) => t.title.startsWith(s.heading)),
        ].find((i) => i >= 0);
        if (at === undefined) {
          ok = false;
          return s;
        }
        const own = list[at];
        const next = list.slice(at + 1).find((t) => t.level <= own.level);
        // 1-based, inclusive, as sections.mjs gives them: the title's first line to the line before the next.
        return { heading: s.heading, lines: [own.start + 1, next ? next.start : Number.MAX_SAFE_INTEGER] };
      });
      return { ...r, path: r.path.replace(/\.md$/, '.VARIANT'), sections };
    });
    if (ok) kept.push({ ...q, relevant });
    else dropped.push(q.id);
  }
  for (const variant of ['rst', 'txt']) {
    const text = kept.map((q) => JSON.stringify(q).replaceAll('.VARIANT', `.${variant}`)).join('\n');
    writeFileSync(join(out, `questions-${variant}.jsonl`), `${text}\n`);
  }
  console.log(
    `${name}-rst: ${manifest.fileList.length} pages; ${kept.length} questions kept, ${dropped.length} left out (no rST title for their label: ${dropped.join(' ') || 'none'})`,
  );
}

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}
