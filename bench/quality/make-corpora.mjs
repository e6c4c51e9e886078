#!/usr/bin/env node
// Builds the held-out corpora of the quality eval from Debian packages, as Markdown, into
// bench/data/quality/<name>/corpus (git-ignored) with a manifest beside it
// (<corpus>.manifest.json, the shape eval.mjs reads). Each is a kind of text the tuning corpus
// (package READMEs, bench/quality/make-corpus.mjs) is not:
//
//   git-man    man pages (Debian `git-man`): terse reference, one option per paragraph,
//              converted from `man` output: SH → ##, SS → ###, an option term → ####
//   py-lib     a language's library reference (Debian `python3.11-doc`, its reST sources):
//              long API pages, one heading per function/class/method directive
//   py-howto   prose (same package: the HOWTOs, the FAQ and the tutorial): explanations,
//              few identifiers
//   pg-docs    long technical documentation (Debian `postgresql-doc-15`, its HTML through
//              pandoc, pg-docs-markdown.mjs): a database's manual as a docs folder, whole
//              chapters and long single sections, ~6,000 chunks (the kind issue 12 measured)
//
//   apt-get install git-man python3.11-doc postgresql-doc-15 pandoc   # once
//   node bench/quality/make-corpora.mjs [--only git-man,py-lib,py-howto,pg-docs]
//
// The conversion is deliberately plain (a person's own notes are no cleaner): reST roles lose
// their markup (:func:`open` → `open`), directives other than descriptions are kept as text.
// Files get a fixed mtime so a rebuild does not make the index re-read them.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PG_HTML, pgDocToMarkdown } from './pg-docs-markdown.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({
  options: { only: { type: 'string', default: 'git-man,py-lib,py-howto,pg-docs' } },
});
const FIXED_MTIME = new Date('2026-01-01T00:00:00Z');
const PY_SOURCES = '/usr/share/doc/python3.11/html/_sources';

/** Common porcelain and the three pages users read about it (ignore rules, hooks, revisions). */
const GIT_PAGES = [
  ...'add am bisect blame branch checkout cherry-pick clean clone commit describe diff fetch format-patch gc grep init log merge mv pull push rebase reflog remote reset restore revert rm shortlog show sparse-checkout stash status submodule switch tag worktree'
    .split(' ')
    .map((c) => `git-${c}`),
  'gitignore',
  'githooks',
  'gitrevisions',
];
/** Modules a working programmer reaches for; typing, asyncio and unittest are left out for size. */
const PY_LIB =
  'argparse collections contextlib csv dataclasses datetime functools glob hashlib heapq itertools json logging os.path pathlib random re secrets shutil sqlite3 string subprocess tempfile textwrap time urllib.parse zipfile'.split(
    ' ',
  );
const PY_HOWTO = [
  ...'argparse descriptor enum functional logging regex sockets sorting unicode urllib2'
    .split(' ')
    .map((f) => `howto/${f}`),
  ...'design general library programming'.split(' ').map((f) => `faq/${f}`),
  ...'classes controlflow datastructures errors inputoutput modules venv'
    .split(' ')
    .map((f) => `tutorial/${f}`),
];
/**
 * A developer's PostgreSQL docs folder: the tutorial, the SQL language (definition, queries,
 * types, functions, indexes, concurrency, performance), PL/pgSQL, server administration and a
 * few long reference pages. `chapter:` makes one file of a chapter whose sections are short;
 * long sections are files of their own.
 */
const PG_DOCS = {
  'tutorial/getting-started': 'chapter:tutorial-start',
  'tutorial/sql-language': 'chapter:tutorial-sql',
  'tutorial/advanced-features': 'chapter:tutorial-advanced',
  'sql/syntax': 'chapter:sql-syntax',
  'sql/data-definition': 'chapter:ddl',
  'sql/data-manipulation': 'chapter:dml',
  'sql/queries': 'chapter:queries',
  'sql/type-conversion': 'chapter:typeconv',
  'sql/indexes': 'chapter:indexes',
  'sql/full-text-search': 'chapter:textsearch',
  'sql/concurrency-control': 'chapter:mvcc',
  'sql/performance-tips': 'chapter:performance-tips',
  'sql/parallel-query': 'chapter:parallel-query',
  'sql/triggers': 'chapter:triggers',
  'sql/plpgsql': 'chapter:plpgsql',
  'sql/rules': 'chapter:rules',
  'types/data-types': 'chapter:datatype',
  'functions/comparison': 'functions-comparison',
  'functions/math': 'functions-math',
  'functions/string': 'functions-string',
  'functions/binary-strings': 'functions-binarystring',
  'functions/pattern-matching': 'functions-matching',
  'functions/formatting': 'functions-formatting',
  'functions/datetime': 'functions-datetime',
  'functions/json': 'functions-json',
  'functions/conditional': 'functions-conditional',
  'functions/array': 'functions-array',
  'functions/aggregate': 'functions-aggregate',
  'functions/window': 'functions-window',
  'functions/subquery': 'functions-subquery',
  'functions/set-returning': 'functions-srf',
  'functions/admin': 'functions-admin',
  'functions/system-info': 'functions-info',
  'functions/xml': 'functions-xml',
  'functions/geometry': 'functions-geometry',
  'functions/text-search': 'functions-textsearch',
  'functions/range': 'functions-range',
  'admin/server-setup': 'chapter:runtime',
  'admin/server-configuration': 'chapter:runtime-config',
  'admin/client-authentication': 'chapter:client-authentication',
  'admin/roles': 'chapter:user-manag',
  'admin/connection-strings': 'libpq-connect',
  'admin/managing-databases': 'chapter:managing-databases',
  'admin/localization': 'chapter:charset',
  'admin/maintenance': 'chapter:maintenance',
  'admin/backup': 'chapter:backup',
  'admin/high-availability': 'chapter:high-availability',
  'admin/monitoring': 'chapter:monitoring',
  'admin/wal': 'chapter:wal',
  'admin/logical-replication': 'chapter:logical-replication',
  'reference/select': 'sql-select',
  'reference/create-table': 'sql-createtable',
  'reference/alter-table': 'sql-altertable',
  'reference/create-index': 'sql-createindex',
  'reference/copy': 'sql-copy',
  'reference/insert': 'sql-insert',
  'reference/vacuum': 'sql-vacuum',
  'reference/explain': 'sql-explain',
  'reference/update': 'sql-update',
  'reference/grant': 'sql-grant',
  'reference/create-role': 'sql-createrole',
  'reference/create-function': 'sql-createfunction',
  'reference/create-trigger': 'sql-createtrigger',
  'reference/create-view': 'sql-createview',
  'reference/create-policy': 'sql-createpolicy',
  'reference/psql': 'app-psql',
  'reference/pg_dump': 'app-pgdump',
  'reference/pg_restore': 'app-pgrestore',
  'reference/pg_ctl': 'app-pg-ctl',
  'reference/pg_basebackup': 'app-pgbasebackup',
};

// --- man → Markdown -----------------------------------------------------------------------
function manToMarkdown(page) {
  const text = execFileSync('man', ['-P', 'cat', page], {
    encoding: 'utf8',
    env: { ...process.env, MANWIDTH: '200', MAN_KEEP_FORMATTING: '', GROFF_NO_SGR: '1' },
    maxBuffer: 64 << 20,
  }).replace(OVERSTRIKE, '');
  const lines = text.split('\n');
  const out = [`# ${page}`];
  const indent = (l) => l.length - l.trimStart().length;
  let level = 2;
  let section = '';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const trimmed = line.trim();
    if (!trimmed) {
      out.push('');
      continue;
    }
    // The footer repeats the title line.
    if (i >= lines.length - 3 && /^\S.*\S\s{2,}\S/.test(line)) continue;
    const n = indent(line);
    if (n === 0) {
      out.push(`## ${titleCase(trimmed)}`);
      section = trimmed;
      level = 2;
    } else if (n === 3) {
      out.push(`### ${trimmed}`);
      level = 3;
    } else if (n === 7 && section !== 'SYNOPSIS') {
      // A term (an option, a subcommand) is a run of lines at column 7 with its text deeper.
      let j = i;
      while (j + 1 < lines.length && lines[j + 1].trim() && indent(lines[j + 1]) === 7) j++;
      const term = lines
        .slice(i, j + 1)
        .map((l) => l.trim())
        .join(' ');
      if (indent(nextNonEmpty(lines, j)) > 7 && isTermLike(term)) {
        out.push(`${'#'.repeat(level + 1)} ${term.replace(/#/g, '\\#')}`);
        i = j;
      } else out.push(escapeMd(trimmed));
    } else out.push(escapeMd(trimmed));
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}
/** `x\bx` (bold) and `_\bx` (underline), should a pager-less man still overstrike. */
const OVERSTRIKE = new RegExp(`.${String.fromCharCode(8)}`, 'g');
const nextNonEmpty = (lines, i) => lines.slice(i + 1).find((l) => l.trim()) ?? '';
const titleCase = (s) => (s === s.toUpperCase() ? s[0] + s.slice(1).toLowerCase() : s);
/** An option or list term: short, not a sentence. */
const isTermLike = (s) => s.length < 240 && !/[.:]$/.test(s);
/** Man text is prose: a line must not turn into a list, quote, heading or code block. */
const escapeMd = (s) => s.replace(/^([#>+*-]|\d+\.)(\s)/, '\\$1$2');

// --- reST → Markdown ----------------------------------------------------------------------
const UNDERLINE = /^([=\-~^"'`#*+<>_:.])\1{2,}\s*$/;
const DESCRIPTION =
  /^(\s*)\.\.\s+(?:py:)?(function|method|class|exception|attribute|data|classmethod|staticmethod|decorator|decoratormethod)::\s*(.+)$/;
const LITERAL_START =
  /(::\s*$)|^\s*\.\.\s+(code-block|doctest|testcode|testoutput|productionlist|sourcecode)::/;

function restToMarkdown(text) {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out = [];
  const levels = []; // underline styles in order of appearance: the document's own hierarchy
  let headingLevel = 1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const next = lines[i + 1] ?? '';
    // Overlined title: ===\nTitle\n===
    if (UNDERLINE.test(line) && lines[i + 2] && UNDERLINE.test(lines[i + 2]) && lines[i + 1]?.trim()) {
      headingLevel = levelOf(levels, `over${line[0]}`);
      out.push(`${'#'.repeat(headingLevel)} ${inline(lines[i + 1].trim())}`);
      i += 2;
      continue;
    }
    if (
      line.trim() &&
      !/^\s/.test(line) &&
      UNDERLINE.test(next) &&
      next.trim().length >= line.trim().length - 2
    ) {
      headingLevel = levelOf(levels, next[0]);
      out.push(`${'#'.repeat(headingLevel)} ${inline(line.trim())}`);
      i += 1;
      continue;
    }
    const d = DESCRIPTION.exec(line);
    if (d) {
      const depth = Math.min(6, headingLevel + 1 + Math.floor(d[1].length / 3));
      out.push(`${'#'.repeat(depth)} ${d[3].trim()}`);
      continue;
    }
    if (
      /^\s*\.\.\s+(index|module|sectionauthor|moduleauthor|currentmodule|highlight|_[^:]*):/.test(line) ||
      /^\s*\.\.\s+_/.test(line)
    ) {
      // Index entries, anchors and the like: skip them and their indented options.
      const base = line.length - line.trimStart().length;
      while (i + 1 < lines.length && (lines[i + 1].trim() === '' ? false : indentOf(lines[i + 1]) > base))
        i++;
      continue;
    }
    if (LITERAL_START.test(line)) {
      const base = indentOf(line);
      const kept = line.replace(/^\s*\.\.\s+\S+::.*$/, '').replace(/::\s*$/, ':');
      if (kept.trim()) out.push(inline(kept.trim()));
      // The block: the indented lines after it (blank lines inside included).
      let j = i + 1;
      const block = [];
      while (j < lines.length && (lines[j].trim() === '' || indentOf(lines[j]) > base)) {
        block.push(lines[j]);
        j++;
      }
      while (block.length && !block.at(-1).trim()) block.pop();
      const body = block.filter((l) => !/^\s*:\w[\w-]*:/.test(l));
      const cut = Math.min(...body.filter((l) => l.trim()).map(indentOf));
      if (body.some((l) => l.trim())) {
        out.push(
          '',
          '```',
          ...body.map((l) => l.slice(Number.isFinite(cut) ? cut : 0)).filter((l, k) => k > 0 || l.trim()),
          '```',
          '',
        );
      }
      i = j - 1;
      continue;
    }
    out.push(escapeMd(inline(line.trim())));
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
const indentOf = (l) => l.length - l.trimStart().length;
function levelOf(levels, style) {
  let i = levels.indexOf(style);
  if (i < 0) {
    levels.push(style);
    i = levels.length - 1;
  }
  return Math.min(6, i + 1);
}
/** reST inline markup to plain Markdown: roles keep their text, ``code`` becomes `code`. */
const inline = (s) =>
  s
    .replace(/:[\w:.-]+:`~?!?([^`<]*?)(?:\s*<[^>]*>)?`/g, '`$1`')
    .replace(/``([^`]+)``/g, '`$1`')
    .replace(/`([^`<]+?)\s*<[^>]+>`_+/g, '$1')
    .replace(/\|(\w+)\|/g, '$1');

// --- build --------------------------------------------------------------------------------
const sha = (s) => createHash('sha256').update(s).digest('hex');
const CORPORA = {
  'git-man': () => GIT_PAGES.map((p) => ({ path: `${p}.md`, text: manToMarkdown(p), source: `man ${p}` })),
  'py-lib': () =>
    PY_LIB.map((m) => ({
      path: `library/${m}.md`,
      text: restToMarkdown(readFileSync(join(PY_SOURCES, `library/${m}.rst.txt`), 'utf8')),
      source: `python3.11-doc library/${m}.rst`,
    })),
  'py-howto': () =>
    PY_HOWTO.map((f) => ({
      path: `${f}.md`,
      text: restToMarkdown(readFileSync(join(PY_SOURCES, `${f}.rst.txt`), 'utf8')),
      source: `python3.11-doc ${f}.rst`,
    })),
  'pg-docs': () => {
    if (!existsSync(PG_HTML))
      throw new Error(
        `${PG_HTML} is missing: apt-get install postgresql-doc-15 pandoc (or leave pg-docs out of --only)`,
      );
    return Object.entries(PG_DOCS).map(([path, source]) => ({
      path: `${path}.md`,
      text: pgDocToMarkdown(source),
      source: `postgresql-doc-15 ${source.replace(/^chapter:(.*)$/, '$1.html and its sections').replace(/^([^ ]+)$/, '$1.html')}`,
    }));
  },
};

for (const name of args.only.split(',')) {
  const build = CORPORA[name];
  if (!build) throw new Error(`unknown corpus ${name} (known: ${Object.keys(CORPORA).join(', ')})`);
  const root = join(repo, 'bench/data/quality', name, 'corpus');
  // Built before the old copy goes, so a missing package leaves the corpus as it was.
  const files = build();
  rmSync(root, { recursive: true, force: true });
  const fileList = [];
  for (const f of files) {
    const full = join(root, f.path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, f.text);
    utimesSync(full, FIXED_MTIME, FIXED_MTIME);
    fileList.push({ path: f.path, source: f.source, bytes: Buffer.byteLength(f.text), sha256: sha(f.text) });
  }
  const manifest = {
    name,
    corpusSha256: sha(fileList.map((f) => `${f.path} ${f.sha256}\n`).join('')),
    files: fileList.length,
    bytes: fileList.reduce((s, f) => s + f.bytes, 0),
    fileList,
  };
  writeFileSync(`${root}.manifest.json`, `${JSON.stringify(manifest, null, 1)}\n`);
  console.log(
    `${name}: ${manifest.files} files, ${(manifest.bytes / 1e6).toFixed(2)} MB, sha256 ${manifest.corpusSha256.slice(0, 12)}`,
  );
}
if (!existsSync(PY_SOURCES)) console.error(`note: ${PY_SOURCES} is missing: apt-get install python3.11-doc`);
