import { appendAll } from '../../arrays.js';
import { ConvertedLines, type ConvertedText, fenceFor } from './converted.js';

/** Sectioning commands, outermost first. */
const SECTIONING = ['part', 'chapter', 'section', 'subsection', 'subsubsection', 'paragraph', 'subparagraph'];

/** A sectioning command opening a line: `\section*[short]{`, maybe in a class's wrapper (`\IEEEraisesectionheading{\section{`). */
const SECTION_START = new RegExp(
  String.raw`^\s*(?:\\[A-Za-z]+\s*\{\s*)?\\(${SECTIONING.join('|')})\*?\s*(?:\[[^\][]{0,200}\]\s*)?\{`,
);

const TITLE_START = /^\s*\\title\s*(?:\[[^\][]{0,200}\]\s*)?\{/;

/** Environments whose lines are taken as they are, fenced as code (`comment`'s left out). */
const VERBATIM = new Set([
  'verbatim',
  'verbatim*',
  'Verbatim',
  'lstlisting',
  'minted',
  'alltt',
  'comment',
  'CCSXML',
]);

/** Environments of mathematics: kept as written, a formula is its own text. */
const MATH = new Set(
  'equation equation* align align* gather gather* multline multline* eqnarray eqnarray* displaymath math flalign flalign*'.split(
    ' ',
  ),
);

/** Environments and how many brace arguments their `\begin` takes (`\begin{tabular}{lr}`). */
const ENVIRONMENT_ARGUMENTS: Record<string, number> = {
  tabular: 1,
  'tabular*': 2,
  tabularx: 2,
  tabulary: 2,
  longtable: 1,
  array: 1,
  minipage: 1,
  multicols: 1,
  'multicols*': 1,
  wrapfigure: 2,
  thebibliography: 1,
  list: 2,
};

/**
 * Commands dropped with their arguments, even over several lines: cross-references, citations,
 * layout, colours, the front matter's authors and addresses, bibliography and macro plumbing.
 * Commands without arguments (`\noindent`, `\hline`) need no entry: every command left after
 * this is taken out, its arguments' text kept.
 */
const DROPPED = new Set(
  [
    'label index cite citep citet citealp citealt citeauthor citeyear nocite textcite parencite',
    'autocite footcite fullcite smartcite Textcite Parencite Autocite ref eqref pageref autoref',
    'cref Cref vref Vref nameref prettyref cpageref labelcref bibitem includegraphics',
    'bibliography bibliographystyle addbibresource vspace hspace addvspace setlength addtolength',
    'setcounter input include includeonly thispagestyle pagestyle pagenumbering newcommand',
    'renewcommand providecommand newenvironment renewenvironment DeclareMathOperator usepackage',
    'documentclass hypersetup graphicspath cline author date thanks address affiliation email',
    'orcid authornote authornotemark institution streetaddress city state country postcode',
    'additionalaffiliation shortauthors ccsdesc acmConference acmBooktitle acmYear copyrightyear',
    'acmDOI acmISBN setcopyright acmJournal acmVolume acmNumber acmArticle acmMonth color',
    'pagecolor definecolor newtheorem setbeamertemplate usetheme usecolortheme received keywords',
  ]
    .join(' ')
    .split(' '),
);

/** A command whose first argument is a setting, not text, with that argument: `\textcolor{red}{text}` is "text". */
const SETTING_FIRST =
  /\\(foreignlanguage|textcolor|colorbox|selectlanguage|otherlanguage)\s*(?:\[[^\][]{0,200}\])?\s*\{[^{}]*\}/g;

/** Accent commands (`\'e`, `\"{o}`) and the combining mark each puts on its letter. */
const ACCENTS: Record<string, string> = {
  "'": '\u0301',
  '`': '\u0300',
  '^': '\u0302',
  '"': '\u0308',
  '~': '\u0303',
  '=': '\u0304',
  '.': '\u0307',
  c: '\u0327',
  v: '\u030C',
  u: '\u0306',
  H: '\u030B',
};

/** Characters LaTeX escapes with a backslash, and letters and symbols written as commands. */
const SYMBOLS: Record<string, string> = {
  '%': '%',
  '&': '&',
  _: '_',
  '#': '#',
  $: '$',
  '{': '{',
  '}': '}',
  ' ': ' ',
  ',': ' ',
  ';': ' ',
  '!': '',
  '/': '',
  '-': '',
  '@': '',
  ss: 'ß',
  ae: 'æ',
  AE: 'Æ',
  oe: 'œ',
  OE: 'Œ',
  o: 'ø',
  O: 'Ø',
  aa: 'å',
  AA: 'Å',
  l: 'ł',
  L: 'Ł',
  i: 'ı',
  LaTeX: 'LaTeX',
  TeX: 'TeX',
  ldots: '…',
  dots: '…',
  textbackslash: '\\',
  textasciitilde: '~',
  textendash: '–',
  textemdash: '—',
  S: '§',
  P: '¶',
  copyright: '©',
  textregistered: '®',
  texttrademark: '™',
};

/**
 * A LaTeX document (`.tex`) as the Markdown it reads as: its sectioning commands (`\chapter`,
 * `\section`, …) headings, the outermost one used level 1 (level 2 under a `\title`, the root of
 * every path), an abstract a heading of its own, its prose without markup (`\emph{fast}` is
 * "fast", `\%` is "%", `\'e` is "é"), list items as Markdown's, a table's cells apart, a
 * caption as text, verbatim and listing environments fenced as code, formulas as written.
 * Comments, the preamble, labels, citations, authors' addresses and layout commands are left out.
 * A file without `\begin{document}` (a chapter a main file `\input`s) is read whole.
 * `lines[i]` is the file's line behind line `i`, so a hit opens the source there.
 */
export function latexToMarkdown(source: string): ConvertedText {
  const raw = source.replace(/\r\n?/g, '\n').split('\n');
  const lines = readable(raw);
  const begin = lines.findIndex((l) => /^\s*\\begin\{document\}/.test(l));
  const endAt = lineFrom(lines, begin + 1, (l) => /^\s*\\end\{document\}/.test(l));
  const first = begin + 1;
  const last = endAt < 0 ? lines.length : endAt;
  const title = titleIn(lines.slice(0, last));
  const levels = sectionLevels(lines.slice(first, last));
  const below = title === undefined ? 0 : 1;
  const levelOf = (command: string) => Math.min(6, (levels.get(command) ?? 0) + 1 + below);

  const out = new ConvertedLines();
  const paragraphBreak = (at: number) => {
    if (out.length && out.line(-1) !== '') out.push('', at);
  };
  let i = first;
  while (i < last) {
    const line = lines[i]!;
    const environment = /^\s*\\begin\{([A-Za-z*]+)\}/.exec(line)?.[1];
    if (environment !== undefined && VERBATIM.has(environment)) {
      const end = lineFrom(raw, i + 1, (l) => l.includes(`\\end{${environment}}`));
      const stop = end < 0 ? last : Math.min(end, last);
      if (environment !== 'comment' && environment !== 'CCSXML') {
        const body = raw.slice(i + 1, stop);
        const fence = fenceFor(body);
        paragraphBreak(i);
        out.push(`${fence}${listingLanguage(line)}`, i);
        for (const [k, l] of body.entries()) out.push(l, i + 1 + k);
        out.push(fence, stop);
        out.push('', stop);
      }
      i = stop + 1;
      continue;
    }
    if (environment !== undefined && MATH.has(environment)) {
      const end = lineFrom(lines, i, (l) => l.includes(`\\end{${environment}}`));
      const stop = end < 0 ? last - 1 : Math.min(end, last - 1);
      for (let j = i; j <= stop; j++) {
        const formula = lines[j]!.replace(/\\(begin|end)\{[A-Za-z*]+\}/g, '').trim();
        if (formula) out.pushText(formula, j);
      }
      i = stop + 1;
      continue;
    }
    const section = SECTION_START.exec(line);
    if (section || TITLE_START.test(line)) {
      // The argument may go on over the next lines: read on until its braces close.
      let text = line;
      let end = i;
      while (matching(text, text.indexOf('{')) < 0 && end + 1 < last && end - i < 8) {
        end++;
        text += ` ${lines[end]}`;
      }
      const open = text.indexOf('{');
      const close = matching(text, open);
      if (section) {
        const heading = inline(text.slice(open + 1, close < 0 ? undefined : close));
        paragraphBreak(i);
        out.push(`${'#'.repeat(levelOf(section[1]!))} ${heading}`, i, end);
        out.push('', end);
      }
      const rest = close < 0 ? '' : inline(text.slice(close + 1));
      if (rest) out.pushText(rest, end);
      i = end + 1;
      continue;
    }
    if (environment === 'abstract') {
      paragraphBreak(i);
      out.push(`${'#'.repeat(1 + below)} Abstract`, i);
      out.push('', i);
      i++;
      continue;
    }
    const { bullet, body } = prose(line);
    // A line of comment or markup only is not a paragraph break; a blank line is.
    if (bullet && body) out.push(`${bullet}${body}`, i);
    else if (body) out.pushText(body, i);
    else if (raw[i]!.trim() === '') paragraphBreak(i);
    i++;
  }
  return out.finish('markdown', title);
}

/**
 * The file's lines without comments (`%` to the end of a line, not `\%`) and without the
 * commands `DROPPED` names, arguments and all, even where those run over several lines; each
 * line stays where it was, so line numbers hold. Verbatim environments are left as written.
 */
function readable(raw: readonly string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length) appendAll(out, withoutDropped(run.join('\n')).split('\n'));
    run = [];
  };
  for (let i = 0; i < raw.length; i++) {
    const line = withoutComment(raw[i]!);
    const environment = /^\s*\\begin\{([A-Za-z*]+)\}/.exec(line)?.[1];
    if (environment === undefined || !VERBATIM.has(environment)) {
      run.push(line);
      continue;
    }
    flush();
    out.push(line);
    const end = lineFrom(raw, i + 1, (l) => l.includes(`\\end{${environment}}`));
    const stop = end < 0 ? raw.length - 1 : end;
    appendAll(out, raw.slice(i + 1, stop + 1));
    i = stop;
  }
  flush();
  return out;
}

/** `text` without the commands `DROPPED` names and their arguments; line breaks kept. */
function withoutDropped(text: string): string {
  const command = /\\([A-Za-z]+)\*?/g;
  let out = '';
  let from = 0;
  for (let m = command.exec(text); m; m = command.exec(text)) {
    if (text[m.index - 1] === '\\') continue;
    if (m[1] === 'verb') {
      // `\verb|\cite|` shows the command: its text is not read here.
      const close = text.indexOf(text[command.lastIndex]!, command.lastIndex + 1);
      if (close > 0 && !text.slice(command.lastIndex, close).includes('\n')) command.lastIndex = close + 1;
      continue;
    }
    if (!DROPPED.has(m[1]!)) continue;
    const end = afterArguments(text, m.index + m[0].length);
    out += text.slice(from, m.index) + text.slice(m.index, end).replace(/[^\n]/g, '');
    from = end;
    command.lastIndex = end;
  }
  return out + text.slice(from);
}

/** Where the `[…]` and `{…}` arguments after `at` end (a blank line ends them too). */
function afterArguments(text: string, at: number, braces = Number.POSITIVE_INFINITY): number {
  let end = at;
  let taken = 0;
  for (;;) {
    let k = end;
    let breaks = 0;
    while (k < text.length && /\s/.test(text[k]!)) if (text[k++] === '\n' && ++breaks > 1) return end;
    const close =
      text[k] === '['
        ? matching(text, k, '[', ']')
        : text[k] === '{' && taken < braces
          ? matching(text, k)
          : -1;
    if (close < 0) return end;
    if (text[k] === '{') taken++;
    end = close + 1;
  }
}

/** The index of the first of `lines` from `start` on that `test` takes, or -1. */
function lineFrom(lines: readonly string[], start: number, test: (line: string) => boolean): number {
  for (let i = Math.max(0, start); i < lines.length; i++) if (test(lines[i]!)) return i;
  return -1;
}

/** A listing's language, from `\begin{minted}{python}` or `\begin{lstlisting}[language=Python]`. */
function listingLanguage(line: string): string {
  const language =
    /\\begin\{minted\}(?:\[[^\][]{0,200}\])?\{([^}]*)\}/.exec(line)?.[1] ??
    /\\begin\{lstlisting\}\[[^\][]{0,200}\blanguage=\{?([\w+#-]+)/.exec(line)?.[1] ??
    '';
  return language.toLowerCase();
}

/**
 * A body line's text, the markup gone and a table row's cells apart, and the list item's bullet
 * of an `\item` (`- `; else none).
 */
function prose(line: string): { bullet: string; body: string } {
  // `\begin{…}` and `\end{…}` go, with a `\begin`'s own arguments (`{lr}` of a tabular, `[h]`).
  let text = '';
  let from = 0;
  const environment = /\\(begin|end)\s*\{([A-Za-z*]+)\}/g;
  for (let m = environment.exec(line); m; m = environment.exec(line)) {
    const after = m.index + m[0].length;
    const end = m[1] === 'begin' ? afterArguments(line, after, ENVIRONMENT_ARGUMENTS[m[2]!] ?? 0) : after;
    text += `${line.slice(from, m.index)} `;
    from = end;
    environment.lastIndex = end;
  }
  text += line.slice(from);
  let bullet = '';
  const item = /^\s*\\item\b\s*(?:\[([^\][]{0,200})\])?/.exec(text);
  if (item) {
    bullet = '- ';
    text = `${item[1] ? `${inline(item[1])}: ` : ''}${text.slice(item[0].length)}`;
  }
  text = text.replace(/\\caption\*?\s*(?:\[[^\][]{0,200}\])?\s*\{/g, 'Caption: {');
  // A table row: cells split by `&`, the row ended by `\\`.
  text = text.replace(/(^|[^\\])&/g, '$1 | ');
  return { bullet, body: inline(text) };
}

/** Where an escaped `\$` and each `\verb|…|` wait while `inline` reads the rest. */
const DOLLAR = '\u0002';
const VERB = '\u0003';
/** Where a footnote's braces open while `markupless` works. */
const FOOTNOTE = '\u0000';

/** Inline markup taken out of `text`: commands, braces, escapes; mathematics in `$…$` and `\verb` kept. */
function inline(text: string): string {
  const verbs: string[] = [];
  const held = text
    .replace(/\\verb\*?([^A-Za-z\s*])(.{0,500}?)\1/g, (_m, _delimiter: string, code: string) => {
      verbs.push(code);
      return `${VERB}${verbs.length - 1}${VERB}`;
    })
    .replaceAll('\\$', DOLLAR);
  return held
    .split(/(\$\$[^$]{0,2000}\$\$|\$[^$]{0,2000}\$|\\\([\s\S]{0,2000}?\\\))/)
    .map((part, k) => (k % 2 === 1 ? part : markupless(part)))
    .join('')
    .replaceAll(DOLLAR, '$')
    .replace(new RegExp(`${VERB}(\\d+)${VERB}`, 'g'), (_m, n: string) => `\`${verbs[Number(n)]}\``)
    .replace(/\s+/g, ' ')
    .trim();
}

function markupless(text: string): string {
  const s = text
    .replace(/\\\\(\s*\[[^\][]{0,200}\])?/g, ' ')
    .replace(/``|''/g, '"')
    // A dotless i or j under an accent (`\"{\i}`) is the letter's base.
    .replace(/(\\[`'^"~=.]\s*)\{?\\([ij])\}?/g, '$1$2')
    // Accents: `\'e`, `\'{e}`, `{\'e}`, `\c{c}`, `\~n`.
    .replace(
      /\\([`'^"~=.])\s*(?:\{\s*([A-Za-z])\s*\}|([A-Za-z]))/g,
      (_m, accent: string, a?: string, b?: string) => `${a ?? b}${ACCENTS[accent]}`.normalize('NFC'),
    )
    .replace(/\\([cvuH])\s*\{\s*([A-Za-z])\s*\}/g, (_m, accent: string, letter: string) =>
      `${letter}${ACCENTS[accent]}`.normalize('NFC'),
    )
    .replace(/(^|[^\\])~/g, '$1 ')
    .replace(SETTING_FIRST, '')
    .replace(/\\href\s*\{[^}]*\}\s*\{/g, '{')
    .replace(/\\footnote\s*(?:\[[^\][]{0,200}\])?\s*\{/g, ` ${FOOTNOTE}{`)
    // Any other command goes, with its options (`\textquote[…]{text}` is "text").
    .replace(/\\([A-Za-z]+)\*?(?:\s*\[[^\][]{0,200}\])*|\\(.)/g, (_m, name?: string, char?: string) =>
      name !== undefined ? (SYMBOLS[name] ?? ' ') : (SYMBOLS[char!] ?? char!),
    );
  return (
    footnotesInParentheses(s)
      .replace(/[{}]/g, '')
      .replace(/[ \t]+/g, ' ')
      // Where a citation or a reference stood before a stop: "the origin ." is "the origin.".
      .replace(/ ([.,;:!?)])/g, '$1')
      .replace(/[,;]\)/g, ')')
      .replace(/ \(\)/g, '')
  );
}

/** A footnote's `{…}` made `(…)`, so its text stays and reads as an aside. */
function footnotesInParentheses(s: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const open = s.indexOf(FOOTNOTE, i);
    if (open < 0) return out + s.slice(i);
    const close = matching(s, open + 1);
    if (close < 0) return out + s.slice(i).replaceAll(FOOTNOTE, '');
    out += `${s.slice(i, open)}(${s.slice(open + 2, close)})`;
    i = close + 1;
  }
}

/** The longest argument looked for, in characters: an author block or a long caption fits. */
const ARGUMENT_LIMIT = 4_000;

/** The index of the bracket closing the one at `open`, or -1; escaped ones do not count. */
function matching(text: string, open: number, opener = '{', closer = '}'): number {
  if (open < 0 || text[open] !== opener) return -1;
  let depth = 0;
  // An argument longer than this is a brace left open: looking further for each of many would
  // make a file's read quadratic.
  const end = Math.min(text.length, open + ARGUMENT_LIMIT);
  for (let i = open; i < end; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === opener) depth++;
    else if (c === closer && --depth === 0) return i;
  }
  return -1;
}

/** A line without its comment: from the first `%` not escaped by a backslash. */
function withoutComment(line: string): string {
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '%') return line.slice(0, i);
  }
  return line;
}

/** The document's `\title{…}`, its markup taken out. */
function titleIn(lines: readonly string[]): string | undefined {
  const text = lines.join('\n');
  const at = /\\title\s*(?:\[[^\][]{0,200}\]\s*)?\{/.exec(text);
  if (!at) return undefined;
  const open = at.index + at[0].length - 1;
  const close = matching(text, open);
  return inline(text.slice(open + 1, close < 0 ? undefined : close)) || undefined;
}

/** Each sectioning command the body uses, ranked from the outermost used (0). */
function sectionLevels(body: readonly string[]): Map<string, number> {
  const used = new Set(body.map((line) => SECTION_START.exec(line)?.[1]));
  return new Map(SECTIONING.filter((c) => used.has(c)).map((c, rank) => [c, rank]));
}
