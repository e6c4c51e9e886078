import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { WordPieceTokenizer } from '../../../../src/embed/tokenizer.js';
import type { TokenCounter } from '../../../../src/embed/types.js';
import { chunkMarkdown } from '../../../../src/engines/markdown/chunker.js';
import { isMdxPath } from '../../../../src/engines/markdown/file-kinds.js';
import {
  type MarkupOptions,
  showsNothing,
  withoutHiddenMarkup,
} from '../../../../src/engines/markdown/hidden.js';
import type { MarkdownChunkMetadata } from '../../../../src/engines/markdown/types.js';
import type { Chunk, ChunkLimits } from '../../../../src/engines/types.js';
import { RagError } from '../../../../src/errors.js';
import { testModel } from '../../../helpers/model.js';

/** The real tokenizer of the default model; its limit is the model's 256. */
export const tokenizer = new WordPieceTokenizer(testModel().dir, 256);

export const DOC_PATH = '/home/me/notes/doc.md';

export function limits(maxTokens = 256, minTokens = 32, counter: TokenCounter = tokenizer): ChunkLimits {
  return { maxTokens, minTokens, tokenizer: counter };
}

export function chunk(text: string, lim: ChunkLimits = limits(), path = DOC_PATH): Chunk[] {
  return chunkMarkdown({ path, text }, lim);
}

export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../../fixtures/markdown/${name}`, import.meta.url)), 'utf8');
}

/** A binary fixture's bytes (`docx/report.docx`, `pptx/deck.pptx`), under test/fixtures/. */
export function fixtureBytes(path: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`../../../fixtures/${path}`, import.meta.url)));
}

/** Why a reader skips `bytes`: its `E_SKIPPED` message. Fails when it reads them, or fails otherwise. */
export function skipReason(read: (bytes: Uint8Array) => unknown, bytes: Uint8Array): string {
  try {
    read(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(RagError);
    expect((err as RagError).code).toBe('E_SKIPPED');
    return (err as RagError).message;
  }
  throw new Error('not skipped');
}

export function meta(c: Chunk): MarkdownChunkMetadata {
  return c.metadata as MarkdownChunkMetadata;
}

/** The part of `text` that comes from the file, after the breadcrumb. */
export function body(c: Chunk): string {
  return c.text.slice(meta(c).bodyOffset);
}

/** The file's lines as an editor numbers them (line 1 is `lines[0]`). */
export function fileLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
}

export function sha32(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

export function tokens(text: string): number {
  return tokenizer.countTokens(text);
}

/** The chunk whose body contains `needle`; fails when none or several do. */
export function chunkWith(chunks: readonly Chunk[], needle: string): Chunk {
  const found = chunks.filter((c) => body(c).includes(needle));
  expect(found, `chunks containing ${JSON.stringify(needle)}`).toHaveLength(1);
  return found[0]!;
}

/**
 * What must hold for every chunk of every file: the body is the file's own lines, text is
 * breadcrumb + body, hash and id follow the documented scheme, chunks are in file order and
 * fit the limit (bar oversize code blocks).
 */
export function expectValidChunks(
  text: string,
  chunks: readonly Chunk[],
  lim: ChunkLimits,
  options: { path?: string; countEvery?: number } = {},
): void {
  const path = options.path ?? DOC_PATH;
  const lines = fileLines(text);
  let previousEnd = 0;
  chunks.forEach((c, ordinal) => {
    const where = `chunk ${ordinal} (lines ${c.startLine}-${c.endLine})`;
    const b = body(c);
    expect(b.trim().length, `${where} has text`).toBeGreaterThan(0);
    expect(c.startLine, where).toBeGreaterThanOrEqual(Math.max(1, previousEnd));
    expect(c.endLine, where).toBeGreaterThanOrEqual(c.startLine);
    expect(c.endLine, where).toBeLessThanOrEqual(lines.length);
    const span = lines.slice(c.startLine - 1, c.endLine);
    expect(span.join('\n'), `${where} body is the file's lines`).toContain(b);
    const bodyLines = b.split('\n');
    expect(span[0], `${where} body starts on startLine`).toContain(bodyLines[0]);
    expect(span.at(-1), `${where} body ends on endLine`).toContain(bodyLines.at(-1));
    // What is embedded: the breadcrumb and the body, in Markdown without the markup its page
    // hides (hidden.ts). `text` may hold the front matter's keywords between the two, for
    // full-text search only.
    const embedded = c.embedText ?? c.text;
    const shown = embedded.endsWith(b) ? b : withoutHiddenMarkup(b, { mdx: isMdxPath(path) });
    expect(shown.trim().length, `${where} shows text`).toBeGreaterThan(0);
    expect(embedded.endsWith(shown), `${where} embeds its body`).toBe(true);
    const crumb = embedded.slice(0, embedded.length - shown.length);
    expect(c.text.startsWith(crumb), `${where} text opens with the breadcrumb`).toBe(true);
    if (crumb !== '') {
      expect(crumb.endsWith('\n\n'), where).toBe(true);
      expect(c.headingPath.join(' > ').endsWith(crumb.slice(0, -2)), `${where} breadcrumb is its path`).toBe(
        true,
      );
    }
    expect(c.contentHash, where).toBe(sha32(embedded));
    expect(c.id, where).toBe(sha32(`${path}\0${ordinal}\0${c.contentHash}`));
    if (ordinal % (options.countEvery ?? 1) === 0 && !meta(c).oversize) {
      expect(lim.tokenizer.countTokens(embedded), `${where} fits`).toBeLessThanOrEqual(lim.maxTokens);
    }
    previousEnd = c.endLine;
  });
}

/** Every line with words in it is inside some chunk's range: nothing is lost. */
export function expectAllTextCovered(
  text: string,
  chunks: readonly Chunk[],
  fromLine = 1,
  markup: MarkupOptions = {},
): void {
  const lines = fileLines(text);
  const covered = new Uint8Array(lines.length + 2);
  for (const c of chunks) covered.fill(1, c.startLine, c.endLine + 1);
  for (let n = fromLine; n <= lines.length; n++) {
    if (covered[n] || !/[\p{L}\p{N}]/u.test(lines[n - 1]!)) continue;
    // A heading with nothing under it is in the breadcrumb of the chunk after it, not a chunk of
    // its own (pack.ts `withoutLoneHeadings`).
    const next = chunks.find((c) => c.startLine > n);
    const title = lines[n - 1]!.replace(/^#+\s*/u, '').trim();
    const crumb = next ? next.text.slice(0, meta(next).bodyOffset) : '';
    if (title && crumb.includes(title)) continue;
    // Markup the page hides, alone, is no chunk's (`showsNothing`).
    if (showsNothing(lines[n - 1]!, markup)) continue;
    expect(covered[n], `line ${n} ${JSON.stringify(lines[n - 1])} is in a chunk`).toBe(1);
  }
}

/** Wraps the real tokenizer to see how much text the chunker tokenises. */
export function countingTokenizer(): { counter: TokenCounter; chars: () => number } {
  let chars = 0;
  return {
    counter: {
      maxTokens: tokenizer.maxTokens,
      countTokens(text: string): number {
        chars += text.length;
        return tokenizer.countTokens(text);
      },
    },
    chars: () => chars,
  };
}

const WORDS = (
  'the index keeps every note searchable while the daemon watches folders and embeds ' +
  'changed chunks quickly so that search finds paragraphs lists tables and code by ' +
  'meaning as well as by exact words written long ago in some forgotten file'
).split(' ');

/** Deterministic English-like prose: `count` words, a sentence every 12 words. */
export function prose(count: number, seed = 0): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let word = WORDS[(i * 7 + seed * 13 + Math.floor(i / WORDS.length)) % WORDS.length]!;
    if (i % 12 === 0) word = word[0]!.toUpperCase() + word.slice(1);
    out.push(i % 12 === 11 || i === count - 1 ? `${word}.` : word);
  }
  return out.join(' ');
}

/** Prose of about `target` tokens (without the special tokens); the first length that reaches it. */
export function proseOfTokens(target: number, seed = 0): string {
  const special = tokenizer.countTokens('');
  for (let n = Math.floor(target / 2); ; n++) {
    const text = prose(n, seed);
    if (tokenizer.countTokens(text) - special >= target) return text;
  }
}
