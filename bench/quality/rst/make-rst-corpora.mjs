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
import { rmSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { baseManifest, copyCorpus, relabel, repo, writeConfig, writeQuestions } from '../variant-corpus.mjs';

register('../../store/ts-loader.mjs', import.meta.url);
const { SourceText } = await import('../../../src/engines/markdown/source.js');
const { rstTitles } = await import('../../../src/engines/markdown/titles.js');

const SOURCES = '/usr/share/doc/python3.11/html/_sources';

for (const name of ['py-lib', 'py-howto']) {
  const manifest = baseManifest(name);
  const out = join(repo, 'bench/data/quality', `${name}-rst`);
  rmSync(out, { recursive: true, force: true });
  const pageOf = (mdPath) => mdPath.replace(/\.md$/, '');
  let texts;
  for (const variant of ['rst', 'txt']) {
    const pages = manifest.fileList.map((f) => ({
      source: join(SOURCES, `${pageOf(f.path)}.rst.txt`),
      path: `${pageOf(f.path)}.${variant}`,
    }));
    const read = copyCorpus(join(out, `corpus-${variant}`), `${name}-rst`, pages);
    if (variant === 'rst') texts = read;
    writeConfig(
      name,
      join(out, `config-${variant}.yaml`),
      `../../quality-index-${name}-rst-${variant}`,
      `corpus-${variant}`,
    );
  }
  // Questions: the labelled section's lines, from the rST title whose text is (or starts with) the label.
  const { kept, dropped } = relabel(name, {
    headingsOf: (mdPath) => rstTitles(new SourceText(texts.get(`${pageOf(mdPath)}.rst`)), 0),
    find: (list, label) =>
      [list.findIndex((t) => t.title === label), list.findIndex((t) => t.title.startsWith(label))].find(
        (i) => i >= 0,
      ),
    pathOf: (mdPath) => `${pageOf(mdPath)}.VARIANT`,
  });
  for (const variant of ['rst', 'txt']) {
    writeQuestions(
      join(out, `questions-${variant}.jsonl`),
      kept.map((q) => JSON.parse(JSON.stringify(q).replaceAll('.VARIANT', `.${variant}`))),
    );
  }
  console.log(
    `${name}-rst: ${manifest.fileList.length} pages; ${kept.length} questions kept, ${dropped.length} left out (no rST title for their label: ${dropped.join(' ') || 'none'})`,
  );
}
