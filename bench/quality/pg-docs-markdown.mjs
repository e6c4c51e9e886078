// PostgreSQL's HTML documentation (Debian `postgresql-doc-15`) → GitHub Markdown through pandoc,
// for the `pg-docs` held-out corpus of make-corpora.mjs. The result should read like a team's
// docs folder converted once: each chapter or section page becomes one file, its headings `#`
// headings, and nothing of the HTML's chrome (navigation bars, tables of contents, index
// anchors) is left. Beyond that it is plain pandoc output: links, code fences and tables stay.
//
// The HTML is adjusted before pandoc in five ways, each because pandoc alone gives a worse file:
// - levels: a section page's title (h2) becomes `#`; a chapter file keeps its sections at `##`
//   under the chapter's own title; a reference page's name becomes `#` over its `##` parts;
// - admonitions ("Note", "Tip", "Warning") become bold paragraphs: as headings they would cut
//   the section they stand in into two;
// - the terms of a definition list (a configuration parameter, a command's option) become
//   headings one level below the section holding them, nested lists one more: the same as
//   git-man's option terms, so a question can target one parameter;
// - tables whose cells hold paragraphs (the function tables) are flattened into paragraphs,
//   which GitHub Markdown's pipe tables cannot hold (pandoc would write "[TABLE]");
// - spans are unwrapped: pandoc breaks a paragraph around an unknown inline span.
// Section numbers ("5.4.1.") are dropped from headings, as a docs folder does not number them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PG_HTML = '/usr/share/doc/postgresql-doc-15/html';
/** Marks a definition-list term for the Markdown pass; the digit is its list's nesting depth. */
const TERM = 'PGDOCSTERM';

/**
 * `source` is a page's name (`ddl-constraints`, `sql-select`) or `chapter:<name>` for a chapter
 * page followed by all its sections in one file.
 */
export function pgDocToMarkdown(source) {
  const chapter = source.startsWith('chapter:');
  const name = source.replace(/^chapter:/, '');
  const first = readFileSync(join(PG_HTML, `${name}.html`), 'utf8');
  const pages = chapter
    ? [first, ...sectionsOf(first).map((p) => readFileSync(join(PG_HTML, p), 'utf8'))]
    : [first];
  let html = pages.map(bodyOf).join('\n');
  if (chapter) html = html.replace(/<h2 class="title">([\s\S]*?)<\/h2>/, '<h1>$1</h1>');
  else if (/class="refentry"/.test(first))
    html = html.replace(
      /<div class="refnamediv"><h2>([\s\S]*?)<\/h2>/,
      '<div class="refnamediv"><h1>$1</h1>',
    );
  else html = html.replace(/<(\/?)h([2-6])\b/g, (_, slash, n) => `<${slash}h${Number(n) - 1}`);
  const md = execFileSync('pandoc', ['-f', 'html-native_divs-native_spans', '-t', 'gfm', '--wrap=none'], {
    input: html,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  return tidy(md);
}

/** A chapter page's sections, from its table of contents, in order. */
const sectionsOf = (html) => [...html.matchAll(/<span class="sect1"><a href="([^"#]+)"/g)].map((m) => m[1]);

function bodyOf(page) {
  let h = page.slice(page.indexOf('<body'), page.lastIndexOf('</body>'));
  h = h
    .replace(/^<body[^>]*>/, '')
    .replace(/<div class="navheader">[\s\S]*?<\/table>\s*<hr \/>\s*<\/div>/, '')
    .replace(/<div class="navfooter">[\s\S]*$/, '')
    .replace(/<div class="toc">[\s\S]*?<\/dl>\s*<\/div>/g, '')
    .replace(/<a id="[^"]*"( class="[^"]*")?><\/a>/g, '')
    // Only the target: a class or title would make pandoc keep the link as raw HTML.
    .replace(/<a [^>]*?href="([^"]*)"[^>]*>/g, '<a href="$1">')
    .replace(
      /<div class="(note|tip|caution|warning|important)"[^>]*><h3 class="title">([\s\S]*?)<\/h3>/g,
      '<div class="$1"><p><strong>$2</strong></p>',
    )
    .replace(/<table[\s\S]*?<\/table>/g, (t) => (/<(p|pre|ul|ol|dl|div)[\s>]/.test(t) ? flatten(t) : t));
  return markTerms(h).replace(/<\/?span\b[^>]*>/g, '');
}

/** A table as a run of paragraphs, one block per row and cell. */
const flatten = (table) =>
  table
    .replace(/<\/?(table|colgroup|col|thead|tbody|tfoot)\b[^>]*>/g, '')
    .replace(/<(tr|td|th)\b[^>]*>/g, '<div>')
    .replace(/<\/(tr|td|th)>/g, '</div>');

/** `<dt>` terms → `<p>PGDOCSTERM<depth> term</p>`, depth counting the definition lists around it. */
function markTerms(html) {
  let depth = 0;
  return html.replace(/<dl\b[^>]*>|<\/dl>|<dt\b[^>]*>([\s\S]*?)<\/dt>/g, (tag, term) => {
    if (tag.startsWith('<dl')) depth++;
    else if (tag === '</dl>') depth--;
    else return `<p>${TERM}${depth} ${term.replace(/<br \/>/g, ', ')}</p>`;
    return '';
  });
}

/**
 * Numbers off headings, terms to headings below the section they are in (one term with two
 * spellings, `-a` and `--data-only`, is two `<dt>`s: one heading), fences without pandoc's class.
 */
function tidy(md) {
  const out = [];
  const terms = new Set(); // indices in `out` of headings made from terms
  let fenced = false;
  let level = 1;
  for (const line of md.split('\n')) {
    if (/^```/.test(line)) {
      fenced = !fenced;
      out.push(fenced ? '```' : line);
      continue;
    }
    const heading = fenced ? null : /^(#{1,6}) (.*)$/.exec(line);
    const term = fenced ? null : new RegExp(`^${TERM}(\\d) (.*)$`).exec(line);
    if (heading) {
      level = heading[1].length;
      out.push(`${heading[1]} ${heading[2].replace(/^(Chapter\s)?\d+(\.\d+)*\.\s+/, '')}`);
    } else if (term) {
      const text = term[2].trim().replace(/,\s*$/, '');
      const hashes = '#'.repeat(Math.min(6, level + Number(term[1])));
      const prev = out.findLastIndex((l) => l.trim() !== '');
      if (terms.has(prev) && out[prev].startsWith(`${hashes} `)) out[prev] += `, ${text}`;
      else {
        terms.add(out.length);
        out.push(`${hashes} ${text}`);
      }
    } else out.push(line.replace(/\s+$/, ''));
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
