#!/usr/bin/env node
// What the markdown chunker's heading paths say in folders of pages: chunks whose path is no
// more than the page's title (or empty), paths that say one title twice in a row, and the mean
// path length. `npm run build && node bench/quality/heading-paths.mjs [--dist dir] [--ext md] <folder>...`
// (--dist: another checkout's build, for a before/after on the same pages; --ext: the files read,
// by extension, `html,htm` unless given).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { dist: { type: 'string' }, ext: { type: 'string', default: 'html,htm' } },
  allowPositionals: true,
});
const extensions = new Set(values.ext.split(',').map((e) => `.${e.toLowerCase()}`));
const dist = pathToFileURL(
  `${resolve(values.dist ?? new URL('../../dist', import.meta.url).pathname)}/`,
).href;
const { markdownChunker } = await import(`${dist}engines/markdown/chunker.js`);
const { WordPieceTokenizer } = await import(`${dist}embed/tokenizer.js`);
const { resolveModel } = await import(`${dist}embed/model/resolve.js`);

const model = resolveModel('sentence-transformers/all-MiniLM-L6-v2');
const limits = { maxTokens: 256, minTokens: 48, tokenizer: new WordPieceTokenizer(model.dir, 256) };
function* pages(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* pages(path);
    else if (extensions.has(extname(name).toLowerCase())) yield path;
  }
}
for (const root of positionals) {
  let chunks = 0;
  let titleOnly = 0;
  let twice = 0;
  let depth = 0;
  for (const path of pages(root)) {
    const text = readFileSync(path, 'utf8');
    let out;
    try {
      out = await markdownChunker.chunk({ path, relativePath: path.slice(root.length + 1), text }, limits);
    } catch {
      continue;
    }
    for (const c of out) {
      chunks++;
      const p = c.headingPath;
      depth += p.length;
      if (p.length <= 1) titleOnly++;
      if (p.some((t, i) => i > 0 && t === p[i - 1])) twice++;
    }
  }
  console.log(
    `${root}: ${chunks} chunks, ${titleOnly} with a path of the title alone or none, ${twice} saying a title twice in a row, mean path ${(depth / chunks).toFixed(2)} headings`,
  );
}
