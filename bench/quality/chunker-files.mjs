// What the scripts that count what the markdown chunker makes share: a build's chunker with the
// default model's limits, and the files under folders. `dist`: a checkout's build (`dist`, or
// another worktree's for a before/after on the same files).
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const here = new URL('../../dist', import.meta.url).pathname;

/** `dist`'s markdown chunker, its tokenizer, and limits at the model's 256 word pieces. */
export async function markdownChunkerOf(dist = here, minTokens = 48) {
  const load = (module) => import(pathToFileURL(join(resolve(dist), module)).href);
  const { markdownChunker } = await load('engines/markdown/chunker.js');
  const { WordPieceTokenizer } = await load('embed/tokenizer.js');
  const { resolveModel } = await load('embed/model/resolve.js');
  const tokenizer = new WordPieceTokenizer(resolveModel('sentence-transformers/all-MiniLM-L6-v2').dir, 256);
  return { chunker: markdownChunker, tokenizer, limits: { maxTokens: 256, minTokens, tokenizer } };
}

/** The files under `dir` whose names `pattern` matches, depth first. */
export function* filesUnder(dir, pattern) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* filesUnder(path, pattern);
    else if (pattern.test(name)) yield path;
  }
}
