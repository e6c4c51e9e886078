import { type ChildNode, type Element, isTag, isText } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { ConvertedLines, type ConvertedText, fenceFor, lineFinder } from './converted.js';
import { countWords } from './listing.js';

/** What a reader of the page never sees as its content. */
const SKIPPED = new Set([
  'head',
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'math',
  'canvas',
  'iframe',
  'object',
  'embed',
  'video',
  'audio',
  'select',
  'button',
  'input',
  'textarea',
  'nav',
  'aside',
  'footer',
  'dialog',
]);

/** Landmarks that are the site's, not the page's. */
const SKIPPED_ROLES = new Set([
  'navigation',
  'banner',
  'contentinfo',
  'search',
  'complementary',
  'menu',
  'menubar',
]);

/**
 * Class names and ids generators give their menus where no landmark says so: DocBook's
 * `navheader`/`navfooter` (Prev | Up | Next), Sphinx's `sphinxsidebar` and `related` bars, a
 * chapter page's `toc` (its sections' titles, each a page of its own), breadcrumbs.
 */
const SKIPPED_NAMES =
  /(?:^|\s)(?:nav|nav-panel|navbar|navheader|navfooter|navigation|sidebar|sphinxsidebar|related|breadcrumbs?|toc|skip-link|site-header|site-footer)(?:\s|$)/i;

/**
 * A page's header or footer bar by class (Texinfo's `header`: Previous | Up | Index): skipped
 * unless it holds a heading, as a site's header holding the page's `<h1>` does. A bar is a
 * block: mdBook's `<a class="header">` is the link a heading's title is written in.
 */
const BAR_NAMES = /(?:^|\s)(?:header|footer)(?:\s|$)/i;
const TABLE_PARTS = new Set(['thead', 'tbody', 'tfoot', 'tr', 'th', 'td']);

/** Elements that start and end a line of their own; the rest flow inline. */
const BLOCKS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'blockquote',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'figure',
  'figcaption',
  'address',
  'details',
  'summary',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'caption',
  'form',
  'fieldset',
  'legend',
  'center',
  'body',
  'html',
]);

const HEADING = /^h([1-6])$/;

/**
 * A box set apart from the text (DocBook's `<div class="note"><h3>Note</h3>`, a callout): its
 * heading titles the box, not a section, so it does not take the place of the section's own.
 */
const BOX_NAMES =
  /(?:^|\s)(?:note|tip|hint|caution|warning|important|danger|attention|admonition|callout)(?:\s|$)/i;

/**
 * Characters themes put after a heading as its permalink (Sphinx's `¶`, GitHub's `#`, `§`, a
 * link emoji): not part of its title.
 */
const PERMALINK_MARKS = /[\s¶§#🔗]+$/u;

/**
 * An HTML page as Markdown the chunker reads like any note: headings `#`…`######`, paragraphs,
 * list items, table rows, `<pre>` as fenced code. Only the page's own content is read: inside
 * its `<main>` (or `role="main"`, or its one `<article>`) when it marks one, without navigation,
 * sidebars, footers, scripts and styles, so a site's menu repeated on every page does not
 * outrank the page that answers.
 *
 * `lines[i]` is the page's 0-based line range that gave line `i` of `text`, so a chunk's lines
 * point into the page (an editor opens it there) while its text is what a reader sees.
 */
export function htmlToMarkdown(html: string): ConvertedText {
  const doc = parseDocument(html, { withStartIndices: true, withEndIndices: true, lowerCaseTags: true });
  const lineAt = lineFinder(html);
  const root = contentRoot(doc.children) ?? { children: doc.children };
  const writer = new Writer(lineAt);
  const pageTitle = pathRoot(root.children, titleOf(doc.children));
  writer.walk(root.children, false);
  return writer.finish(pageTitle);
}

class Writer {
  readonly #out = new ConvertedLines();
  /** The line being written (inline text accumulates here), and the page lines it came from. */
  #line = '';
  #first = -1;
  #last = -1;
  /** What the next line of text opens with: a list item's `- `. */
  #prefix = '';
  /** Whether the last line written was blank, so blocks are separated by exactly one. */
  #blank = true;
  /** The level of the last heading written: a definition's title goes one below it. */
  #sectionLevel = 0;
  /** Links begun on the line being written, the words inside them, and how deep in one it is. */
  #links = 0;
  #linkWords = 0;
  #inLink = 0;
  /** How deep in a box set apart from the text (`BOX_NAMES`) it is. */
  #inBox = 0;
  readonly #lineAt: (index: number) => number;

  constructor(lineAt: (index: number) => number) {
    this.#lineAt = lineAt;
  }

  /**
   * Writes `nodes`. `inList`: inside a list item, where blocks start a line but not a
   * paragraph. `definition`: the level of the definition title (`<dt id>`) they describe.
   */
  walk(nodes: readonly ChildNode[], inList: boolean, definition = 0): void {
    let lastDefinition = definition;
    for (const node of nodes) {
      if (isText(node)) {
        this.#inline(node.data, node.startIndex, node.endIndex);
        continue;
      }
      if (!isTag(node) || isSkipped(node)) continue;
      const name = node.name;
      const heading = HEADING.exec(name);
      if (heading && !this.#inBox) {
        this.#heading(node, Number(heading[1]));
      } else if (name === 'dt' && titlesEntry(node)) {
        // An anchored term: one documented thing (Sphinx's `.. function::`, a glossary entry),
        // titled as a heading one level below the section or definition it is in.
        lastDefinition = Math.min(6, Math.max(this.#sectionLevel, definition) + 1);
        this.#heading(node, lastDefinition, false);
      } else if (name === 'dd') {
        this.#endBlock();
        this.walk(node.children, inList, lastDefinition);
        this.#endBlock();
      } else if (name === 'pre') {
        this.#pre(node);
      } else if (name === 'br') {
        this.#endLine();
      } else if (name === 'hr') {
        this.#endBlock();
      } else if (name === 'li') {
        this.#endLine();
        this.#prefix = '- ';
        this.walk(node.children, true, definition);
        this.#endLine();
        this.#prefix = '';
      } else if (name === 'tr') {
        this.#endLine();
        const cells = node.children.filter(
          (c): c is Element => isTag(c) && (c.name === 'td' || c.name === 'th'),
        );
        cells.forEach((cell, i) => {
          if (i > 0 && this.#line) this.#line += ' | ';
          this.walk(cell.children, inList, definition);
        });
        this.#endLine();
      } else if (name === 'a' && node.attribs.href) {
        // DocBook nests a glossary term's link in another to the same place: one link.
        if (!this.#inLink) this.#links++;
        this.#inLink++;
        this.walk(node.children, inList, definition);
        this.#inLink--;
      } else if (BOX_NAMES.test(node.attribs.class ?? '')) {
        this.#endBlock();
        this.#inBox++;
        this.walk(node.children, inList, definition);
        this.#inBox--;
        this.#endBlock();
      } else if (BLOCKS.has(name) || heading) {
        const tight = inList || name === 'dt';
        if (tight) this.#endLine();
        else this.#endBlock();
        this.walk(node.children, inList, definition);
        if (tight) this.#endLine();
        else this.#endBlock();
      } else {
        this.walk(node.children, inList, definition);
      }
    }
  }

  finish(title: string | undefined): ConvertedText {
    this.#endLine();
    return this.#out.finish('converted', title);
  }

  #inline(data: string, start: number | null, end: number | null): void {
    const text = data.replace(/\s+/g, ' ');
    const words = this.#line ? text : text.trimStart();
    if (!words) return;
    if (!this.#line) {
      this.#line = this.#prefix;
      this.#prefix = '';
    }
    this.#line += words;
    if (this.#inLink) this.#linkWords += countWords(words);
    if (start !== null) {
      const first = this.#lineAt(start + (data.length - data.trimStart().length));
      if (this.#first < 0) this.#first = first;
      this.#last = Math.max(this.#last, end === null ? first : this.#lineAt(end));
    }
  }

  /** A heading line, `#` × `level` and the element's text; `section`: it opens a section. */
  #heading(node: Element, level: number, section = true): void {
    const title = headingText(node);
    if (!title) return;
    this.#endBlock();
    const at = node.startIndex === null ? 0 : this.#lineAt(node.startIndex);
    this.#out.push(
      `${'#'.repeat(level)} ${title}`,
      at,
      node.endIndex === null ? at : this.#lineAt(node.endIndex),
    );
    // An index's entries are anchored terms, each a heading holding its links.
    const links = findAll(node.children, (el) => el.name === 'a' && Boolean(el.attribs.href), Infinity);
    this.#out.markLinks(
      links.length,
      links.reduce((sum, a) => sum + countWords(textOf(a)), 0),
    );
    this.#blank = false;
    this.#endBlock();
    if (section) this.#sectionLevel = level;
  }

  #pre(node: Element): void {
    // Variants side by side in one block (Node's docs: ES module and CommonJS `<code>`s) each
    // start a line.
    const raw = node.children
      .map((child, i) => {
        const text = isText(child) ? child.data : isTag(child) && !isSkipped(child) ? textOf(child) : '';
        const after = node.children[i - 1];
        return isTag(child) && child.name === 'code' && after && isTag(after) && after.name === 'code'
          ? `\n${text}`
          : text;
      })
      .join('')
      .replace(/\r\n?/g, '\n');
    // As browsers do, a line break right after `<pre>` is not part of its text.
    const skipped = raw.startsWith('\n') ? 1 : 0;
    const code = raw.slice(skipped).replace(/\s+$/, '');
    if (!code.trim()) return;
    this.#endBlock();
    const lines = code.split('\n');
    const fence = fenceFor(lines);
    const start = node.startIndex === null ? 0 : this.#lineAt(node.startIndex);
    const end = node.endIndex === null ? start : this.#lineAt(node.endIndex);
    const textStart = firstTextIndex(node);
    const top = textStart === undefined ? start : this.#lineAt(textStart) + skipped;
    this.#out.push(fence, start, start);
    // The page's line breaks are the block's: its i-th line is the page's line `top + i`.
    lines.forEach((line, i) => {
      const at = Math.min(end, top + i);
      this.#out.push(line, at, at);
    });
    this.#out.push(fence, end, end);
    this.#blank = false;
    this.#endBlock();
  }

  #endLine(): void {
    const line = this.#line.trim().replace(/ {2,}/g, ' ');
    if (line) {
      // Text that Markdown would read as a heading, rule or fence stays text.
      this.#out.pushText(line, this.#first, this.#last);
      this.#out.markLinks(this.#links, this.#linkWords);
      this.#blank = false;
    }
    this.#links = 0;
    this.#linkWords = 0;
    this.#line = '';
    this.#first = -1;
    this.#last = -1;
  }

  #endBlock(): void {
    this.#endLine();
    if (!this.#blank) {
      const at = this.#out.lastSource;
      this.#out.push('', at, at);
      this.#blank = true;
    }
  }
}

/** Whether each list's terms title their entries (`titlesEntry`), by list. */
const titledLists = new WeakMap<Element, boolean>();

/**
 * Whether a `<dt>` titles its entry as a heading: an anchored term is one documented thing
 * (Sphinx's `.. function::`, a glossary entry). DocBook anchors only the entries something links
 * to, so in a list where one term is anchored every entry's first term titles it: else the
 * entries after an anchored one would read as part of it. A term right after another is the same
 * entry's (a second signature of one function).
 */
function titlesEntry(dt: Element): boolean {
  if (dt.attribs.id) return true;
  let before = dt.prev;
  while (before && !isTag(before)) before = before.prev;
  if (before && before.name === 'dt') return false;
  const list = dt.parent;
  if (!list || !isTag(list) || list.name !== 'dl') return false;
  let titled = titledLists.get(list);
  if (titled === undefined) {
    titled = list.children.some((c) => isTag(c) && c.name === 'dt' && Boolean(c.attribs.id));
    titledLists.set(list, titled);
  }
  return titled;
}

/** A heading's text on one line, without its permalink mark. */
function headingText(node: Element): string {
  return textOf(node).replace(/\s+/g, ' ').trim().replace(PERMALINK_MARKS, '');
}

/** Where the first text inside `node` starts in the page. */
function firstTextIndex(node: Element): number | undefined {
  for (const child of node.children) {
    if (isText(child) && child.startIndex !== null) return child.startIndex;
    if (isTag(child)) {
      const inner = firstTextIndex(child);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

function isSkipped(node: Element): boolean {
  if (SKIPPED.has(node.name)) return true;
  const attrs = node.attribs;
  if ('hidden' in attrs || attrs['aria-hidden'] === 'true') return true;
  if (attrs.role && SKIPPED_ROLES.has(attrs.role)) return true;
  if (SKIPPED_NAMES.test(attrs.class ?? '') || SKIPPED_NAMES.test(attrs.id ?? '')) return true;
  // A table's header row is no page bar: pandoc and many generators write `<tr class="header">`.
  if (
    BAR_NAMES.test(attrs.class ?? '') &&
    BLOCKS.has(node.name) &&
    !TABLE_PARTS.has(node.name) &&
    !findFirst(node.children, (el) => HEADING.test(el.name))
  )
    return true;
  return /(?:^|\s)headerlink(?:\s|$)/.test(attrs.class ?? '');
}

/** The page's main content: `<main>` or `role="main"`, else its one `<article>`. */
function contentRoot(nodes: readonly ChildNode[]): Element | undefined {
  const main = findFirst(nodes, (el) => el.name === 'main' || el.attribs.role === 'main');
  if (main) return main;
  const articles = findAll(nodes, (el) => el.name === 'article', 2);
  return articles.length === 1 ? articles[0] : undefined;
}

/**
 * The `<title>` as the root of every heading path, unless the content has an `<h1>` or opens
 * with a heading saying the same that holds the rest (DocBook titles a chapter's page with an
 * `<h2>` over `<h3>` sections): a path that says the page's name twice only dilutes what
 * follows it. A reference page's `<h2>` name beside `<h2>` sections (DocBook's `ALTER TABLE`,
 * then `Synopsis`, `Description`) holds none of them: the title stays their root, less the
 * site's name a `<title>` adds after the page's.
 */
function pathRoot(nodes: readonly ChildNode[], title: string | undefined): string | undefined {
  if (!title) return undefined;
  const headings = findAll(nodes, (el) => HEADING.test(el.name), Number.POSITIVE_INFINITY);
  const first = headings[0];
  if (!first) return title;
  if (first.name === 'h1') return undefined;
  const text = headingText(first);
  const holdsTheRest = headings.slice(1).every((h) => h.name > first.name);
  if (!text || !title.startsWith(text)) return title;
  if (holdsTheRest) return undefined;
  // A site titles a page with its own name after the page's (`Lifetimes - The Rust Programming
  // Language`, `Install | Docs`): the page is named by its heading alone.
  return SITE_SUFFIX.test(title.slice(text.length)) ? text : title;
}

/**
 * What follows a page's name in a site's `<title>`: a dash, bar or dot, then the site's name. Not
 * a colon: `Chapter 5: Networking` over a `Chapter 5` heading names the chapter, not a site.
 */
const SITE_SUFFIX = /^\s+[-–—|·]\s+\S/;

function titleOf(nodes: readonly ChildNode[]): string | undefined {
  const title = findFirst(nodes, (el) => el.name === 'title', true);
  const text = title ? textOf(title).replace(/\s+/g, ' ').trim() : '';
  return text || undefined;
}

function findFirst(
  nodes: readonly ChildNode[],
  test: (el: Element) => boolean,
  includeSkipped = false,
): Element | undefined {
  return findAll(nodes, test, 1, includeSkipped)[0];
}

/** Elements that pass `test`, in document order, up to `limit`; skipped parts are not entered. */
function findAll(
  nodes: readonly ChildNode[],
  test: (el: Element) => boolean,
  limit: number,
  includeSkipped = false,
): Element[] {
  const found: Element[] = [];
  const stack = [...nodes].reverse();
  while (stack.length && found.length < limit) {
    const node = stack.pop()!;
    if (!isTag(node)) continue;
    if (test(node)) {
      found.push(node);
      continue;
    }
    if (!includeSkipped && isSkipped(node)) continue;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return found;
}

/** The text of an element and everything in it, skipped parts (a permalink, a script) left out. */
function textOf(node: Element): string {
  let out = '';
  const visit = (nodes: readonly ChildNode[]) => {
    for (const child of nodes) {
      if (isText(child)) out += child.data;
      else if (isTag(child) && !isSkipped(child)) {
        if (child.name === 'br') out += '\n';
        else visit(child.children);
      }
    }
  };
  visit(node.children);
  return out;
}
