import { canvasToMarkdown } from './canvas.js';
import type { ConvertedText } from './converted.js';
import { docxToMarkdown } from './docx.js';
import { epubToMarkdown } from './epub.js';
import {
  isCanvasPath,
  isDocxPath,
  isEpubPath,
  isHtmlPath,
  isLatexPath,
  isNotebookPath,
  isOdtPath,
  isPdfPath,
  isPptxPath,
  isRtfPath,
  isXlsxPath,
  readsBytes,
} from './file-kinds.js';
import { htmlToMarkdown } from './html.js';
import { latexToMarkdown } from './latex.js';
import { notebookToMarkdown } from './notebook.js';
import { odtToMarkdown } from './odt.js';
import { pdfToMarkdown } from './pdf.js';
import { pptxToMarkdown } from './pptx.js';
import { rtfToMarkdown } from './rtf.js';
import { xlsxToMarkdown } from './xlsx.js';

/**
 * The readers of files that are not read as they are, by extension: the one place that knows
 * them all. Text formats (an HTML page, a Jupyter notebook, a LaTeX or Rich Text document, a
 * canvas) are converted from their decoded text; binary ones (a PDF, a Word document, a
 * workbook) from their bytes, which the pipeline hands over undecoded for the paths
 * `readsBytes` names (`Chunker.readsBytes`).
 */

/** `path`'s text made Markdown, or undefined for a file read as it is. */
export function convertedText(path: string, text: string): ConvertedText | undefined {
  if (isHtmlPath(path)) return htmlToMarkdown(text);
  if (isNotebookPath(path)) return notebookToMarkdown(text);
  if (isLatexPath(path)) return latexToMarkdown(text);
  if (isRtfPath(path)) return rtfToMarkdown(text);
  if (isCanvasPath(path)) return canvasToMarkdown(text);
  return undefined;
}

/** A file `readsBytes` names, made Markdown from its bytes (pdf.js reads asynchronously). */
export async function convertedBytes(path: string, bytes: Uint8Array): Promise<ConvertedText> {
  if (isDocxPath(path)) return docxToMarkdown(bytes);
  if (isOdtPath(path)) return odtToMarkdown(bytes);
  if (isPptxPath(path)) return pptxToMarkdown(bytes);
  if (isXlsxPath(path)) return xlsxToMarkdown(bytes);
  if (isEpubPath(path)) return epubToMarkdown(bytes);
  if (isPdfPath(path)) return pdfToMarkdown(bytes);
  throw new Error(`${path}: no reader of bytes for this file type`);
}

/**
 * Files many times bigger than the text they give (a PDF's fonts, a notebook's output images, a
 * Rich Text document's pictures written out in hexadecimal).
 */
export function isContainer(path: string): boolean {
  return readsBytes(path) || isNotebookPath(path) || isRtfPath(path);
}
