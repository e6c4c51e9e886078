#!/usr/bin/env node
// Sub-chunk vectors for rank-replay.mjs's `win` variants: each chunk's body cut into windows of
// WINDOW_WORDS words (STRIDE_WORDS apart), each embedded after the chunk's heading breadcrumb,
// so a chunk can be scored by its best window as well as by its whole text. Measures whether
// that is worth an index that embeds several times more text; ragctl does not build it.
//
//   node bench/quality/dump-windows.mjs --corpus py-lib   → bench/out/legs-<corpus>.windows.json
import { writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

register('../store/ts-loader.mjs', import.meta.url);

/** Short enough that one option's paragraph is most of a window, long enough to carry meaning. */
const WINDOW_WORDS = 48;
const STRIDE_WORDS = 32;
const BATCH = 64;

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: args } = parseArgs({ options: { corpus: { type: 'string' } } });
if (!args.corpus) throw new Error('--corpus <name> is required (a folder of bench/quality/corpora)');
const { loadConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { App } = await import('../../src/app.js');

const config = loadConfig({ configPath: join(here, 'corpora', args.corpus, 'config.yaml') });
const app = await App.open(config, {
  logger: createLogger({ level: 'warn', pretty: false }),
  readConsistencyS: 0,
});
try {
  const table = app.indexer.table('md');
  const windows = []; // [chunk id, text]
  for await (const batch of table.scan(['id', 'text', 'heading_path'], undefined)) {
    for (let i = 0; i < batch.numRows; i++) {
      const id = batch.getChild('id').get(i);
      const crumb = Array.from(batch.getChild('heading_path').get(i)).join(' > ');
      let body = batch.getChild('text').get(i);
      if (crumb && body.startsWith(crumb)) body = body.slice(crumb.length);
      const words = body.split(/\s+/).filter(Boolean);
      // A chunk that fits in one window is its own text already: nothing to add.
      if (words.length <= WINDOW_WORDS) continue;
      for (let s = 0; s < words.length; s += STRIDE_WORDS) {
        windows.push([id, `${crumb}\n${words.slice(s, s + WINDOW_WORDS).join(' ')}`]);
        if (s + WINDOW_WORDS >= words.length) break;
      }
    }
  }
  const embedder = app.embedders.get(config.engines.md.embedder);
  const vectors = new Float32Array(windows.length * embedder.dimension);
  for (let s = 0; s < windows.length; s += BATCH) {
    const v = await embedder.embed(windows.slice(s, s + BATCH).map((w) => w[1]));
    vectors.set(v, s * embedder.dimension);
  }
  const out = join(repo, 'bench/out', `legs-${args.corpus}.windows.json`);
  writeFileSync(
    out,
    JSON.stringify({
      ids: windows.map((w) => w[0]),
      vectors: Buffer.from(vectors.buffer).toString('base64'),
    }),
  );
  console.log(`wrote ${relative(repo, out)}: ${windows.length} windows`);
} finally {
  await app.close();
}
