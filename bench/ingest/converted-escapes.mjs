// Do chunks of a converted file (a PDF, a Word document, an HTML page…) show a line as the file
// does, or with the backslash its reader put before it so that Markdown would not read it as
// markup (`\#include <R.h>`)? Counts, per file, the chunks holding such an escaped line, and those
// holding a C preprocessor or shebang line (`#include`, `#define`, `#!`) as written.
//
//   node --import ./bench/store/register-ts.mjs bench/ingest/converted-escapes.mjs \
//     /tmp/passpdf/library/R/*.pdf /tmp/passpdf/library/graphics/gnuplot.pdf …
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { WordPieceTokenizer } from '../../src/embed/tokenizer.js';
import { markdownChunker } from '../../src/engines/markdown/chunker.js';
import { testModel } from '../../test/helpers/model.js';

const ESCAPED = /^\\(?:#|=|-|\*|_|```|~~~|\+\+\+)/m;
const AS_WRITTEN = /^#(?:include|define|if|endif|!)/m;
// The daemon's defaults: the model's 256 tokens, `chunkMinTokens` 48.
const limits = { maxTokens: 256, minTokens: 48, tokenizer: new WordPieceTokenizer(testModel().dir, 256) };
const paths = process.argv.slice(2);
if (!paths.length) throw new Error('name one or more files');
let escaped = 0;
for (const path of paths) {
  const bytes = readFileSync(path);
  const input = markdownChunker.readsBytes?.(path)
    ? { path, text: '', bytes }
    : { path, text: bytes.toString() };
  const chunks = await markdownChunker.chunk(input, limits);
  const withEscape = chunks.filter((c) => ESCAPED.test(c.text)).length;
  const asWritten = chunks.filter((c) => AS_WRITTEN.test(c.text)).length;
  escaped += withEscape;
  console.log(
    `${basename(path)}: ${withEscape}/${chunks.length} chunks with an escaped line, ${asWritten} with #include, #define or #! as written`,
  );
}
console.log(`all: ${escaped} chunks with an escaped line`);
