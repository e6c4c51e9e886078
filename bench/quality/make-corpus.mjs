#!/usr/bin/env node
// Builds the quality-eval corpus: the Markdown documentation that ships inside installed
// packages — a real, messy set of files nobody on the team wrote — copied into
// bench/data/quality-corpus/ (git-ignored), plus a manifest of sha256s.
//
//   node bench/quality/make-corpus.mjs [--out bench/data/quality-corpus] [--check]
//
// Sources, in this order (the first copy of a package name wins, see below):
//   1. this repo's node_modules            → <package>/<path>     (e.g. pino/docs/api.md)
//   2. the global node_modules (npm, corepack and their bundled dependencies)
//                                          → <package>/<path>     (e.g. npm/docs/content/…)
//   3. Node.js's own docs (<prefix>/share/doc/nodejs: api/, contributing/, README…)
//                                          → nodejs/<path>        (e.g. nodejs/api/fs.md)
//
// What is left out, and why:
//   - Node's per-major release logs (share/doc/nodejs/changelogs/, 22 files, ~10 MB): they
//     would be ~70 % of the corpus's bytes and of its indexing time while adding one kind of
//     text. Package CHANGELOGs, licences and the like are kept: real users have noise.
//   - A package name found twice (npm bundles its own undici; lancedb nests its own
//     transformers.js) is copied once — the shallowest, then first in source order — so a
//     question's labelled file is unambiguous. The manifest lists the copies left out.
//   - Python's site-packages: its 41 .md files are licences and model-card templates.
//   - Files in hidden folders (.github/, .history/): ragctl does not index them by default.
//
// The manifest (bench/data/quality-corpus.manifest.json) records, per file, the source,
// package version, bytes and sha256, and a corpus sha256 over the sorted "path sha256" lines.
// bench/quality/corpus-manifest.json is the committed copy the published numbers were
// measured on; --check compares a fresh build against it and lists what differs (other
// package versions give other files, so other numbers).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: join(repo, 'bench/data/quality-corpus') },
    check: { type: 'boolean', default: false },
  },
});
const outDir = resolve(args.out);
const manifestPath = `${outDir}.manifest.json`;
const committedManifest = join(repo, 'bench/quality/corpus-manifest.json');

const MARKDOWN = /\.(md|markdown|mdx)$/i;
/** Node's release logs: see the header. */
const NODE_DOCS_SKIP = [/^changelogs\//];
/** A sane bound: one file over this is a generated dump, not documentation (none are, today). */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** Markdown files under `dir`, relative to it, sorted; symlinks not followed; `skipDir` prunes. */
function markdownFiles(dir, skipDir = () => false) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const st = lstatSync(full);
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) {
        if (!skipDir(name, full)) walk(full);
      } else if (st.isFile() && MARKDOWN.test(name) && st.size <= MAX_FILE_BYTES) {
        out.push(relative(dir, full).split(sep).join('/'));
      }
    }
  };
  walk(dir);
  return out;
}

/** Every package folder under a node_modules folder, nested ones included, with its depth. */
function packagesIn(nodeModules, origin, depth = 0, found = []) {
  if (!existsSync(nodeModules)) return found;
  for (const name of readdirSync(nodeModules).sort()) {
    if (name.startsWith('.')) continue;
    const full = join(nodeModules, name);
    if (lstatSync(full).isSymbolicLink() || !lstatSync(full).isDirectory()) continue;
    const dirs = name.startsWith('@')
      ? readdirSync(full)
          .sort()
          .map((n) => join(full, n))
          .filter((p) => !lstatSync(p).isSymbolicLink() && lstatSync(p).isDirectory())
      : [full];
    for (const dir of dirs) {
      let pkg;
      try {
        pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        continue; // not a package (no or unreadable package.json): nothing of it is copied
      }
      if (typeof pkg.name !== 'string') continue;
      found.push({ name: pkg.name, version: String(pkg.version ?? ''), dir, origin, depth });
      packagesIn(join(dir, 'node_modules'), origin, depth + 1, found);
    }
  }
  return found;
}

function globalNodeModules() {
  try {
    return execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
  } catch (err) {
    console.warn(`make-corpus: npm root -g failed (${err.message}); skipping global packages`);
    return undefined;
  }
}

function nodeDocsDir() {
  const prefix = dirname(dirname(process.execPath));
  return [join(prefix, 'share/doc/nodejs'), join(prefix, 'share/doc/node'), '/usr/share/doc/nodejs'].find(
    (d) => existsSync(join(d, 'api')),
  );
}

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

// --- collect -------------------------------------------------------------------------------
const plan = []; // { dest, src, source, package, version }
const skippedDuplicates = [];

const origins = [
  { origin: 'repo', dir: join(repo, 'node_modules') },
  { origin: 'global', dir: globalNodeModules() },
].filter((o) => o.dir);
const packages = origins.flatMap((o, i) => packagesIn(o.dir, o.origin).map((p) => ({ ...p, order: i })));
packages.sort((a, b) => a.depth - b.depth || a.order - b.order || (a.dir < b.dir ? -1 : 1));
const chosen = new Map();
for (const p of packages) {
  // Hidden folders (.github, .history) are left out because ragctl skips them by default.
  const files = markdownFiles(p.dir, (name) => name === 'node_modules' || name.startsWith('.'));
  if (!files.length) continue;
  if (chosen.has(p.name)) {
    skippedDuplicates.push({ package: p.name, version: p.version, dir: p.dir, kept: chosen.get(p.name).dir });
    continue;
  }
  chosen.set(p.name, p);
  for (const f of files) {
    plan.push({
      dest: `${p.name}/${f}`,
      src: join(p.dir, f),
      source: p.origin,
      package: p.name,
      version: p.version,
    });
  }
}

const nodeDocs = nodeDocsDir();
if (nodeDocs) {
  for (const f of markdownFiles(nodeDocs, (name) => name.startsWith('.'))) {
    if (NODE_DOCS_SKIP.some((re) => re.test(f))) continue;
    plan.push({
      dest: `nodejs/${f}`,
      src: join(nodeDocs, f),
      source: 'node-docs',
      package: 'nodejs',
      version: process.version,
    });
  }
} else {
  console.warn('make-corpus: no Node.js docs folder (share/doc/nodejs/api) found; the corpus lacks nodejs/');
}

plan.sort((a, b) => (a.dest < b.dest ? -1 : 1));
const dests = new Set();
for (const p of plan) {
  if (dests.has(p.dest.toLowerCase())) throw new Error(`make-corpus: two files map to ${p.dest}`);
  dests.add(p.dest.toLowerCase());
}

// --- copy ----------------------------------------------------------------------------------
rmSync(outDir, { recursive: true, force: true });
// A fixed mtime: the index sees the same files as unchanged after a rebuild of the corpus.
const FIXED_MTIME = new Date('2026-01-01T00:00:00Z');
const files = plan.map((p) => {
  const dest = join(outDir, p.dest);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(p.src, dest);
  utimesSync(dest, FIXED_MTIME, FIXED_MTIME);
  const buf = readFileSync(dest);
  return {
    path: p.dest,
    bytes: buf.length,
    sha256: sha256(buf),
    source: p.source,
    package: p.package,
    version: p.version,
  };
});
const corpusSha256 = sha256(files.map((f) => `${f.path} ${f.sha256}\n`).join(''));
const manifest = {
  corpusSha256,
  files: files.length,
  bytes: files.reduce((s, f) => s + f.bytes, 0),
  packages: new Set(files.map((f) => f.package)).size,
  node: process.version,
  nodeDocs: nodeDocs ?? null,
  skippedDuplicates,
  fileList: files,
};
// One file per line: a diff between two manifests reads as a list of files.
const { fileList, ...head } = manifest;
writeFileSync(
  manifestPath,
  `${JSON.stringify(head, null, 1).slice(0, -2)},\n "fileList": [\n${fileList.map((f) => `  ${JSON.stringify(f)}`).join(',\n')}\n ]\n}\n`,
);
console.log(
  `${files.length} files, ${(manifest.bytes / 1e6).toFixed(1)} MB, ${manifest.packages} packages → ${relative(repo, outDir)}`,
);
console.log(`corpus sha256 ${corpusSha256} (manifest: ${relative(repo, manifestPath)})`);

if (args.check) {
  if (!existsSync(committedManifest)) {
    console.log(`no ${relative(repo, committedManifest)} to compare with`);
  } else {
    const want = JSON.parse(readFileSync(committedManifest, 'utf8'));
    if (want.corpusSha256 === corpusSha256) console.log('identical to the committed manifest');
    else {
      const have = new Map(files.map((f) => [f.path, f.sha256]));
      const had = new Map(want.fileList.map((f) => [f.path, f.sha256]));
      const missing = [...had.keys()].filter((p) => !have.has(p));
      const extra = [...have.keys()].filter((p) => !had.has(p));
      const changed = [...had.keys()].filter((p) => have.has(p) && have.get(p) !== had.get(p));
      console.log(
        `differs from the committed manifest: ${missing.length} missing, ${extra.length} extra, ${changed.length} changed`,
      );
      for (const p of [
        ...missing.map((x) => `- ${x}`),
        ...extra.map((x) => `+ ${x}`),
        ...changed.map((x) => `~ ${x}`),
      ].slice(0, 40))
        console.log(`  ${p}`);
      process.exitCode = 1;
    }
  }
}
