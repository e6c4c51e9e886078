import type { ConvertedText } from './converted.js';
import { htmlToMarkdown, isHtmlPath } from './html.js';
import { isNotebookPath, notebookToMarkdown } from './notebook.js';

/**
 * The reader of a text file that is not to be read as it is (an HTML page, a Jupyter notebook),
 * by its extension: `path`'s text made Markdown, or undefined for a file read as it is. A PDF is
 * read from its bytes, asynchronously: `markdownChunker.chunk` hands it to pdf.ts.
 */
export function convertedText(path: string, text: string): ConvertedText | undefined {
  if (isHtmlPath(path)) return htmlToMarkdown(text);
  if (isNotebookPath(path)) return notebookToMarkdown(text);
  return undefined;
}
