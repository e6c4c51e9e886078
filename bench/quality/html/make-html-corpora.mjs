#!/usr/bin/env node
// The py-lib and py-howto held-out corpora as the HTML pages Sphinx built for python3.11-doc
// (`/usr/share/doc/python3.11/html/<page>.html`, with their menus, sidebars and permalinks), to
// set HTML read through markdown/html.ts beside the same pages' reStructuredText sources
// (make-rst-corpora.mjs, read under their titles). The questions are the corpora's own; each
// labelled section becomes the page lines of the heading it names, found in the page's text as
// the chunker reads it (htmlToMarkdown, whose line map the unit tests check), and a question
// whose label matches no heading is left out.
//
//   node bench/quality/make-corpora.mjs && node bench/quality/rst/make-rst-corpora.mjs   # once
//   node bench/quality/html/make-html-corpora.mjs
//   for c in py-lib py-howto; do
//     node bench/quality/eval.mjs --config bench/data/quality/$c-html/config.yaml \
//       --questions bench/data/quality/$c-html/questions.jsonl --label $c-html-html
//     node bench/quality/eval.mjs --config bench/data/quality/$c-rst/config-rst.yaml \
//       --questions bench/data/quality/$c-html/questions-rst.jsonl --label $c-html-rst
//   done
//   node bench/quality/held-out-report.mjs --corpora py-lib-html,py-howto-html --before rst --after html
import { readFileSync, rmSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { baseManifest, copyCorpus, relabel, repo, writeConfig, writeQuestions } from '../variant-corpus.mjs';

register('../../store/ts-loader.mjs', import.meta.url);
const { htmlToMarkdown } = await import('../../../src/engines/markdown/html.js');

const PAGES = '/usr/share/doc/python3.11/html';

for (const name of ['py-lib', 'py-howto']) {
  const manifest = baseManifest(name);
  const out = join(repo, 'bench/data/quality', `${name}-html`);
  rmSync(out, { recursive: true, force: true });
  const htmlOf = (mdPath) => mdPath.replace(/\.md$/, '.html');
  const texts = copyCorpus(
    join(out, 'corpus'),
    `${name}-html`,
    manifest.fileList.map((f) => ({ source: join(PAGES, htmlOf(f.path)), path: htmlOf(f.path) })),
  );
  writeConfig(name, join(out, 'config.yaml'), `../../quality-index-${name}-html`, 'corpus');
  // The rST variant's questions (make-rst-corpora.mjs), kept to those this corpus keeps too.
  const rstQuestions = new Map(
    readFileSync(join(repo, 'bench/data/quality', `${name}-rst`, 'questions-rst.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => [JSON.parse(l).id, JSON.parse(l)]),
  );
  const relabelled = relabel(name, {
    headingsOf: (mdPath) => headingsOf(htmlToMarkdown(texts.get(htmlOf(mdPath)))),
    find: (list, heading) => {
      const label = plain(heading);
      return [
        (h) => plain(h.title) === label,
        (h) => unqualified(h.title) === label,
        (h) => unqualified(h.title).startsWith(label),
        (h) => plain(h.title).startsWith(label),
        // A class without its call (`ExitStack()`), a method under its class (`Logger.setLevel(level)`).
        (h) => unqualified(h.title) === label.replace(/\(\)$/, ''),
        (h) => label.endsWith(`.${unqualified(h.title)}`),
      ]
        .map((test) => list.findIndex(test))
        .find((i) => i >= 0);
    },
    pathOf: htmlOf,
  });
  const kept = relabelled.kept.filter((q) => rstQuestions.has(q.id));
  const dropped = [
    ...relabelled.dropped,
    ...relabelled.kept.filter((q) => !rstQuestions.has(q.id)).map((q) => q.id),
  ];
  writeQuestions(join(out, 'questions.jsonl'), kept);
  writeQuestions(
    join(out, 'questions-rst.jsonl'),
    kept.map((q) => rstQuestions.get(q.id)),
  );
  console.log(
    `${name}-html: ${manifest.fileList.length} pages; ${kept.length} questions kept, ${dropped.length} left out (no heading for their label, or none in the rST variant: ${dropped.sort().join(' ') || 'none'})`,
  );
}

/** A label or title without Markdown's code marks and a numbered toctree's `9.3.5.`, with straight quotes. */
function plain(text) {
  return text
    .replaceAll('`', '')
    .replace(/^\d+(?:\.\d+)*\.\s+/, '')
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replaceAll('→', '->')
    .trim();
}

/** An object description's title as its rST directive names it: `class collections.Counter(…)` → `Counter(…)`. */
function unqualified(title) {
  return plain(title)
    .replace(/^@/, '')
    .replace(
      /^(?:(?:abstract|async|await|class|classmethod|coroutine|exception|static|staticmethod|property|data|attribute|method|function) )+/,
      '',
    )
    .replace(/^[\w.]+\.(?=[\w]+(?:\(|$))/, '');
}

/** The headings of a page's text as the chunker reads it: level, title, and the page line it is on (`start`, 0-based). */
function headingsOf(page) {
  const out = [];
  let fence = false;
  page.text.split('\n').forEach((line, i) => {
    if (/^`{3,}/.test(line)) fence = !fence;
    const m = fence ? null : /^(#{1,6}) (.*)$/.exec(line);
    if (m) out.push({ level: m[1].length, title: m[2], start: page.lines[i].first });
  });
  return out;
}
