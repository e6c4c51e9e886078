import { describe, expect, it } from 'vitest';
import { isHtmlPath } from '../../../../src/engines/markdown/file-kinds.js';
import { htmlToMarkdown } from '../../../../src/engines/markdown/html.js';
import { body, chunk, limits, prose } from './helpers.js';

/** HTML pages read as the text they show (src/engines/markdown/html.ts). */
const md = (html: string) => htmlToMarkdown(html).text;

/** A page as a documentation site builds one: menus around the content, a permalink after each heading. */
const sitePage = [
  '<!DOCTYPE html>',
  '<html><head><title>Sockets — Guide — Example 3.1</title>',
  '<style>body { color: red }</style><script>var menu = "Home";</script></head>',
  '<body>',
  '<nav><a href="/">Home</a> <a href="/guide">Guide index</a></nav>',
  '<div class="sidebar" role="navigation"><p>Quick search</p></div>',
  '<div class="body" role="main">',
  '<h1>Sockets<a class="headerlink" href="#sockets">¶</a></h1>',
  `<p>${prose(30, 1)}</p>`,
  '<section id="create">',
  '<h2>Creating a socket <a href="#create">#</a></h2>',
  '<p>Call <code>socket()</code> &amp; then',
  '<em>bind</em> it.</p>',
  '<pre>',
  'import socket',
  's = socket.socket()',
  '</pre>',
  '<ul><li>first <b>item</b></li><li><p>second</p><ul><li>nested</li></ul></li></ul>',
  '<table><tr><th>Name</th><th>Value</th></tr><tr><td>port</td><td>80</td></tr></table>',
  '</section>',
  '</div>',
  '<footer><p>Copyright 2026</p></footer>',
  '</body></html>',
].join('\n');

describe('htmlToMarkdown', () => {
  it("reads only the page's main content, as Markdown", () => {
    expect(md(sitePage)).toBe(
      [
        '# Sockets',
        '',
        prose(30, 1),
        '',
        '## Creating a socket',
        '',
        'Call socket() & then bind it.',
        '',
        '```',
        'import socket',
        's = socket.socket()',
        '```',
        '',
        '- first item',
        '- second',
        '- nested',
        '',
        'Name | Value',
        'port | 80',
        '',
      ].join('\n'),
    );
  });

  it("maps each line to the page's lines it came from", () => {
    const page = htmlToMarkdown(sitePage);
    const pageLines = sitePage.split('\n');
    const lines = page.text.split('\n');
    const at = (needle: string) => {
      const i = lines.findIndex((l) => l.includes(needle));
      return [page.lines[i]!.first, page.lines[i]!.last];
    };
    const lineOf = (needle: string) => pageLines.findIndex((l) => l.includes(needle));
    expect(at('# Sockets')).toEqual([lineOf('<h1>'), lineOf('<h1>')]);
    expect(at('Call socket()')).toEqual([lineOf('<p>Call'), lineOf('<em>bind')]);
    expect(at('import socket')).toEqual([lineOf('import socket'), lineOf('import socket')]);
    expect(at('s = socket.socket()')).toEqual([lineOf('s = socket'), lineOf('s = socket')]);
    expect(at('port | 80')[0]).toBe(lineOf('<td>port'));
    expect(page.lines).toHaveLength(lines.length - 1); // the text ends with a line break
  });

  it("takes the page's <title> as its title only when its content has no <h1>", () => {
    expect(htmlToMarkdown(sitePage).title).toBeUndefined();
    const untitled =
      '<html><head><title> Release\n notes </title></head><body><h2>Fixed</h2><p>x</p></body></html>';
    expect(htmlToMarkdown(untitled).title).toBe('Release notes');
  });

  it("reads a DocBook page (PostgreSQL's manual) without its Prev | Up | Next bars, titled once", () => {
    const page = [
      '<html><head><title>11.8. Partial Indexes</title></head><body>',
      '<div class="navheader"><table><tr><th colspan="5">11.8. Partial Indexes</th></tr>',
      '<tr><td><a href="a.html">Prev</a> </td><td><a href="b.html">Up</a></td><th>Chapter 11. Indexes</th></tr></table><hr></div>',
      '<div class="sect1" id="INDEXES-PARTIAL"><div class="titlepage"><div><div><h2 class="title">11.8. Partial Indexes</h2></div></div></div>',
      '<p>A partial index is built over a subset of a table.</p>',
      '<div class="toc"><dl><dt>11.8.1. Examples</dt></dl></div></div>',
      '<div class="navfooter"><hr><table><tr><td>Prev</td><td>Home</td><td>Next</td></tr></table></div>',
      '</body></html>',
    ].join('\n');
    const read = htmlToMarkdown(page);
    expect(read.text).toBe(
      '## 11.8. Partial Indexes\n\nA partial index is built over a subset of a table.\n',
    );
    expect(read.title).toBeUndefined();
  });

  it('without a main landmark, reads the body (or its one article) without menus, asides and footers', () => {
    const page = [
      '<body><header role="banner">Site name</header><nav>Menu</nav>',
      '<aside>Related</aside><p>Body text.</p>',
      '<div hidden>secret</div><span aria-hidden="true">icon</span>',
      '<footer>Contact</footer></body>',
    ].join('');
    expect(md(page)).toBe('Body text.\n');
    const article = '<body><p>Teaser</p><article><h1>Post</h1><p>Text.</p></article></body>';
    expect(md(article)).toBe('# Post\n\nText.\n');
    const two = '<body><article><p>One.</p></article><article><p>Two.</p></article></body>';
    expect(md(two)).toBe('One.\n\nTwo.\n');
  });

  it("reads a Texinfo page without its Previous | Up bar, and keeps a header bar that holds the page's title", () => {
    const texinfo = [
      '<body><div class="section" id="Thread-Safety"><div class="header"><p>Previous: <a rel="prev" href="a.html">Closures</a>,',
      'Up: <a rel="up" href="b.html">Using libffi</a></p></div><hr>',
      '<h3 class="section">2.7 Thread Safety</h3><p>Not completely thread-safe.</p></div></body>',
    ].join('\n');
    expect(md(texinfo)).toBe('### 2.7 Thread Safety\n\nNot completely thread-safe.\n');
    const titled =
      '<body><div class="header"><h1>Release notes</h1></div><p>Fixed.</p><div class="footer">Built by X</div></body>';
    expect(md(titled)).toBe('# Release notes\n\nFixed.\n');
  });

  it('keeps a table\'s header row that pandoc marks class="header": it is no page bar', () => {
    const table =
      '<body><table><thead><tr class="header"><th>Step</th><th>Time</th></tr></thead>' +
      '<tbody><tr class="odd"><td>Bulk</td><td>5 h</td></tr></tbody></table></body>';
    expect(md(table)).toBe('Step | Time\n\nBulk | 5 h\n');
  });

  it('reads an mdBook page\'s headings, whose titles are links of class "header"', () => {
    const mdbook = [
      '<body><nav id="sidebar" class="sidebar"><a href="ch01.html">1. Getting Started</a></nav>',
      '<div id="content" class="content"><main>',
      '<h2 id="recoverable-errors"><a class="header" href="#recoverable-errors">Recoverable Errors with <code>Result</code></a></h2>',
      '<p>Most errors aren’t serious.</p>',
      '<h3 id="propagating-errors"><a class="header" href="#propagating-errors">Propagating Errors</a></h3>',
      '<p>Return the error to the calling code.</p>',
      '</main></div></body>',
    ].join('\n');
    expect(md(mdbook)).toBe(
      '## Recoverable Errors with Result\n\nMost errors aren’t serious.\n\n### Propagating Errors\n\nReturn the error to the calling code.\n',
    );
  });

  it('puts variants of one code block (ES module and CommonJS) on lines of their own', () => {
    const page =
      '<pre><input type="checkbox"><code class="mjs">import fs from "node:fs";</code><code class="cjs">const fs = require("node:fs");</code></pre>';
    expect(md(page)).toBe('```\nimport fs from "node:fs";\nconst fs = require("node:fs");\n```\n');
  });

  it("makes an anchored definition term a heading below its section, a member's below its class", () => {
    const page = [
      '<main><h2>Encoders</h2>',
      '<dl class="py class"><dt id="json.JSONEncoder">class <b>json.JSONEncoder</b>(<em>skipkeys=False</em>)<a class="headerlink" href="#x">¶</a></dt>',
      '<dd><p>Extensible encoder.</p>',
      '<dl class="py method"><dt id="json.JSONEncoder.encode">encode(o)</dt><dd><p>Return a string.</p></dd></dl>',
      '</dd></dl>',
      '<dl><dt>plain term</dt><dd>its meaning</dd></dl>',
      '</main>',
    ].join('\n');
    expect(md(page)).toBe(
      [
        '## Encoders',
        '',
        '### class json.JSONEncoder(skipkeys=False)',
        '',
        'Extensible encoder.',
        '',
        '#### encode(o)',
        '',
        'Return a string.',
        '',
        'plain term',
        '',
        'its meaning',
        '',
      ].join('\n'),
    );
  });

  it('titles every entry of a list where DocBook anchored some; a second signature stays in its entry', () => {
    const page = [
      '<main><h2>Features</h2><dl class="variablelist">',
      '<dt><code>--with-icu</code></dt><dd><p>Build with ICU.</p></dd>',
      '<dt id="WITH-LLVM"><code>--with-llvm</code></dt><dd><p>Build with LLVM.</p></dd>',
      '<dt><code>--with-ssl</code></dt><dd><p>Build with SSL.</p></dd>',
      '</dl>',
      '<dl class="py method"><dt id="w.move">move(y, x)</dt><dt>move(pos)</dt><dd><p>Move the cursor.</p></dd></dl>',
      '</main>',
    ].join('\n');
    expect(md(page)).toBe(
      [
        '## Features',
        '',
        '### --with-icu',
        '',
        'Build with ICU.',
        '',
        '### --with-llvm',
        '',
        'Build with LLVM.',
        '',
        '### --with-ssl',
        '',
        'Build with SSL.',
        '',
        '### move(y, x)',
        '',
        'move(pos)',
        '',
        'Move the cursor.',
        '',
      ].join('\n'),
    );
  });

  it("a note's or tip's title is the box's, not a section's: the text after it stays in its section", () => {
    const page = [
      '<main><h2>Variables</h2><p>Set them with \\set.</p>',
      '<div class="note"><h3 class="title">Note</h3><p>Names are case-sensitive.</p></div>',
      '<p>ON_ERROR_STOP stops at the first error.</p>',
      '<div class="admonition tip"><h4>Tip</h4><p>Put it in .psqlrc.</p></div>',
      '</main>',
    ].join('\n');
    expect(md(page)).toBe(
      [
        '## Variables',
        '',
        'Set them with \\set.',
        '',
        'Note',
        '',
        'Names are case-sensitive.',
        '',
        'ON_ERROR_STOP stops at the first error.',
        '',
        'Tip',
        '',
        'Put it in .psqlrc.',
        '',
      ].join('\n'),
    );
  });

  it('keeps text that would read as Markdown markup as text, and fences code holding a fence', () => {
    const page = '<p># of items</p><p>=====</p><p>```not code</p><pre>\n```\ninner\n```\n</pre>';
    expect(md(page)).toBe(
      [
        '\\# of items',
        '',
        '\\=====',
        '',
        '\\```not code',
        '',
        '````',
        '```',
        'inner',
        '```',
        '````',
        '',
      ].join('\n'),
    );
  });

  it('an empty or script-only page is no text', () => {
    expect(md('')).toBe('');
    expect(md('<html><head><script>x()</script></head><body>  </body></html>')).toBe('');
  });

  it('knows HTML files by extension', () => {
    expect(['a.html', 'b.HTM', 'c.xhtml'].map(isHtmlPath)).toEqual([true, true, true]);
    expect(['a.md', 'html.txt', 'a.html.bak'].map(isHtmlPath)).toEqual([false, false, false]);
  });
});

describe('the markdown chunker on an HTML page', () => {
  const path = '/home/me/docs/sockets.html';

  it('chunks the text the page shows, under its headings, with the page lines behind each chunk', () => {
    const lim = limits(64, 0);
    const chunks = chunk(sitePage, lim, path);
    expect(chunks.map((c) => c.headingPath.join(' > '))).toEqual(
      expect.arrayContaining(['Sockets', 'Sockets > Creating a socket']),
    );
    const pageLines = sitePage.split('\n');
    for (const c of chunks) {
      expect(body(c)).not.toMatch(/<\/?[a-z]+[ >]/);
      expect(c.startLine).toBeGreaterThanOrEqual(1);
      expect(c.endLine).toBeGreaterThanOrEqual(c.startLine);
      // The chunk's first word is on the page within its lines.
      const firstWord = body(c)
        .replace(/^[#`\-\s]+/, '')
        .split(/[\s(]/)[0]!;
      const span = pageLines.slice(c.startLine - 1, c.endLine).join('\n');
      expect(span, `${firstWord} in ${c.startLine}-${c.endLine}`).toContain(firstWord);
    }
    const code = chunks.find((c) => body(c).includes('import socket'))!;
    expect(body(code)).toContain('```\nimport socket\ns = socket.socket()\n```');
    expect(chunks.some((c) => /Home|Quick search|Copyright|menu/.test(c.text))).toBe(false);
  });

  it('shows text that would read as Markdown markup as the page does, under no heading of its own', () => {
    const page =
      '<h1>Counting</h1><p># of items in the basket</p><p>---</p><p>Count them twice.</p><p>=== done ===</p>';
    const chunks = chunk(page, limits(64, 0), '/home/me/docs/count.html');
    expect(chunks.map((c) => [c.headingPath, body(c)])).toEqual([
      [['Counting'], '# Counting\n\n# of items in the basket\n\n---\n\nCount them twice.\n\n=== done ==='],
    ]);
  });

  it("a DocBook reference page's name, a heading beside its sections, is the root of their paths, said once", () => {
    const page = [
      '<html><head><title>ALTER TABLE</title></head><body>',
      '<div class="refentry"><div class="refnamediv"><h2>ALTER TABLE</h2>',
      `<p>ALTER TABLE — change the definition of a table. ${prose(6, 1)}</p></div>`,
      `<div class="refsynopsisdiv"><h2>Synopsis</h2><pre>ALTER TABLE name action</pre><p>${prose(6, 2)}</p></div>`,
      `<div class="refsect1"><h2>Description</h2><p>${prose(8, 3)}</p>`,
      `<dl><dt id="ADD-COLUMN"><code>ADD COLUMN</code></dt><dd><p>${prose(8, 4)}</p></dd></dl></div>`,
      '</div></body></html>',
    ].join('');
    expect(chunk(page, limits(48, 0), '/docs/sql-altertable.html').map((c) => c.headingPath)).toEqual([
      ['ALTER TABLE'],
      ['ALTER TABLE', 'Synopsis'],
      ['ALTER TABLE', 'Description'],
      ['ALTER TABLE', 'Description', 'ADD COLUMN'],
    ]);
  });

  it("a site's name after the page's in its <title> is not part of the path", () => {
    const page = [
      '<html><head><title>Lifetimes - The Rust Programming Language</title></head><body><main>',
      `<h2>Lifetimes</h2><p>${prose(10, 1)}</p><h3>Elision</h3><p>${prose(10, 2)}</p>`,
      `<h2>Summary</h2><p>${prose(10, 3)}</p></main></body></html>`,
    ].join('');
    expect(chunk(page, limits(64, 0), '/book/ch10.html').map((c) => c.headingPath)).toEqual([
      ['Lifetimes'],
      ['Lifetimes', 'Elision'],
      ['Lifetimes', 'Summary'],
    ]);
    const chapter = page.replace(
      'Lifetimes - The Rust Programming Language',
      'Lifetimes: the borrow checker',
    );
    expect(chunk(chapter, limits(64, 0), '/book/ch10.html')[0]!.headingPath).toEqual([
      'Lifetimes: the borrow checker',
      'Lifetimes',
    ]);
  });

  it('an untitled page has its <title> as the root of every heading path', () => {
    const page = `<html><head><title>Changelog</title></head><body><h2>2.0</h2><p>${prose(10, 2)}</p></body></html>`;
    expect(chunk(page, limits(64, 0), '/home/me/docs/changes.htm').map((c) => c.headingPath)).toEqual([
      ['Changelog', '2.0'],
    ]);
  });
});
