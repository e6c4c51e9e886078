// A held-out corpus (make-corpora.mjs) in another form: the same pages from another file
// (their reStructuredText sources, their HTML), and the same questions with each labelled
// section re-found in that form. Shared by rst/make-rst-corpora.mjs and html/make-html-corpora.mjs.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The base corpus's manifest (its pages, as `library/json.md`). */
export function baseManifest(name) {
  return JSON.parse(readFileSync(join(repo, 'bench/data/quality', name, 'corpus.manifest.json'), 'utf8'));
}

/**
 * Copies each page's `source` to `corpus/<path>` and writes `<corpus>.manifest.json` as
 * make-corpora.mjs does; returns each page's text by its path in the corpus.
 */
export function copyCorpus(corpus, name, pages) {
  const fileList = [];
  const texts = new Map();
  for (const { source, path } of pages) {
    const dest = join(corpus, path);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(source, dest);
    const bytes = readFileSync(dest);
    fileList.push({ path, source, bytes: bytes.length, sha256: sha256(bytes) });
    texts.set(path, bytes.toString('utf8'));
  }
  const corpusSha256 = sha256(fileList.map((f) => `${f.path}\0${f.sha256}`).join('\n'));
  const bytes = fileList.reduce((n, f) => n + f.bytes, 0);
  writeFileSync(
    `${corpus}.manifest.json`,
    `${JSON.stringify({ name, corpusSha256, files: fileList.length, bytes, fileList }, null, 1)}\n`,
  );
  return texts;
}

/** The base corpus's config with its own index (`dataDir`, relative to `file`) and corpus folder. */
export function writeConfig(base, file, dataDir, corpusDir) {
  writeFileSync(
    file,
    readFileSync(join(repo, 'bench/quality/corpora', base, 'config.yaml'), 'utf8')
      .replace(/^dataDir: .*$/m, `dataDir: ${dataDir}`)
      .replace(/^( {2}- path: ).*$/m, `$1${corpusDir}`),
  );
}

/**
 * The base corpus's questions, each labelled section given as the lines of the heading that
 * `find(headings, label)` picks among its page's `headings` ({title, level, start}: 0-based
 * line), through the line before the next heading of its level or above (1-based, inclusive, as
 * sections.mjs gives them). `headingsOf(mdPath)` lists a page's headings, `pathOf(mdPath)` names
 * its file in this form. A question with a label no heading matches is dropped.
 */
export function relabel(base, { headingsOf, find, pathOf }) {
  const kept = [];
  const dropped = [];
  const lines = readFileSync(join(repo, 'bench/quality/corpora', base, 'questions.jsonl'), 'utf8').split(
    '\n',
  );
  for (const line of lines) {
    if (!line.trim()) continue;
    const q = JSON.parse(line);
    let ok = true;
    const relevant = q.relevant.map((r) => {
      const list = headingsOf(r.path) ?? [];
      const sections = (r.sections ?? []).map((s) => {
        const at = find(list, s.heading);
        if (at === undefined || at < 0) {
          ok = false;
          return s;
        }
        const own = list[at];
        const next = list.slice(at + 1).find((h) => h.level <= own.level);
        return { heading: s.heading, lines: [own.start + 1, next ? next.start : Number.MAX_SAFE_INTEGER] };
      });
      return { ...r, path: pathOf(r.path), sections };
    });
    if (ok) kept.push({ ...q, relevant });
    else dropped.push(q.id);
  }
  return { kept, dropped };
}

export function writeQuestions(file, questions) {
  writeFileSync(file, `${questions.map((q) => JSON.stringify(q)).join('\n')}\n`);
}

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}
