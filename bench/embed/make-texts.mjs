#!/usr/bin/env node
// Builds the embedding benchmark's inputs: texts of EXACTLY 32, 128 and 256 tokens ([CLS] and
// [SEP] included, counted with the model's own tokenizer), cut from real prose — the README and
// docs Markdown that installed packages ship under node_modules.
//
//   node bench/embed/make-texts.mjs [--count 512] [--lengths 32,128,256] [--seed 42]
//                                   [--out-dir bench/data] [--model <folder or hub id>]
//
// Writes <out-dir>/texts-<n>.json (format: see readTextsFile in common.mjs). Deterministic for a
// given seed and set of source files; texts_sha256 and sources_sha256 in each file say whether
// two machines built the same inputs (platform-specific packages are skipped so they usually do).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { Tokenizer } from '@huggingface/tokenizers';
import { rng } from '../stats.mjs';
import { MODEL_ID, REPO, resolveModelDir } from './common.mjs';

/** A paragraph with fewer words is a caption, badge row or heading fragment, not prose. */
const MIN_PARAGRAPH_WORDS = 8;
/** Share of letters and spaces below which a paragraph is mostly code, numbers or markup. */
const MIN_LETTER_SHARE = 0.8;
/** Windows tried from one start (each dropping its first word) before picking a new start. */
const MAX_SHIFTS = 16;
/** Random starts tried per text before giving up: reaching it means the corpus is too small. */
const MAX_STARTS = 10_000;
/** Packages built per OS/CPU; their READMEs differ between machines, so they are left out. */
const PLATFORM_PACKAGE = /(^|[-/@])(darwin|linux|win32|freebsd|android|musl|gnu|x64|arm64)([-/]|$)/;
const SKIP_DIRS = new Set([
  '.bin',
  '.cache',
  'test',
  'tests',
  '__tests__',
  'fixtures',
  'example',
  'examples',
]);

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '512' },
    lengths: { type: 'string', default: '32,128,256' },
    seed: { type: 'string', default: '42' },
    'out-dir': { type: 'string', default: join(REPO, 'bench', 'data') },
    model: { type: 'string', default: MODEL_ID },
    'node-modules': { type: 'string', default: join(REPO, 'node_modules') },
  },
});

function findMarkdown(root) {
  const found = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // unreadable folder: nothing to take from it
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !SKIP_DIRS.has(entry.name)) walk(path);
      else if (entry.isFile() && isDocFile(relative(root, path))) found.push(path);
    }
  };
  walk(root);
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function isDocFile(rel) {
  const parts = rel.split(sep);
  if (PLATFORM_PACKAGE.test(rel.toLowerCase())) return false;
  const name = parts.at(-1).toLowerCase();
  return name === 'readme.md' || (name.endsWith('.md') && parts.includes('docs'));
}

/** Paragraphs of running text: code fences, indented code, tables, headings and HTML dropped. */
function proseParagraphs(markdown) {
  const paragraphs = [];
  let current = [];
  let inFence = false;
  const flush = () => {
    if (current.length > 0) paragraphs.push(current.join(' '));
    current = [];
  };
  for (const line of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      flush();
    } else if (inFence) {
      // code
    } else if (/^\s*$/.test(line)) {
      flush();
    } else if (/^( {4}|\t)/.test(line) && current.length === 0) {
      // indented code block
    } else if (/^\s*(#|\||<|!\[|\[!\[|-{3,}|={3,}|\*{3,}|>)/.test(line)) {
      flush();
    } else {
      current.push(line.trim().replace(/^([-*+]|\d+[.)])\s+/, ''));
    }
  }
  flush();
  return paragraphs.map(cleanInline).filter(isProse);
}

function cleanInline(text) {
  return text
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/<[^>]*>/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(\*\*|__|~~|\*)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function isProse(text) {
  const words = text.split(' ');
  if (words.length < MIN_PARAGRAPH_WORDS) return false;
  const letters = text.match(/[\p{L}\s]/gu)?.length ?? 0;
  return letters / text.length >= MIN_LETTER_SHARE;
}

function loadTokenizer(modelDir) {
  const json = JSON.parse(readFileSync(join(modelDir, 'tokenizer.json'), 'utf8'));
  const config = JSON.parse(readFileSync(join(modelDir, 'tokenizer_config.json'), 'utf8'));
  // @huggingface/tokenizers ignores tokenizer.json's truncation/padding (128 here), so counts are full.
  return new Tokenizer(json, config);
}

/**
 * A run of whole words that tokenises to exactly `target` tokens. From a random start, binary
 * search finds the longest run within `target` (the count never falls as words are added); if
 * the next word overshoots, the run's first word is dropped and the search repeats.
 */
function exactText(words, target, tokenizer, random, taken) {
  const count = (start, n) => tokenizer.encode(words.slice(start, start + n).join(' ')).ids.length;
  for (let attempt = 0; attempt < MAX_STARTS; attempt++) {
    const first = Math.floor(random() * words.length);
    for (let start = first; start < Math.min(first + MAX_SHIFTS, words.length); start++) {
      let lo = 0; // count(start, lo) <= target
      let hi = Math.min(words.length - start, target * 4) + 1; // count(start, hi) > target, or past the end
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (count(start, mid) <= target) lo = mid;
        else hi = mid;
      }
      if (lo === 0 || count(start, lo) !== target) continue;
      const text = words.slice(start, start + lo).join(' ');
      if (!taken.has(text)) return text;
    }
  }
  throw new Error(
    `could not cut a text of exactly ${target} tokens; the corpus (${words.length} words) is too small`,
  );
}

function main() {
  const counts = Number.parseInt(args.count, 10);
  const lengths = args.lengths.split(',').map((x) => Number.parseInt(x, 10));
  const seed = Number.parseInt(args.seed, 10);
  if (!(counts > 0) || lengths.some((n) => !(n >= 3)) || !Number.isInteger(seed)) {
    throw new Error('--count must be > 0, --lengths a comma list of integers >= 3, --seed an integer');
  }
  const modelDir = resolveModelDir(args.model);
  const tokenizer = loadTokenizer(modelDir);

  const root = resolve(args['node-modules']);
  const seen = new Set();
  const sources = [];
  const words = [];
  for (const file of findMarkdown(root)) {
    const text = readFileSync(file, 'utf8');
    const hash = createHash('sha1').update(text).digest('hex');
    if (seen.has(hash)) continue; // the same README nested under several packages
    seen.add(hash);
    const paragraphs = proseParagraphs(text);
    if (paragraphs.length === 0) continue;
    sources.push(relative(root, file).split(sep).join('/'));
    for (const p of paragraphs) words.push(...p.split(' '));
  }
  const sourcesSha = createHash('sha256').update(sources.join('\n')).digest('hex');
  process.stderr.write(`corpus: ${words.length} words of prose from ${sources.length} Markdown files\n`);

  mkdirSync(args['out-dir'], { recursive: true });
  for (const target of lengths) {
    // One stream per length, so adding a length or changing --count leaves the others' texts alone.
    const random = rng(seed * 1000 + target);
    const taken = new Set();
    const texts = [];
    while (texts.length < counts) {
      const text = exactText(words, target, tokenizer, random, taken);
      taken.add(text);
      texts.push(text);
    }
    const wrong = texts.findIndex((t) => tokenizer.encode(t).ids.length !== target);
    if (wrong >= 0)
      throw new Error(`text ${wrong} is not ${target} tokens long; this is a bug in make-texts.mjs`);
    const out = join(args['out-dir'], `texts-${target}.json`);
    const file = {
      tokens_per_text: target,
      count: texts.length,
      seed,
      model: args.model,
      texts_sha256: createHash('sha256').update(JSON.stringify(texts)).digest('hex'),
      sources_sha256: sourcesSha,
      sources,
      texts,
    };
    writeFileSync(out, `${JSON.stringify(file, null, 1)}\n`);
    process.stderr.write(`wrote ${relative(process.cwd(), out)}: ${texts.length} texts x ${target} tokens\n`);
  }
}

main();
