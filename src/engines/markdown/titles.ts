import type { SourceText } from './source.js';
import type { MdNode } from './types.js';

/**
 * The headings of text that is not Markdown, for reading it as sections under headings: the rest
 * of such a file is read as plain text (blocks.ts), which its paragraphs, lists and literal
 * blocks are close enough to; only its headings differ from Markdown's, and without them a long
 * page would be one untitled run of chunks. `withTitles` puts them in the block list.
 *
 * reStructuredText (`.rst`, and Sphinx's `_sources/*.rst.txt`): section titles, and Sphinx's
 * object descriptions (`DESCRIPTION`). Org (`.org`): headlines (`orgTitles`).
 *
 * A title is a line of text under (or between) an adornment: one punctuation character
 * repeated, at least as long as the title and at least 3 long, the line above it blank or
 * the file's start. Levels are not fixed by the character: as in docutils, each new style
 * (character, with or without an overline) is one level deeper than the styles seen before it.
 */
const ADORNMENT = /^([!-/:-@[-`{-~])\1{2,}[ \t]*$/;

/**
 * Sphinx's object descriptions (`.. function:: dumps(obj, *, skipkeys=False)`, `.. class::`,
 * `.. method::`, `.. option::`, in any domain): each documents one thing, as a heading would,
 * and its HTML gives each an anchor of its own. Read as headings one level below the section
 * they are in, a method nested in its class's body (indented under it) one level below the
 * class. The title is the signature, without its markup.
 */
const DESCRIPTION =
  /^([ \t]*)\.\. (?:[a-z]+:)?(function|class|method|classmethod|staticmethod|attribute|property|data|exception|decorator|decoratormethod|option|envvar|describe|object|member|macro|type|var|const|cmdoption|coroutinefunction|coroutinemethod|abstractmethod):: +(\S.*)$/;

interface Title {
  /** Its first line (a title's overline, if any) and the line after its last, 0-based. */
  start: number;
  end: number;
  level: number;
  title: string;
}

/** The file's titles and descriptions in order; `fromLine` skips what comes before the body. */
export function rstTitles(source: SourceText, fromLine: number): Title[] {
  const styles: string[] = [];
  const out: Title[] = [];
  const blankAbove = (i: number) => i === fromLine || source.line(i - 1).trim() === '';
  /** The level of the section the next description is in, and the descriptions open in it. */
  let sectionLevel = 0;
  const open: { indent: number; level: number }[] = [];
  /** A section title (its style: the adornment's character, `^` after it when overlined) opens a section. */
  const section = (start: number, end: number, style: string, text: string) => {
    sectionLevel = levelOf(style, styles);
    open.length = 0;
    out.push({ start, end, level: sectionLevel, title: plainTitle(text) });
  };
  for (let i = fromLine; i < source.lineCount; i++) {
    const line = source.line(i);
    const described = DESCRIPTION.exec(line);
    if (described) {
      const indent = described[1]!.replace(/\t/g, '    ').length;
      while (open.length && open.at(-1)!.indent >= indent) open.pop();
      const level = Math.min(6, (open.at(-1)?.level ?? sectionLevel) + 1);
      open.push({ indent, level });
      out.push({ start: i, end: i + 1, level, title: plainTitle(described[3]!) });
      continue;
    }
    const over = ADORNMENT.exec(line);
    if (over && i + 2 < source.lineCount && blankAbove(i)) {
      const text = source.line(i + 1).trim();
      const under = source.line(i + 2);
      if (
        text !== '' &&
        !ADORNMENT.test(text) &&
        under.trimEnd() === line.trimEnd() &&
        line.trimEnd().length >= text.length
      ) {
        section(i, i + 3, `${over[1]}^`, text);
        i += 2;
        continue;
      }
    }
    if (i + 1 === source.lineCount || line.trim() === '' || /^\s/.test(line) || ADORNMENT.test(line))
      continue;
    if (!blankAbove(i)) continue;
    const under = ADORNMENT.exec(source.line(i + 1));
    if (under && source.line(i + 1).trimEnd().length >= line.trimEnd().length) {
      section(i, i + 2, under[1]!, line);
      i += 1;
    }
  }
  return out;
}

/**
 * A title as a reader sees it: roles and references without their markup (``:mod:`json` ``
 * → `json`, ``:ref:`Logging <logging-howto>` `` → `Logging`), literals without backquotes.
 */
function plainTitle(text: string): string {
  return text
    .replace(/:[\w.+-]+:`([^`<]*?)\s*(?:<[^`>]*>)?`/g, '$1')
    .replace(/``([^`]+)``/g, '$1')
    .replace(/`([^`<]*?)\s*(?:<[^`>]*>)?`_{1,2}/g, '$1')
    .replace(/`([^`]+)`/g, '$1')
    .trim();
}

function levelOf(style: string, styles: string[]): number {
  let at = styles.indexOf(style);
  if (at < 0) at = styles.push(style) - 1;
  return Math.min(6, at + 1);
}

/**
 * Org-mode headlines (`** TODO Ship it :work:`): the stars give the level; a TODO keyword, a
 * priority cookie and trailing tags are not part of the title. Everything else is plain text.
 */
const HEADLINE = /^(\*+)[ \t]+(.*?)[ \t]*$/;
const ORG_KEYWORD = /^(?:TODO|DONE|NEXT|WAITING|HOLD|CANCELLED|CANCELED)[ \t]+/;

/**
 * An Org file's `#+TITLE:` (before its first headline), the root of every heading path as a
 * Markdown note's front matter `title` is; its headlines are then one level below it.
 */
export function orgDocumentTitle(source: SourceText, fromLine: number): string | undefined {
  for (let i = fromLine; i < source.lineCount; i++) {
    const line = source.line(i);
    if (HEADLINE.test(line)) return undefined;
    const title = /^#\+title:[ \t]*(.*?)[ \t]*$/i.exec(line)?.[1];
    if (title) return title;
  }
  return undefined;
}

/** The file's Org headlines in order, `below` levels down; `fromLine` skips what comes before the body. */
export function orgTitles(source: SourceText, fromLine: number, below = 0): Title[] {
  const out: Title[] = [];
  for (let i = fromLine; i < source.lineCount; i++) {
    const m = HEADLINE.exec(source.line(i));
    if (!m) continue;
    const title = m[2]!
      .replace(ORG_KEYWORD, '')
      .replace(/^\[#[A-Z0-9]\][ \t]*/, '')
      .replace(/[ \t]+:[\w@#%:]+:$/, '')
      .replace(/^:[\w@#%:]+:$/, '')
      .trim();
    out.push({ start: i, end: i + 1, level: Math.min(6, m[1]!.length + below), title });
  }
  return out;
}

/**
 * AsciiDoc section titles (`== Install`, or Markdown's `## Install`, which Asciidoctor reads the
 * same): as many `=` (or `#`) as the level, the document title (`= Guide`) level 1 and the root
 * of the path, a space, the title. Not inside a delimited block (`----` listing, `....` literal,
 * `////` comment, `++++` passthrough, `====` example, `****` sidebar, `____` quote), where such a
 * line is code or quoted text; a block's delimiter closes it only when it repeats the same line.
 */
const ADOC_TITLE = /^(={1,6}|#{1,6})[ \t]+(\S.*?)[ \t]*$/;
const ADOC_DELIMITER = /^(-{4,}|\.{4,}|\/{4,}|\+{4,}|={4,}|\*{4,}|_{4,}|`{3,})[ \t]*$/;

export function adocTitles(source: SourceText, fromLine: number): Title[] {
  const out: Title[] = [];
  let open: string | undefined;
  for (let i = fromLine; i < source.lineCount; i++) {
    const line = source.line(i);
    const delimiter = ADOC_DELIMITER.exec(line)?.[1];
    if (delimiter) {
      if (open === undefined) open = delimiter;
      else if (delimiter === open) open = undefined;
      continue;
    }
    if (open !== undefined) continue;
    const m = ADOC_TITLE.exec(line);
    // A title is a line of its own: one after a paragraph line is that paragraph's text.
    if (
      m &&
      (i === fromLine ||
        source.line(i - 1).trim() === '' ||
        /^\[.*\]$|^:[\w-]+:|^\/\//.test(source.line(i - 1)))
    ) {
      out.push({ start: i, end: i + 1, level: m[1]!.length, title: m[2]!.replace(/[ \t]+=+$/, '') });
    }
  }
  return out;
}

/**
 * The top-level blocks with each title as a heading node in place of the lines it took: the
 * paragraph (or rule) that held its lines is cut around it. A title inside a list or quote (its
 * text indented or lazily continued into one) is left as text, as a Markdown heading there
 * would be.
 */
export function withTitles(nodes: readonly MdNode[], titles: readonly Title[]): MdNode[] {
  if (!titles.length) return [...nodes];
  const out: MdNode[] = [];
  let t = 0;
  for (const node of nodes) {
    let rest: MdNode | undefined = node;
    while (rest) {
      while (t < titles.length && titles[t]!.end <= rest.start) t++;
      const title = titles[t];
      const leaf = rest.kind === 'paragraph' || rest.kind === 'rule' || rest.kind === 'other';
      if (!title || title.start >= rest.end || !leaf || rest.children) {
        out.push(rest);
        break;
      }
      if (rest.start < title.start) out.push({ kind: rest.kind, start: rest.start, end: title.start });
      // A title spanning several blocks (an overline read as a rule) is added with the first.
      if (out.at(-1)?.start !== title.start || out.at(-1)?.kind !== 'heading')
        out.push({
          kind: 'heading',
          start: title.start,
          end: title.end,
          level: title.level,
          title: title.title,
        });
      rest = title.end < rest.end ? { kind: rest.kind, start: title.end, end: rest.end } : undefined;
    }
  }
  return out;
}
