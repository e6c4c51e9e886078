import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { WordPieceTokenizer } from '../../../../src/embed/tokenizer.js';
import { chunkCode } from '../../../../src/engines/code/chunker.js';
import type { Grammars } from '../../../../src/engines/code/grammars.js';
import type { CodeChunk } from '../../../../src/engines/code/types.js';
import type { ChunkLimits } from '../../../../src/engines/types.js';
import { testModel } from '../../../helpers/model.js';

/** The real tokenizer of the default model; its limit is the model's 256. */
export const tokenizer = new WordPieceTokenizer(testModel().dir, 256);

export function limits(maxTokens = 256): ChunkLimits {
  return { maxTokens, minTokens: 32, tokenizer };
}

export const ROOT = '/home/me/src/shop';

export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../../fixtures/code/${name}`, import.meta.url)), 'utf8');
}

/** Chunks `text` as the file `name` under ROOT, symbols relative to ROOT. */
export function chunk(grammars: Grammars, name: string, text: string, maxTokens = 256): Promise<CodeChunk[]> {
  return chunkCode({ path: `${ROOT}/${name}`, text, symbolPath: name }, limits(maxTokens), grammars);
}

/** `[symbol, kind, startLine, endLine, parent symbol]` per chunk, the shape most tests assert. */
export function outline(
  chunks: readonly CodeChunk[],
): Array<[string, string, number, number, string | null]> {
  const byId = new Map(chunks.map((c) => [c.id, c]));
  return chunks.map((c) => [
    c.metadata.symbol + (c.metadata.part ? `#${c.metadata.part}` : ''),
    c.metadata.kind,
    c.startLine,
    c.endLine,
    c.metadata.parentScope === null ? null : (byId.get(c.metadata.parentScope)?.metadata.symbol ?? 'MISSING'),
  ]);
}

export function bySymbol(chunks: readonly CodeChunk[], symbol: string): CodeChunk {
  const found = chunks.filter((c) => c.metadata.symbol === symbol && c.metadata.part === undefined);
  expect(found, `chunks with symbol ${symbol}`).toHaveLength(1);
  return found[0]!;
}

export function sha32(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/**
 * What holds for every chunk: it has text, its hash is of its text, ids are unique, parents
 * exist, every chunk fits the limit, and every line of it is a line of the file inside the
 * chunk's range (or an elided body `…`/`...` in a class summary).
 */
export function expectValidChunks(text: string, chunks: readonly CodeChunk[], maxTokens = 256): void {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const ids = new Set(chunks.map((c) => c.id));
  expect(ids.size, 'ids are unique').toBe(chunks.length);
  for (const c of chunks) {
    const where = `${c.metadata.symbol} (${c.metadata.kind}, lines ${c.startLine}-${c.endLine})`;
    expect(c.text.trim().length, `${where} has text`).toBeGreaterThan(0);
    expect(c.contentHash, where).toBe(sha32(c.embedText ?? c.text));
    expect(c.startLine, where).toBeGreaterThanOrEqual(1);
    expect(c.endLine, where).toBeGreaterThanOrEqual(c.startLine);
    expect(c.endLine, where).toBeLessThanOrEqual(lines.length);
    if (c.metadata.parentScope !== null)
      expect(ids.has(c.metadata.parentScope), `${where} parent`).toBe(true);
    expect(tokenizer.countTokens(c.text), `${where} fits`).toBeLessThanOrEqual(maxTokens);
    if (c.metadata.isCutLine) continue;
    const range = lines.slice(c.startLine - 1, c.endLine);
    for (const line of c.text.split('\n')) {
      const isFileLine = range.includes(line);
      const signature = line.replace(/ (\.\.\.|…|\{ … \})$/, '');
      const isSignature = signature !== line && range.some((l) => l.startsWith(signature));
      expect(isFileLine || isSignature, `${where}: ${JSON.stringify(line)} is a line of its range`).toBe(
        true,
      );
    }
  }
}

/**
 * Nothing is lost: every line with a letter or digit is shown by some chunk whose range holds it
 * (a class summary shows its header, a method its body, a split function's parts their statements).
 */
export function expectAllTextCovered(text: string, chunks: readonly CodeChunk[]): void {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const shown = new Map<number, string[]>();
  for (const c of chunks) {
    const own = new Set(c.text.split('\n'));
    for (let n = c.startLine; n <= c.endLine; n++) {
      const line = lines[n - 1]!;
      // A line cut for length is shown in pieces: each piece is part of it.
      const isShown = c.metadata.isCutLine ? line.includes(c.text) : own.has(line);
      if (isShown) shown.set(n, [...(shown.get(n) ?? []), c.id]);
    }
  }
  for (let n = 1; n <= lines.length; n++) {
    if (!/[\p{L}\p{N}]/u.test(lines[n - 1]!)) continue;
    expect(shown.has(n), `line ${n} ${JSON.stringify(lines[n - 1])} is in a chunk`).toBe(true);
  }
}
