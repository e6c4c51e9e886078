#!/usr/bin/env node
// Builds the ingestion benchmark's corpus: real markdown nobody on the team wrote.
//
//   node bench/ingest/make-corpus.mjs [--tldr <checkout of tldr-pages/tldr>] [--out bench/data/ingest-corpus]
//
// - every *.md under node_modules/ and under the Python installation's site-packages (package
//   documentation: READMEs, guides, changelogs), and
// - with --tldr, the English pages of tldr-pages (pages/**/*.md: ~7,400 short command pages).
// Files are copied (not linked) so edits during the benchmark never touch the originals. The
// corpus is rebuilt from scratch each time; a manifest lists every file with its sha256.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const REPO = resolve(import.meta.dirname, '..', '..');
const { values: args } = parseArgs({
  options: {
    tldr: { type: 'string' },
    out: { type: 'string', default: join(REPO, 'bench', 'data', 'ingest-corpus') },
  },
});

function* walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile() && /\.(md|markdown)$/i.test(e.name)) yield p;
  }
}

const sources = [['npm', join(REPO, 'node_modules')]];
try {
  const site = execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], {
    encoding: 'utf8',
  }).trim();
  sources.push(['python', site]);
} catch {
  console.error('note: no python3; skipping site-packages');
}
if (args.tldr) {
  let pages = join(resolve(args.tldr), 'pages');
  try {
    statSync(pages);
  } catch {
    // A git directory without a work tree (a mirror): export pages/ from HEAD.
    const exported = join(REPO, 'bench', 'data', 'tldr-export');
    rmSync(exported, { recursive: true, force: true });
    mkdirSync(exported, { recursive: true });
    execFileSync('bash', [
      '-c',
      `git --git-dir=${JSON.stringify(resolve(args.tldr))} archive HEAD pages | tar -x -C ${JSON.stringify(exported)}`,
    ]);
    pages = join(exported, 'pages');
  }
  sources.push(['tldr', pages]);
}

rmSync(args.out, { recursive: true, force: true });
const manifest = [];
for (const [name, root] of sources) {
  for (const file of walk(root)) {
    if (statSync(file).size === 0) continue;
    const rel = join(name, relative(root, file));
    const dest = join(args.out, rel);
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(file, dest);
    manifest.push({ path: rel, sha256: createHash('sha256').update(readFileSync(dest)).digest('hex') });
  }
}
writeFileSync(
  join(dirname(args.out), 'ingest-corpus.manifest.json'),
  `${JSON.stringify({ sources, files: manifest.length, manifest }, null, 1)}\n`,
);
const counts = Object.fromEntries(
  sources.map(([n]) => [n, manifest.filter((m) => m.path.startsWith(`${n}/`)).length]),
);
console.log(JSON.stringify({ out: args.out, files: manifest.length, ...counts }));
