import { RagError } from '../../errors.js';
import { ConvertedLines, type ConvertedText } from './converted.js';
import { pageFurniture } from './pdf-furniture.js';

/**
 * A PDF as the Markdown its text layer reads as: each page's lines in order, a blank line where
 * the gap between two lines is wider than a line, and the document's outline (its bookmarks) as
 * headings, each put on its page above the first line below the bookmark's position (without an
 * outline: its larger type, `headingsBySize`). What the pages print around their text (running
 * heads and feet, page numbers: pdf-furniture.ts) and a table of contents' dotted leaders are
 * left out. `lines[i]` is the 0-based page of line `i`: a PDF has no lines of its own to
 * point at, so a hit's `start_line`/`end_line` are its pages (physical: a viewer opens the 146th
 * page by that number), and `labels` the numbers the pages print where those differ (`139`).
 *
 * pdf.js (`pdfjs-dist`'s build for Node) reads it, loaded on the first PDF only. A scanned PDF
 * without a text layer, a password-protected one, or one it cannot parse is skipped, saying so.
 */
export async function pdfToMarkdown(bytes: Uint8Array): Promise<ConvertedText> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  let doc: Awaited<ReturnType<typeof pdfjs.getDocument>['promise']>;
  try {
    doc = await pdfjs.getDocument({
      // pdf.js takes the buffer over (detaches it): it gets a copy.
      data: new Uint8Array(bytes),
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      stopAtErrors: false,
      verbosity: 0,
    }).promise;
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'PasswordException') throw new RagError('E_SKIPPED', 'a password-protected PDF');
    throw new RagError('E_SKIPPED', `not a readable PDF: ${(err as Error).message}`);
  }
  try {
    const marks = await outline(doc);
    const pages: Line[][] = [];
    for (let p = 0; p < doc.numPages; p++) {
      await turn();
      const page = await doc.getPage(p + 1);
      pages.push(linesOf((await page.getTextContent()).items as TextItem[]));
      page.cleanup();
    }
    if (!pages.some((lines) => lines.some((l) => l.text.trim()))) {
      throw new RagError('E_SKIPPED', 'a PDF without a text layer (scanned pages?): nothing to read');
    }
    const labels = await doc.getPageLabels().catch(() => null);
    const furniture = pageFurniture(pages, labels);
    // Finding the furniture compares every page's edges with the others': a turn before the pages are written.
    await turn();
    // Without an outline, the lines set larger than the body text are the headings.
    const sized = marks.length ? new Map<Line, number>() : headingsBySize(pages, furniture);
    const out = new ConvertedLines();
    const push = (line: string, page: number) => out.push(line, page);
    pages.forEach((lines, p) => {
      const here = marks.filter((m) => m.page === p);
      let blank = true;
      /** The bookmark just written, until a line of text follows it. */
      let justTitled: Mark | undefined;
      const heading = (m: Mark) => {
        if (!blank) push('', p);
        push(`${'#'.repeat(m.level)} ${m.title}`, p);
        push('', p);
        blank = true;
      };
      lines.forEach((line, i) => {
        while (here.length && (here[0]!.top === null || here[0]!.top >= line.y - line.height / 2)) {
          justTitled = here.shift()!;
          heading(justTitled);
        }
        const text = line.text.trim();
        if (!text || TOC_LEADER.test(text) || furniture.has(line)) return;
        // The bookmark's own title as the page prints it (`2.1 ASN.1 syntax` for `ASN.1 syntax`):
        // the heading takes the printed text, once.
        if (justTitled && unnumbered(text) === unnumbered(justTitled.title)) {
          out.replace(-2, `${'#'.repeat(justTitled.level)} ${text}`);
          justTitled = undefined;
          return;
        }
        justTitled = undefined;
        const level = sized.get(line);
        if (level !== undefined) {
          // A heading set over two lines is one heading.
          const above = lines[i - 1];
          if (above && sized.get(above) === level && blank && out.length >= 2) {
            out.replace(-2, `${'#'.repeat(level)} ${sizedTitle(out, level)} ${text}`);
            return;
          }
          heading({ title: text, level, page: p, top: null });
          return;
        }
        if (line.gapAbove && !blank) push('', p);
        out.pushText(text, p);
        blank = false;
      });
      for (const m of here) heading(m);
      if (!blank) push('', p);
    });
    const info = (await doc.getMetadata().catch(() => undefined))?.info as { Title?: unknown } | undefined;
    const title = typeof info?.Title === 'string' ? info.Title.trim() : '';
    const read = out.finish(
      'converted',
      title && !marks.some((m) => m.level === 1 && m.title === title) ? title : undefined,
    );
    return labels?.some((label, p) => label !== String(p + 1)) ? { ...read, labels } : read;
  } finally {
    await doc.destroy();
  }
}

interface TextItem {
  str: string;
  hasEOL: boolean;
  transform: number[];
  height: number;
}

interface Line {
  text: string;
  /** Its baseline, in PDF units from the page's bottom. */
  y: number;
  height: number;
  /** Whether a wider gap than a line's height separates it from the line above: a new paragraph. */
  gapAbove: boolean;
}

/** A bookmark: its title, depth (1 = top), 0-based page, and position on it (null: the page's top). */
interface Mark {
  title: string;
  level: number;
  page: number;
  top: number | null;
}

/** A title without its section number and case, for matching a bookmark to the line it points at. */
function unnumbered(title: string): string {
  return title
    .replace(/^(?:\d+(?:\.\d+)*\.?|[A-Z]\.(?:\d+\.?)*|chapter \d+:?|appendix [a-z]:?)\s+/i, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

/** A table of contents' entry: `1 Introduction . . . . . 1`. */
const TOC_LEADER = /(?:\.\s?){4,}\s*[\divxlc]+$/i;

/** The page's text items as lines: an item that ends a line (`hasEOL`) or moves down starts the next. */
function linesOf(items: readonly TextItem[]): Line[] {
  const lines: Line[] = [];
  let text = '';
  let y: number | undefined;
  let height = 0;
  const end = () => {
    if (y !== undefined && text.trim()) {
      const above = lines.at(-1);
      const gap = above ? above.y - y : 0;
      lines.push({
        text: text.replace(/\s+/g, ' '),
        y,
        height,
        gapAbove: gap > 1.6 * Math.max(height, above?.height ?? 0, 1),
      });
    }
    text = '';
    y = undefined;
    height = 0;
  };
  for (const item of items) {
    const itemY = item.transform[5] ?? 0;
    if (y !== undefined && item.str.trim() && Math.abs(itemY - y) > Math.max(item.height, height, 1) * 0.6)
      end();
    if (item.str.trim()) {
      y ??= itemY;
      height = Math.max(height, item.height);
    }
    text += item.str;
    if (item.hasEOL) {
      if (text && !/\s$/.test(text)) text += ' ';
      end();
    }
  }
  end();
  // A word broken at a line's end (`manip-` / `ulation`) is one word again.
  for (let i = lines.length - 1; i > 0; i--) {
    const above = lines[i - 1]!;
    const line = lines[i]!;
    if (/[a-z]-$/.test(above.text.trimEnd()) && /^[a-z]/.test(line.text) && !line.gapAbove) {
      const [word = '', ...rest] = line.text.split(' ');
      above.text = `${above.text.trimEnd().slice(0, -1)}${word}`;
      line.text = rest.join(' ');
    }
  }
  return lines;
}

/**
 * Headings of a PDF without an outline, by size: lines set at least 15 % larger than the size
 * most of its characters are set in, short, not ending as a sentence does, and not running heads
 * or page numbers. The largest such size is level 1, the next level 2, and so on. A size that
 * sets much of the text (a second body font), or more such lines than the body has
 * (slides, a poster), says this is not a document with headings: none then.
 */
function headingsBySize(pages: readonly Line[][], furniture: ReadonlySet<Line>): Map<Line, number> {
  const size = (line: Line) => Math.round(line.height * 2) / 2;
  const chars = new Map<number, number>();
  for (const lines of pages) {
    for (const line of lines) chars.set(size(line), (chars.get(size(line)) ?? 0) + line.text.length);
  }
  const [body = 0, bodyChars = 0] = [...chars].sort((a, b) => b[1] - a[1])[0] ?? [];
  const bodyLines = pages.reduce((n, lines) => n + lines.filter((l) => size(l) === body).length, 0);
  const candidates = new Map<Line, number>();
  for (const lines of pages) {
    for (const line of lines) {
      const text = line.text.trim();
      if (
        !body ||
        size(line) < body * 1.15 ||
        (chars.get(size(line)) ?? 0) > bodyChars * 0.5 ||
        text.length > 120 ||
        !/\p{L}/u.test(text) ||
        /[.,;:]$/.test(text) ||
        furniture.has(line)
      )
        continue;
      candidates.set(line, size(line));
    }
  }
  if (candidates.size > bodyLines) return new Map();
  const levels = [...new Set(candidates.values())].sort((a, b) => b - a);
  return new Map([...candidates].map(([line, s]) => [line, Math.min(6, levels.indexOf(s) + 1)]));
}

/** The title of the heading `out` ends with (its line, then a blank one). */
function sizedTitle(out: ConvertedLines, level: number): string {
  return out.line(-2).slice(level + 1);
}

/**
 * Lets the event loop turn. pdf.js runs in this thread and answers itself through promises
 * alone, which never let it: without a turn per page (and per bookmark), a daemon reading a book
 * answers no search until its last page is read.
 */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

type PdfDocument = Awaited<
  ReturnType<typeof import('pdfjs-dist/legacy/build/pdf.mjs')['getDocument']>['promise']
>;

/** The outline's entries in order, each with its page and position; those it cannot place are left out. */
async function outline(doc: PdfDocument): Promise<Mark[]> {
  const marks: Mark[] = [];
  const walk = async (items: readonly OutlineItem[] | null | undefined, level: number) => {
    for (const item of items ?? []) {
      await turn();
      const title = item.title.replace(/\s+/g, ' ').trim();
      const place = await placeOf(doc, item.dest).catch(() => undefined);
      if (title && place) marks.push({ title, level: Math.min(6, level), ...place });
      await walk(item.items, level + 1);
    }
  };
  await walk((await doc.getOutline().catch(() => null)) as OutlineItem[] | null, 1);
  // In page order, and top to bottom within a page, as the text is written.
  return marks.sort(
    (a, b) => a.page - b.page || (b.top ?? Number.POSITIVE_INFINITY) - (a.top ?? Number.POSITIVE_INFINITY),
  );
}

interface OutlineItem {
  title: string;
  dest: string | unknown[] | null;
  items?: OutlineItem[];
}

async function placeOf(
  doc: PdfDocument,
  dest: OutlineItem['dest'],
): Promise<{ page: number; top: number | null } | undefined> {
  const explicit = typeof dest === 'string' ? await doc.getDestination(dest) : dest;
  if (!Array.isArray(explicit) || !explicit[0]) return undefined;
  const ref = explicit[0] as { num: number; gen: number } | number;
  const page = typeof ref === 'number' ? ref : await doc.getPageIndex(ref);
  // [page, {name: 'XYZ'}, left, top, zoom] or [page, {name: 'FitH'}, top]: where it points on the page.
  const kind = (explicit[1] as { name?: string } | undefined)?.name;
  const top = kind === 'XYZ' ? explicit[3] : kind === 'FitH' || kind === 'FitBH' ? explicit[2] : null;
  return { page, top: typeof top === 'number' ? top : null };
}
