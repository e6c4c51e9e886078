import type { TextKind } from './blocks.js';
import { htmlToMarkdown, isHtmlPath } from './html.js';
import { notebookToMarkdown } from './notebook.js';

/**
 * A file that is not text to read as it is (an HTML page, a Jupyter notebook), made Markdown
 * for the chunker. `lines[i]` is the file's 0-based line range behind line `i` of `text`, so a
 * chunk's `startLine`/`endLine` are the file's own and an editor opens it there.
 */
export interface ConvertedText {
  text: string;
  lines: readonly { first: number; last: number }[];
  /** How `text` is parsed (blocks.ts). */
  kind: TextKind;
  /** The root of every heading path, as a note's front matter `title` is. */
  title?: string;
}

/** `path`'s text made Markdown, or undefined for a file read as it is. */
export function convertedText(path: string, text: string): ConvertedText | undefined {
  if (isHtmlPath(path)) return htmlToMarkdown(text);
  if (/\.ipynb$/i.test(path)) return notebookToMarkdown(text);
  return undefined;
}
