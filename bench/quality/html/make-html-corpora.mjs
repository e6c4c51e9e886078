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
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

register('../../store/ts-loader.mjs', import.meta.url);
const { htmlToMarkdown } = await import('../../../src/engines/markdown/html.js');

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const PAGES = '/usr/share/doc/python3.11/html';

for (const name of ['py-lib', 'py-howto']) {
  const from = join(repo, 'bench/data/quality', name);
  const manifest = JSON.parse(readFileSync(join(from, 'corpus.manifest.json'), 'utf8'));
  const out = join(repo, 'bench/data/quality', `${name}-html`);
  rmSync(out, { recursive: true, force: true });
  const corpus = join(out, 'corpus');
  const fileList = [];
  const headings = new Map();
  for (const f of manifest.fileList) {
    const page = f.path.replace(/\.md$/, '');
    const src = join(PAGES, `${page}.html`);
    const dest = join(corpus, `${page}.html`);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(src, dest);
    const bytes = readFileSync(dest);
    fileList.push({ path: `${page}.html`, source: src, bytes: bytes.length, sha256: sha256(bytes) });
    headings.set(f.path, headingsOf(htmlToMarkdown(bytes.toString('utf8'))));
  }
  const corpusSha256 = sha256(fileList.map((f) => `${f.path}\0${f.sha256}`).join('\n'));
  const total = fileList.reduce((n, f) => n + f.bytes, 0);
  writeFileSync(
    `${corpus}.manifest.json`,
    `${JSON.stringify({ name: `${name}-html`, corpusSha256, files: fileList.length, bytes: total, fileList }, null, 1)}\n`,
  );
  writeFileSync(
    join(out, 'config.yaml'),
    readFileSync(join(repo, 'bench/quality/corpora', name, 'config.yaml'), 'utf8')
      .replace(/^dataDir: .*$/m, `dataDir: ../../quality-index-${name}-html`)
      .replace(/^( {2}- path: ).*$/m, '$1corpus'),
  );
  // The rST variant's questions (make-rst-corpora.mjs), kept to those this corpus keeps too.
  const rstQuestions = new Map(
    readFileSync(join(repo, 'bench/data/quality', `${name}-rst`, 'questions-rst.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => [JSON.parse(l).id, l]),
  );
  const kept = [];
  const dropped = [];
  for (const line of readFileSync(join(repo, 'bench/quality/corpora', name, 'questions.jsonl'), 'utf8').split(
    '\n',
  )) {
    if (!line.trim()) continue;
    const q = JSON.parse(line);
    let ok = rstQuestions.has(q.id);
    const relevant = q.relevant.map((r) => {
      const list = headings.get(r.path) ?? [];
      const sections = (r.sections ?? []).map((s) => {
        const label = plain(s.heading);
        const at = [
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
        if (at === undefined) {
          ok = false;
          return s;
        }
        const own = list[at];
        const next = list.slice(at + 1).find((h) => h.level <= own.level);
        // 1-based, inclusive, as sections.mjs gives them: the heading's page line to the line before the next's.
        return { heading: s.heading, lines: [own.line + 1, next ? next.line : Number.MAX_SAFE_INTEGER] };
      });
      return { ...r, path: r.path.replace(/\.md$/, '.html'), sections };
    });
    if (ok) kept.push({ ...q, relevant });
    else dropped.push(q.id);
  }
  writeFileSync(join(out, 'questions.jsonl'), `${kept.map((q) => JSON.stringify(q)).join('\n')}\n`);
  const ids = new Set(kept.map((q) => q.id));
  writeFileSync(
    join(out, 'questions-rst.jsonl'),
    `${[...rstQuestions]
      .filter(([id]) => ids.has(id))
      .map(([, l]) => l)
      .join('\n')}\n`,
  );
  console.log(
    `${name}-html: ${fileList.length} pages; ${kept.length} questions kept, ${dropped.length} left out (no heading for their label, or none in the rST variant: ${dropped.join(' ') || 'none'})`,
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

/** The headings of a page's text as the chunker reads it: level, title, and the page line it is on (0-based). */
function headingsOf(page) {
  const out = [];
  let fence = false;
  page.text.split('\n').forEach((line, i) => {
    if (/^`{3,}/.test(line)) fence = !fence;
    const m = fence ? null : /^(#{1,6}) (.*)$/.exec(line);
    if (m) out.push({ level: m[1].length, title: m[2], line: page.lines[i].first });
  });
  return out;
}

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}
