/**
 * Markdown that a reader of the rendered page never sees: HTML comments (`<!-- TOC -->`, an
 * editor's notes, "Old headings. Do not remove or links may break."), empty anchors kept for old
 * links (`<a id="old-heading"></a>`), link reference definitions (`[docs]: https://…`, the
 * list at the end of a README or a book's chapter), a page's scripts and styles (VitePress'
 * `<script setup>`), the fences of a docs site's callout boxes (`::: tip`, `:::`) and the type of
 * a note's callout (`> [!note] Decision`), whose title alone the box shows, Obsidian's
 * comments (`%%private%%`), and Logseq's block ids, folds and block references. They are the file's text, so full-text search
 * and the chunk's lines keep them; but what is embedded, and what a result line shows, is what
 * the page says. A chunk of nothing else would be a hit that shows a reader nothing.
 */

/** An HTML comment, over several lines too. */
const COMMENT = /<!--[\s\S]*?-->/;

/** An element with nothing inside: an anchor for old links, a `<span id>` target. */
const EMPTY_ELEMENT = /<(a|span|div)\b[^<>]*>\s*<\/\1\s*>|<a\b[^<>]*\/>/;

/**
 * An Obsidian comment: inline, `%%private%%` (words against both marks), or a block between two
 * lines of `%%` alone: only the editor shows it. Tighter than Obsidian's own rule, since a
 * format's placeholders write `%%` too (git's `%%` for a raw %, printf's `%%d`).
 */
const OBSIDIAN_COMMENT = /%%(?=[^\s%])[^\n]*?[^\s%]%%|^[ \t]*%%[ \t]*\n[\s\S]*?\n[ \t]*%%[ \t]*$/;

/**
 * A callout's marker in a quote's first line (Obsidian's and GitHub's: `> [!note] Decision`,
 * `> [!WARNING]`, a folding `[!tip]-`): the box shows its title (group 3), or else its type
 * (group 2) as a word.
 */
const CALLOUT = /^([ \t]*(?:>[ \t]?)+)\[!([\w-]+)\][+-]?[ \t]*(.*)$/;

/**
 * Logseq's own block properties, which its page never shows: a block's id (the target of a
 * block reference) and whether it is folded.
 */
const LOGSEQ_PROPERTY = /^[ \t]*(?:id|collapsed)::[ \t].*$/;

/** A Logseq block reference, `((64f1a2b3-…))`: the page shows that block, which is indexed where it is. */
const BLOCK_REF = /\(\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)\)/;

/** A script or a style sheet in the page: it runs or styles, it shows nothing. */
const SCRIPT = /<script\b[^<>]*>[\s\S]*?<\/script\s*>|<style\b[^<>]*>[\s\S]*?<\/style\s*>/;

/**
 * A callout box's fence (markdown-it-container, as VitePress, Docusaurus and Pandoc's fenced
 * divs write them): `::: warning Future Deprecation`, `:::details Example`, `::: {.note}`, the
 * closing `:::`. The box shows its title (group 1), if it has one; the rest is markup.
 */
const CONTAINER = /^ {0,3}:{3,}[ \t]*(?:\{[^}\n]*\}|[\w-]+)?[ \t]*(.*?)[ \t]*:*[ \t]*$/;

/**
 * A link reference definition on a line of its own: `[label]: destination`, an optional title
 * in quotes or parentheses after it (CommonMark 4.7; a title on its own next line is left).
 */
const REFERENCE =
  /^ {0,3}\[(?:[^\]\\\n]|\\.)+\]:[ \t]*(?:<[^>\n]*>|\S+)(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*$/;

/** A fence's opening line: three or more backticks or tildes (CommonMark 4.5). */
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** How a file's Markdown is written: MDX (`isMdxPath`) hides its ESM and `{/* comments *\/}` too. */
export interface MarkupOptions {
  mdx?: boolean;
}

/**
 * `text` without what its rendered page hides (above), outside fenced code, where an HTML
 * comment or a `[x]: y` line is code the page shows. Lines left blank by it go, so the text
 * reads on as the page does.
 */
export function withoutHiddenMarkup(text: string, options: MarkupOptions = {}): string {
  const mdx = options.mdx === true && MDX_HINT.test(text);
  const boxes = text.includes(':::') || text.includes('[!');
  if (!mdx && !boxes && !/[<%]|\]:|::|\(\(/.test(text)) return text;
  return outsideFences(text, (prose) => {
    const lines = boxes ? withoutBoxMarkup(prose) : prose;
    return hiddenOut((mdx ? withoutEsm(lines) : lines).join('\n'), mdx ? HIDDEN_MDX : HIDDEN);
  });
}

/**
 * Prose's lines with each callout box's fence as the box's title, or gone where it has none,
 * and each callout's marker as its title, or its type where it has none.
 */
function withoutBoxMarkup(prose: readonly string[]): string[] {
  return prose.flatMap((line) => {
    const fence = line.includes(':::') ? CONTAINER.exec(line) : null;
    if (fence) return fence[1] ? [fence[1]] : [];
    const callout = line.includes('[!') ? CALLOUT.exec(line) : null;
    if (!callout) return [line];
    const [, quote, type, title] = callout;
    return [`${quote}${title || type![0]!.toUpperCase() + type!.slice(1).toLowerCase()}`];
  });
}

/** Whether an MDX text may hold ESM or a comment at all: most chunks hold neither. */
const MDX_HINT = /^(?:import|export)\b|\{\s*\/\*/m;

/**
 * An MDX statement's first line (MDX 2: a paragraph that starts with `import` or `export` is
 * ESM; as prose it would not compile). It runs to the next blank line.
 */
const ESM_START = /^(?:import|export)(?=[\s{*]|$)/;

/** Whether `line` opens an MDX page's `import` or `export` statement, when it opens a paragraph. */
export function opensEsm(line: string): boolean {
  return ESM_START.test(line);
}

/** MDX prose's lines without its ESM paragraphs, and without the blank line after each. */
function withoutEsm(prose: readonly string[]): string[] {
  const out: string[] = [];
  let esm = false;
  let after = false;
  for (const [i, line] of prose.entries()) {
    const blank = line.trim() === '';
    if (!esm && !blank && opensEsm(line) && (i === 0 || prose[i - 1]!.trim() === '')) esm = true;
    if (esm) {
      if (blank) [esm, after] = [false, true];
      continue;
    }
    if (!(blank && after)) out.push(line);
    after = false;
  }
  return out;
}

/**
 * `text` with its runs of lines outside fenced code passed through `change`, and fenced code
 * (its fence lines too) as it is.
 */
function outsideFences(text: string, change: (prose: string[]) => string[]): string {
  const out: string[] = [];
  let prose: string[] = [];
  let fence: string | undefined;
  const flush = () => {
    if (prose.length) out.push(...change(prose));
    prose = [];
  };
  for (const line of text.split('\n')) {
    const opening = FENCE.exec(line)?.[1];
    if (fence === undefined && opening !== undefined) {
      flush();
      fence = opening;
      out.push(line);
    } else if (fence !== undefined) {
      out.push(line);
      // A closing fence: the opening's character, at least as many, nothing after but spaces.
      if (
        opening !== undefined &&
        opening[0] === fence[0] &&
        opening.length >= fence.length &&
        line.trim() === opening
      )
        fence = undefined;
    } else prose.push(line);
  }
  flush();
  return out.join('\n');
}

/** Whether `text` shows a reader nothing once rendered: only hidden markup and blank lines. */
export function showsNothing(text: string, options: MarkupOptions = {}): boolean {
  return withoutHiddenMarkup(text, options).trim() === '';
}

/** Code in backticks on one line: `` `<!-- more -->` `` is what the page shows. */
const INLINE_CODE = /`+[^`\n]+`+/g;

/** All of them, in one pass (`REFERENCE`, a block comment and a property anchor at lines; only the tags need `i`). */
const HIDDEN = new RegExp(
  [COMMENT, EMPTY_ELEMENT, SCRIPT, OBSIDIAN_COMMENT, LOGSEQ_PROPERTY, BLOCK_REF, REFERENCE]
    .map((r) => r.source)
    .join('|'),
  'gim',
);

/** An MDX comment, `{/* … *\/}`, over several lines too. */
const MDX_COMMENT = /\{\s*\/\*[\s\S]*?\*\/\s*\}/;

/** In MDX, its comments too. */
const HIDDEN_MDX = new RegExp(`${HIDDEN.source}|${MDX_COMMENT.source}`, 'gim');

/** Prose's lines without hidden markup; a line it emptied goes, a line that was blank stays. */
function hiddenOut(prose: string, hidden: RegExp): string[] {
  let hid = false;
  const kept = replaceOutsideCode(prose, hidden, () => {
    hid = true;
    return '\0';
  });
  if (!hid) return prose.split('\n');
  return kept
    .split('\n')
    .filter((line) => !(line.includes('\0') && line.replaceAll('\0', '').trim() === ''))
    .map((line) => line.replaceAll('\0', ''));
}

/**
 * `text` with each match of `pattern` (global, its first group `label`) replaced by `by`, but
 * not inside a code span (`INLINE_CODE`), which the page shows as written.
 */
function replaceOutsideCode(text: string, pattern: RegExp, by: (...groups: string[]) => string): string {
  const code = [...text.matchAll(INLINE_CODE)].map((m) => [m.index, m.index + m[0].length] as const);
  const inCode = (at: number) => code.some(([from, to]) => at >= from && at < to);
  return text.replace(pattern, (match: string, ...rest: unknown[]) => {
    // The groups, then the match's offset (then the text, and an object where groups are named).
    const at = rest.findIndex((x) => typeof x === 'number');
    return inCode(rest[at] as number) ? match : by(...(rest.slice(0, at) as string[]));
  });
}

/**
 * An inline link or image: `[text](destination "title")`, `![alt](src)`. The page shows its
 * text, not where it points; one level of parentheses inside the destination.
 */
const INLINE_LINK = /!?\[([^[\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'))?\)/g;

/**
 * A wikilink (Obsidian's, Foam's, a wiki's): `[[People/Sam Lee|Sam]]`, `[[Billing#Cron]]`, and
 * an embed, `![[diagram.png]]`. Groups: the `!`, the page, the heading, the shown text.
 */
const WIKILINK = /(!?)\[\[([^[\]|#\n]*)(?:#([^[\]|\n]*))?(?:\|([^[\]\n]*))?\]\]/g;

/** A file an embed shows as itself, not as words: an image, a video, a sound, a PDF. */
const SHOWN_AS_MEDIA = /\.(?:png|jpe?g|gif|svg|webp|bmp|avif|mp4|webm|mov|mp3|wav|ogg|m4a|pdf)$/i;

/**
 * `text` with each inline link as its text and each image as its alt text, outside code (fences
 * and code spans), as the page reads; a badge (`[![npm](…svg)](…)`) is its alt text. A wikilink
 * is the text it shows: its own, or the page's name (`Billing > Cron` to a heading); an embedded
 * image is nothing.
 */
export function withoutLinkTargets(text: string): string {
  if (!text.includes('](') && !text.includes('[[')) return text;
  return outsideFences(text, (prose) => prose.map(linkTexts));
}

function linkTexts(line: string): string {
  let out = line.includes('[[') ? replaceOutsideCode(line, WIKILINK, wikilinkText) : line;
  // A badge is a link around an image: the image first, then the link around its alt text.
  for (let round = 0; round < 2 && out.includes(']('); round++) {
    const before = out;
    out = replaceOutsideCode(out, INLINE_LINK, (label) => label);
    if (out === before) break;
  }
  return out;
}

/** What a wikilink (`WIKILINK`'s groups) shows on the page. */
function wikilinkText(embed = '', page = '', heading = '', shown = ''): string {
  if (shown.trim()) return shown.trim();
  if (embed && SHOWN_AS_MEDIA.test(page.trim())) return '';
  const name = page.trim().split('/').at(-1)!;
  if (!heading.trim()) return name;
  return name ? `${name} > ${heading.trim()}` : heading.trim();
}

/** An attribute of an HTML tag (CommonMark 6.6): `align="center"`, `hidden`, `width=480`. */
const ATTRIBUTE = /\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?/.source;

/**
 * An HTML tag in Markdown (CommonMark's raw HTML: an opening, self-closing or closing tag). The
 * page renders the element, never the tag: `<p align="center">`, `<img src=…/>`, `<details>`.
 * An autolink (`<https://…>`) is no tag: the page shows it.
 */
const TAG = new RegExp(
  String.raw`<[A-Za-z][A-Za-z0-9-]*(?:${ATTRIBUTE})*\s*\/?>|<\/[A-Za-z][A-Za-z0-9-]*\s*>`,
  'g',
);

/**
 * `text` without its HTML tags, outside code: a README's centred logo and badges, a
 * `<details><summary>` block, read as the words they show. Only for showing a chunk: full-text
 * search and the embedding keep the text as written.
 */
export function withoutTags(text: string): string {
  if (!text.includes('<')) return text;
  return outsideFences(text, (prose) => [replaceOutsideCode(prose.join('\n'), TAG, () => '')]);
}
