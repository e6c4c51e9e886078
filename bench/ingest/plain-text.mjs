// What reading `.txt` notes without code and HTML blocks changes, on a real folder of them:
// every `.txt` file under --dir is chunked twice by the markdown chunker, as plain text (its
// own path) and as Markdown (the same text under a `.md` path), and each way reports its
// chunks, its oversize chunks (code blocks over the limit, kept whole), the lines inside them,
// and the tokens of those chunks the embedder never reads (past the model's 256). Chunking
// only: no model runs, so the load does not move the numbers.
//
//   node --import ./bench/store/register-ts.mjs bench/ingest/plain-text.mjs --dir /usr/share/doc
//
// Raw numbers: bench/out/plain-text-<time>.json.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveModel } from '../../src/embed/model/resolve.js';
import { WordPieceTokenizer } from '../../src/embed/tokenizer.js';
import { chunkMarkdown } from '../../src/engines/markdown/chunker.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    model: { type: 'string', default: 'sentence-transformers/all-MiniLM-L6-v2' },
    'max-bytes': { type: 'string', default: String(10 * 1024 * 1024) },
  },
});
if (!values.dir) throw new Error('--dir <folder of .txt files> is required');
const MAX_TOKENS = 256;
const tokenizer = new WordPieceTokenizer(resolveModel(values.model).dir, MAX_TOKENS);
const limits = { maxTokens: MAX_TOKENS, minTokens: 48, tokenizer };

function* txtFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* txtFiles(path);
    else if (e.isFile() && e.name.endsWith('.txt')) yield path;
  }
}

const empty = () => ({ chunks: 0, oversize: 0, oversizeLines: 0, unreadTokens: 0, filesWithOversize: 0 });
const totals = { text: empty(), markdown: empty(), files: 0 };
for (const path of txtFiles(resolve(values.dir))) {
  if (statSync(path).size > Number(values['max-bytes'])) continue;
  const text = readFileSync(path, 'utf8');
  if (text.includes('\0')) continue;
  totals.files++;
  for (const [way, as] of [
    ['text', path],
    ['markdown', `${path.slice(0, -4)}.md`],
  ]) {
    const t = totals[way];
    const chunks = chunkMarkdown({ path: as, text }, limits);
    t.chunks += chunks.length;
    const over = chunks.filter((c) => c.metadata.oversize);
    if (over.length) t.filesWithOversize++;
    for (const c of over) {
      t.oversize++;
      t.oversizeLines += c.endLine - c.startLine + 1;
      t.unreadTokens += Math.max(0, tokenizer.countTokens(c.embedText ?? c.text) - MAX_TOKENS);
    }
  }
}

console.log(`${totals.files} .txt files under ${values.dir}`);
console.log('read as     chunks  oversize  files with one  lines in them  tokens never embedded');
for (const way of ['text', 'markdown']) {
  const t = totals[way];
  console.log(
    `${way.padEnd(10)} ${String(t.chunks).padStart(7)} ${String(t.oversize).padStart(9)} ${String(t.filesWithOversize).padStart(15)} ${String(t.oversizeLines).padStart(14)} ${String(t.unreadTokens).padStart(22)}`,
  );
}
const out = resolve('bench/out');
mkdirSync(out, { recursive: true });
const file = join(out, `plain-text-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z.json`);
writeFileSync(file, `${JSON.stringify({ dir: values.dir, ...totals }, null, 2)}\n`);
console.log(`raw: ${file}`);
