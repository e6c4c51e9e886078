import { basename, extname } from 'node:path';
import { isProjectFile } from '../default-includes.js';
import type { TextKind } from './blocks.js';

/**
 * What the md engine makes of a file, by its name alone: which reader converts it (convert.ts)
 * and how its text is parsed. Kept apart from the readers so that a caller that only asks (the
 * CLI, showing a result line) loads none of them.
 */

/** `.rtf` files are Rich Text (TextEdit's and WordPad's own format), read through `rtfToMarkdown`. */
export function isRtfPath(path: string): boolean {
  return /\.rtf$/i.test(path);
}

/** `.docx` files are Word documents, read through `docxToMarkdown`. */
export function isDocxPath(path: string): boolean {
  return /\.docx$/i.test(path);
}

/** `.canvas` files are JSON Canvas boards (Obsidian's canvases), read through `canvasToMarkdown`. */
export function isCanvasPath(path: string): boolean {
  return /\.canvas$/i.test(path);
}

/** `.pdf` files are read through `pdfToMarkdown`, as bytes. */
export function isPdfPath(path: string): boolean {
  return /\.pdf$/i.test(path);
}

/** `.epub` files are e-books, read through `epubToMarkdown`. */
export function isEpubPath(path: string): boolean {
  return /\.epub$/i.test(path);
}

/** `.tex` and `.ltx` files are LaTeX, read through `latexToMarkdown`. */
export function isLatexPath(path: string): boolean {
  return /\.(tex|ltx)$/i.test(path);
}

/**
 * `.odt` files are OpenDocument texts (LibreOffice Writer, OpenOffice, Google Docs' export), `.odp`
 * OpenDocument presentations (Impress), both read through `odtToMarkdown`.
 */
export function isOdtPath(path: string): boolean {
  return /\.od[tp]$/i.test(path);
}

/** `.pptx` files are PowerPoint presentations (and Keynote's, Impress's, Google Slides' exports), read through `pptxToMarkdown`. */
export function isPptxPath(path: string): boolean {
  return /\.pptx$/i.test(path);
}

/** `.html`, `.htm` and `.xhtml` files are read through `htmlToMarkdown`. */
export function isHtmlPath(path: string): boolean {
  return /\.(x?html?)$/i.test(path);
}

/** `.xlsx` files are Excel workbooks (and what LibreOffice and Numbers export as such), read through `xlsxToMarkdown`. */
export function isXlsxPath(path: string): boolean {
  return /\.xlsx$/i.test(path);
}

/**
 * `.mdx` files are MDX (Docusaurus', Nextra's, Astro's docs): Markdown whose `import`/`export`
 * statements and `{/* comments *\/}` the page runs or drops, never shows (hidden.ts).
 */
export function isMdxPath(path: string): boolean {
  return /\.mdx$/i.test(path);
}

/** `.ipynb` files are Jupyter notebooks, read through `notebookToMarkdown`. */
export function isNotebookPath(path: string): boolean {
  return /\.ipynb$/i.test(path);
}

/** Whether `path` is read from its bytes: a PDF, an office document, a workbook or an e-book is not text. */
export function readsBytes(path: string): boolean {
  return (
    isPdfPath(path) ||
    isDocxPath(path) ||
    isOdtPath(path) ||
    isPptxPath(path) ||
    isXlsxPath(path) ||
    isEpubPath(path)
  );
}

/**
 * How `convertedText` or `convertedBytes` parses `path`'s text, without reading it: a notebook's
 * cells, LaTeX, Rich Text and a canvas's cards become Markdown as a page writes it (its comments
 * and link definitions hidden when shown); an HTML page or a document read from its bytes
 * becomes the text it shows. Undefined for a file read as it is.
 */
export function convertedKind(path: string): TextKind | undefined {
  if (isNotebookPath(path) || isLatexPath(path) || isRtfPath(path) || isCanvasPath(path)) return 'markdown';
  if (isHtmlPath(path) || readsBytes(path)) return 'converted';
  return undefined;
}

/**
 * Whether `path`'s chunks hold Markdown as its page is written: what the page hides (hidden.ts)
 * is in their text but not on the page. A result line shows them as the page does.
 */
export function holdsMarkdown(path: string): boolean {
  return (convertedKind(path) ?? textKind(path)) === 'markdown';
}

/**
 * How a file read as it is (no reader converts it) is parsed, by its name. Sphinx publishes each
 * page's source as `_sources/<page>.rst.txt`: reStructuredText too.
 */
export function textKind(path: string): TextKind {
  const name = path.toLowerCase();
  if (name.endsWith('.rst') || name.endsWith('.rst.txt')) return 'rst';
  if (name.endsWith('.org')) return 'org';
  if (name.endsWith('.adoc') || name.endsWith('.asciidoc')) return 'adoc';
  // `.txt`, a README, NEWS or LICENSE without an extension, a project's `tox.ini` or
  // `package.json`: no Markdown code blocks, and a `# comment` is no heading.
  if (isProjectFile(basename(path))) return 'plain';
  return extname(name) === '.txt' || extname(name) === '' ? 'plain' : 'markdown';
}
