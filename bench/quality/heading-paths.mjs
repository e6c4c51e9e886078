#!/usr/bin/env node
// What the markdown chunker's heading paths say in folders of pages: chunks whose path is no
// more than the page's title (or empty), paths that say one title twice in a row, and the mean
// path length. `npm run build && node bench/quality/heading-paths.mjs [--dist dir] [--ext md] <folder>...`
// (--dist: another checkout's build, for a before/after on the same pages; --ext: the files read,
// by extension, `html,htm` unless given).
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { filesUnder, markdownChunkerOf } from './chunker-files.mjs';

const { values, positionals } = parseArgs({
  options: { dist: { type: 'string' }, ext: { type: 'string', default: 'html,htm' } },
  allowPositionals: true,
});
const extensions = new Set(values.ext.split(',').map((e) => `.${e.toLowerCase()}`));
const { chunker, limits } = await markdownChunkerOf(values.dist);
const pages = (root) => filesUnder(root, { test: (name) => extensions.has(extname(name).toLowerCase()) });
for (const root of positionals) {
  let chunks = 0;
  let titleOnly = 0;
  let twice = 0;
  let depth = 0;
  for (const path of pages(root)) {
    const text = readFileSync(path, 'utf8');
    let out;
    try {
      out = await chunker.chunk({ path, relativePath: path.slice(root.length + 1), text }, limits);
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
