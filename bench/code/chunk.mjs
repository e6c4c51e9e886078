#!/usr/bin/env node
// Code chunker throughput: lines/s over real trees, parse alone and the whole chunker (parse,
// units, token counting with the model's tokenizer, ids).
//
//   npm run build && node bench/code/chunk.mjs [--max-files 400] [--max-tokens 256] [--runs 3] [tree …]
//
// A tree is `label=folder:ext[,ext]`; the defaults are this repository's src/ (.ts), the .js of
// two installed packages, TypeScript's .d.ts, Python's standard library and Go's net package. One process; files
// are read before the clock starts; each tree is first chunked once untimed (grammar load, JIT
// warm-up), then timed `--runs` times, and the fastest run is kept: the machine is shared, and
// the fastest run is the one least disturbed by others. Prints one JSON line per tree and a table.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const REPO = resolve(import.meta.dirname, '..', '..');
const { chunkCode } = await import(join(REPO, 'dist/engines/code/chunker.js'));
const { Grammars } = await import(join(REPO, 'dist/engines/code/grammars.js'));
const { languageForPath } = await import(join(REPO, 'dist/engines/code/languages.js'));
const { WordPieceTokenizer } = await import(join(REPO, 'dist/embed/tokenizer.js'));
const { resolveModel } = await import(join(REPO, 'dist/embed/model/resolve.js'));

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'max-files': { type: 'string', default: '400' },
    'max-tokens': { type: 'string', default: '256' },
    model: { type: 'string', default: 'sentence-transformers/all-MiniLM-L6-v2' },
    runs: { type: 'string', default: '3' },
  },
});
const maxFiles = Number(args['max-files']);
const maxTokens = Number(args['max-tokens']);
const python = readdirSync('/usr/lib')
  .filter((name) => /^python3\.\d+$/.test(name))
  .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))
  .at(-1);
const trees = positionals.length
  ? positionals
  : [
      `ragctl-src=${join(REPO, 'src')}:.ts`,
      `pino-js=${join(REPO, 'node_modules/pino')}:.js`,
      `commander-js=${join(REPO, 'node_modules/commander')}:.js`,
      `typescript-lib=${join(REPO, 'node_modules/typescript/lib')}:.d.ts`,
      `python-stdlib=/usr/lib/${python}:.py`,
      // Go's own library, where a Go toolchain is installed.
      ...(existsSync('/usr/local/go/src/net') ? ['go-stdlib-net=/usr/local/go/src/net:.go'] : []),
    ];

function filesUnder(dir, exts) {
  const out = [];
  const walk = (folder) => {
    for (const name of readdirSync(folder).sort()) {
      if (out.length >= maxFiles) return;
      const path = join(folder, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory()) {
        if (!['__pycache__', 'test', 'tests', 'node_modules'].includes(name)) walk(path);
      } else if (exts.some((ext) => name.endsWith(ext)) && languageForPath(path)) out.push(path);
    }
  };
  walk(dir);
  return out;
}

const wordPiece = new WordPieceTokenizer(resolveModel(args.model).dir, maxTokens);
// Time spent counting tokens, to say how much of the chunker is the tokenizer.
let tokenizerMs = 0;
const tokenizer = {
  maxTokens,
  countTokens(text) {
    const started = performance.now();
    const tokens = wordPiece.countTokens(text);
    tokenizerMs += performance.now() - started;
    return tokens;
  },
};
const limits = { maxTokens, minTokens: 32, tokenizer };
const grammars = new Grammars();
const rows = [];
for (const tree of trees) {
  const [label, rest] = tree.split('=');
  const [dir, extList] = rest.split(':');
  const files = filesUnder(dir, extList.split(',')).map((path) => ({
    path,
    text: readFileSync(path, 'utf8'),
  }));
  const lines = files.reduce((sum, f) => sum + f.text.split('\n').length, 0);
  const bytes = files.reduce((sum, f) => sum + Buffer.byteLength(f.text), 0);
  const chunkAll = async () => {
    let chunks = 0;
    let fallbacks = 0;
    for (const { path, text } of files) {
      const out = await chunkCode({ path, text, symbolPath: relative(dir, path) }, limits, grammars);
      chunks += out.length;
      if (out.some((c) => c.metadata.fallbackReason)) fallbacks++;
    }
    return { chunks, fallbacks };
  };
  const { chunks, fallbacks } = await chunkAll();
  let parseMs = Number.POSITIVE_INFINITY;
  let chunkMs = Number.POSITIVE_INFINITY;
  let tokenizerShare = 0;
  for (let run = 0; run < Number(args.runs); run++) {
    let started = performance.now();
    for (const { path, text } of files) {
      const parser = await grammars.parser(languageForPath(path));
      parser.parse(text)?.delete();
    }
    parseMs = Math.min(parseMs, performance.now() - started);
    started = performance.now();
    tokenizerMs = 0;
    await chunkAll();
    const ms = performance.now() - started;
    if (ms < chunkMs) tokenizerShare = tokenizerMs / ms;
    chunkMs = Math.min(chunkMs, ms);
  }
  const row = {
    tree: label,
    files: files.length,
    lines,
    mb: +(bytes / 1e6).toFixed(2),
    chunks,
    fallbacks,
    parseLinesPerS: Math.round(lines / (parseMs / 1000)),
    chunkLinesPerS: Math.round(lines / (chunkMs / 1000)),
    chunkMs: Math.round(chunkMs),
    tokenizerShare: +tokenizerShare.toFixed(2),
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}
await grammars.close();
console.log(
  `\ncpu: ${cpus()[0]?.model} ×${cpus().length}, node ${process.version}, OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}`,
);
console.log(
  '| tree | files | lines | MB | chunks | text fallbacks | parse lines/s | chunker lines/s | tokenizer share |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.tree} | ${r.files} | ${r.lines} | ${r.mb} | ${r.chunks} | ${r.fallbacks} | ${r.parseLinesPerS} | ${r.chunkLinesPerS} | ${Math.round(r.tokenizerShare * 100)} % |`,
  );
}
