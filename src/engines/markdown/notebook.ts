import type { Node } from 'jsonc-parser';
import { RagError } from '../../errors.js';
import { ConvertedLines, type ConvertedText, fenceFor } from './converted.js';
import { property, readJsonObject } from './json-tree.js';

/**
 * A Jupyter notebook (`.ipynb`, nbformat 4) as the Markdown it reads as: its Markdown cells as
 * they are, its code cells fenced in the notebook's language, its raw cells as text; outputs
 * left out (images, tables of numbers, tracebacks: what the code made, not what its author wrote).
 * `lines[i]` is the notebook file's line range behind line `i`: a cell's source line is one JSON
 * string, on a line of its own as Jupyter writes them, so a hit opens the notebook at that line.
 */
export function notebookToMarkdown(json: string): ConvertedText {
  const { root, lineAt } = readJsonObject(json, 'a Jupyter notebook');
  const cells = property(root, 'cells');
  if (cells?.type !== 'array') {
    throw new RagError(
      'E_SKIPPED',
      property(root, 'worksheets')
        ? 'an nbformat 3 notebook (IPython 2 or older) is not read: open and save it in Jupyter to make it nbformat 4'
        : 'not a Jupyter notebook: it has no "cells" list',
    );
  }
  const language = notebookLanguage(root);
  const out = new ConvertedLines();
  for (const cell of cells.children ?? []) {
    const type = property(cell, 'cell_type')?.value;
    const source = sourceLines(property(cell, 'source'), lineAt);
    if (!source.some((l) => l.text.trim())) continue;
    const top = source[0]!.line;
    const bottom = source.at(-1)!.line;
    if (out.length) out.push('', out.lastSource);
    if (type === 'code') {
      const fence = fenceFor(source.map((l) => l.text));
      out.push(`${fence}${language}`, top);
      for (const l of source) out.push(l.text, l.line);
      out.push(fence, bottom);
    } else {
      for (const l of source) out.push(l.text, l.line);
    }
  }
  return out.finish('markdown');
}

/** A cell's source (a list of strings, or one string) as lines, each with the file line it is on. */
function sourceLines(
  node: Node | undefined,
  lineAt: (offset: number) => number,
): { text: string; line: number }[] {
  if (!node) return [];
  const parts = node.type === 'array' ? (node.children ?? []) : [node];
  const lines: { text: string; line: number }[] = [];
  let open = false;
  for (const part of parts) {
    if (part.type !== 'string') continue;
    const line = lineAt(part.offset);
    const pieces = String(part.value).replace(/\r\n?/g, '\n').split('\n');
    pieces.forEach((piece, i) => {
      // A string without a final line break continues on the next one (nbformat joins them).
      if (i === 0 && open) lines[lines.length - 1]!.text += piece;
      else if (i < pieces.length - 1 || piece) lines.push({ text: piece, line });
    });
    open = !String(part.value).endsWith('\n');
  }
  return lines;
}

/** The notebook's language, for its code cells' fences: `python`, `r`, `julia`… or none. */
function notebookLanguage(root: Node): string {
  const metadata = property(root, 'metadata');
  const name =
    property(property(metadata, 'language_info'), 'name')?.value ??
    property(property(metadata, 'kernelspec'), 'language')?.value;
  return typeof name === 'string' && /^[\w+#.-]+$/.test(name) ? name.toLowerCase() : '';
}
