import MarkdownIt, { type Env, type MarkdownIt as Parser, type Token } from 'markdown-it';
import type { SourceText } from './source.js';
import type { MdNode, NodeKind } from './types.js';

/**
 * Lines parsed at a time. markdown-it keeps every token of its input alive (a dense 10 MB file
 * is millions of tokens, hundreds of MB), so big files are parsed in windows and only the
 * compact block tree is kept. Big enough that re-parsing each window's last block is noise.
 */
export const WINDOW_LINES = 4096;

/**
 * Core rules we skip: inline parsing (we need block structure only; heading text is parsed
 * on its own), and typography. `strip_references` is off so link reference definitions stay
 * as blocks and their lines land in a chunk like any other text.
 */
const SKIPPED_CORE_RULES = [
  'strip_references',
  'inline',
  'linkify',
  'replacements',
  'smartquotes',
  'text_join',
];

const CONTAINER_KINDS: Record<string, NodeKind> = {
  bullet_list_open: 'list',
  ordered_list_open: 'list',
  list_item_open: 'item',
  blockquote_open: 'quote',
};

const LEAF_KINDS: Record<string, NodeKind> = {
  heading_open: 'heading',
  paragraph_open: 'paragraph',
  fence: 'code',
  code_block: 'code',
  html_block: 'html',
  hr: 'rule',
};

/**
 * Block rules that plain text (`.txt`) is read without. Its writers mean no code or HTML: a
 * `~~~~~~` separator line would open a fence running to the next one, and an indented paragraph
 * would be an indented code block, and code blocks are never split, so the embedder would read
 * only their start. As paragraphs they split like any prose.
 */
const PLAIN_TEXT_OFF = ['fence', 'code', 'html_block'];

/**
 * reStructuredText is read as plain text without Markdown's headings too: its titles are found
 * by titles.ts, and a `#####` adornment or a `-----` under a line too long for it is not a heading.
 */
const RST_OFF = [...PLAIN_TEXT_OFF, 'heading', 'lheading'];

/** Org-mode: its headlines (`* Title`) are found by titles.ts, and would be list items here. */
const ORG_OFF = [...RST_OFF, 'list'];

/**
 * Text made Markdown from another format (html.ts, pdf.ts, docx.ts: an HTML page, a PDF, a Word
 * document): its code is fenced
 * and its text never indented, and a line like `<div>` in it is text the file shows, not markup.
 */
const CONVERTED_OFF = ['code', 'html_block'];

/** How a file's text is read: Markdown, plain text (`.txt`), reStructuredText (`.rst`), Org, AsciiDoc, or text made Markdown (`converted`). */
export type TextKind = 'markdown' | 'plain' | 'rst' | 'org' | 'adoc' | 'converted';

const RULES_OFF: Record<Exclude<TextKind, 'markdown'>, string[]> = {
  plain: PLAIN_TEXT_OFF,
  rst: RST_OFF,
  org: ORG_OFF,
  // Its titles are found by titles.ts; a `----` listing delimiter is not a Markdown rule or underline.
  adoc: RST_OFF,
  converted: CONVERTED_OFF,
};

/**
 * The document's top-level blocks from line `fromLine` on, as a tree with line ranges.
 * Headings carry their level and plain-text title. Plain text is read without code and HTML
 * blocks (`PLAIN_TEXT_OFF`); reStructuredText also without Markdown headings (`RST_OFF`); Org
 * also without lists (`ORG_OFF`).
 */
export function parseBlocks(
  source: SourceText,
  fromLine: number,
  windowLines = WINDOW_LINES,
  kind: TextKind = 'markdown',
): MdNode[] {
  // HTML on so that raw HTML blocks are blocks, not paragraphs of tag soup.
  const md = new MarkdownIt('default', { html: true });
  md.core.ruler.disable(SKIPPED_CORE_RULES);
  if (kind !== 'markdown') md.block.ruler.disable(RULES_OFF[kind]);
  const env: Env = {};
  const top: MdNode[] = [];
  const headings: { node: MdNode; inline: string }[] = [];
  let start = fromLine;
  let size = windowLines;
  while (start < source.lineCount) {
    const end = Math.min(source.lineCount, start + size);
    const window = new TreeBuilder(md.parse(source.slice(start, end), env), start);
    const nodes = window.read(0);
    if (end < source.lineCount && nodes.length < 2) {
      // One block fills the window (a long list or fence): it may go on, so look further.
      size *= 2;
      continue;
    }
    // The last block may be cut by the window's end, so it is parsed again in the next one. A
    // window always starts where a top-level block starts, with nothing open, which is exactly
    // the parser's state at that line in a parse of the whole file.
    const keep = end < source.lineCount ? nodes.length - 1 : nodes.length;
    for (let i = 0; i < keep; i++) top.push(nodes[i]!);
    for (const h of window.headings)
      if (h.node.start < (nodes[keep]?.start ?? Number.POSITIVE_INFINITY)) headings.push(h);
    start = end < source.lineCount ? nodes[keep]!.start : end;
    size = windowLines;
  }
  // After all windows, so that reference links in headings resolve wherever they are defined.
  for (const { node, inline } of headings) node.title = plainText(md, env, inline);
  return top;
}

/** Turns one window's flat token stream into nodes; lines are shifted to file lines. */
class TreeBuilder {
  readonly headings: { node: MdNode; inline: string }[] = [];
  readonly #tokens: Token[];
  readonly #offset: number;
  #at = 0;

  constructor(tokens: Token[], offset: number) {
    this.#tokens = tokens;
    this.#offset = offset;
  }

  /** Siblings from the current token until the token closing their parent (or the end). */
  read(level: number): MdNode[] {
    const out: MdNode[] = [];
    while (this.#at < this.#tokens.length) {
      const token = this.#tokens[this.#at]!;
      if (token.nesting === -1 && token.level < level) return out;
      const node = this.#node(token);
      if (node) out.push(node);
    }
    return out;
  }

  /** Reads the node that starts at the current token and moves past it. */
  #node(token: Token): MdNode | undefined {
    const map = token.map;
    const node: MdNode | undefined = map
      ? { kind: 'other', start: map[0] + this.#offset, end: map[1] + this.#offset }
      : undefined;
    if (token.nesting !== 1) {
      this.#at++;
      if (node) node.kind = LEAF_KINDS[token.type] ?? 'other';
      this.#htmlHeading(token, node);
      return node;
    }
    const container = CONTAINER_KINDS[token.type];
    if (token.type === 'table_open') {
      if (node) {
        node.kind = 'table';
        node.children = this.#rows(token.level);
      } else this.#skip(token.level);
    } else if (container !== undefined || !LEAF_KINDS[token.type]) {
      // Unknown containers (from plugins) are read like known ones: children first.
      this.#at++;
      const children = this.read(token.level + 1);
      this.#at++; // the closing token
      if (node) {
        node.kind = container ?? 'other';
        node.children = children;
      }
    } else {
      if (node) node.kind = LEAF_KINDS[token.type]!;
      if (node?.kind === 'heading') {
        node.level = Number(token.tag.slice(1));
        this.headings.push({ node, inline: this.#tokens[this.#at + 1]?.content ?? '' });
      }
      this.#skip(token.level);
    }
    return node;
  }

  /** An HTML block that opens with a heading element is that heading (`htmlHeading`). */
  #htmlHeading(token: Token, node: MdNode | undefined): void {
    const heading = node && token.type === 'html_block' ? htmlHeading(token.content) : undefined;
    if (!node || !heading) return;
    node.kind = 'heading';
    node.level = heading.level;
    this.headings.push({ node, inline: heading.inline });
  }

  /** Table rows; the header row takes the delimiter row (`|---|`) under it. */
  #rows(level: number): MdNode[] {
    const rows: MdNode[] = [];
    this.#at++;
    for (; this.#at < this.#tokens.length; this.#at++) {
      const token = this.#tokens[this.#at]!;
      if (token.level === level && token.nesting === -1) break;
      if (token.type !== 'tr_open' || !token.map) continue;
      const end = token.map[1] + this.#offset + (rows.length === 0 ? 1 : 0);
      rows.push({ kind: 'row', start: token.map[0] + this.#offset, end });
    }
    this.#at++;
    return rows;
  }

  /** Moves past the closing token at `level`. */
  #skip(level: number): void {
    this.#at++;
    while (this.#at < this.#tokens.length) {
      const token = this.#tokens[this.#at++]!;
      if (token.level === level && token.nesting === -1) return;
    }
  }
}

/**
 * A heading written as HTML in Markdown, as READMEs and FAQs do for a centred title or an anchor
 * of their own (`<h1 align="center">ragctl</h1>`, `<h3 name="order">\nHow can I…?\n</h3>`,
 * `<p align="center"><img src="logo.svg"/><h1>Zod</h1>…`): its level and its content, which
 * `plainText` reads as a Markdown heading's (tags are inline HTML there, dropped). Only a block
 * whose first words are the heading's: tags alone may stand before it (a wrapper, a logo, an
 * anchor), words may not. And only a heading with words: a logo alone (`<h1><img
 * src="logo.svg"></h1>`) names no section, and as an H1 it would hide the front matter's title.
 */
export function htmlHeading(html: string): { level: number; inline: string } | undefined {
  const m = HTML_HEADING.exec(html);
  if (!m || !/[\p{L}\p{N}]/u.test(m[2]!.replace(/<[^>]*>/g, ''))) return undefined;
  return { level: Number(m[1]), inline: m[2]!.replace(/\s+/g, ' ').trim() };
}

const HTML_HEADING = /^\s*(?:<(?!h[1-6]\b)[^<>]*>\s*)*<h([1-6])\b[^<>]*>([\s\S]*?)<\/h\1\s*>/i;

/** A heading as a reader sees it: link text without the URL, image alt text, code without backticks. */
function plainText(md: Parser, env: Env, inline: string): string {
  const tokens: Token[] = [];
  md.inline.parse(inline, md, env, tokens);
  return textOf(tokens).replace(/\s+/g, ' ').trim();
}

function textOf(tokens: readonly Token[]): string {
  let out = '';
  for (const token of tokens) {
    if (token.type === 'text' || token.type === 'text_special' || token.type === 'code_inline')
      out += token.content;
    else if (token.type === 'image') out += textOf(token.children ?? []);
    else if (token.type === 'softbreak' || token.type === 'hardbreak') out += ' ';
  }
  return out;
}
