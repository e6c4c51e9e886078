import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLatexPath } from '../../../../src/engines/markdown/file-kinds.js';
import { latexToMarkdown } from '../../../../src/engines/markdown/latex.js';
import { chunk, limits } from './helpers.js';

/** LaTeX documents read as the Markdown they show (src/engines/markdown/latex.ts). */
const source = readFileSync(join(import.meta.dirname, '../../../fixtures/latex/thesis.tex'), 'utf8');
const sourceLines = source.split('\n');

describe('latexToMarkdown', () => {
  it('reads sections as headings under the title, prose without markup, lists, tables, listings and formulas', () => {
    const { text, title, kind } = latexToMarkdown(source);
    expect(kind).toBe('markdown');
    expect(title).toBe('Caching Strategies for Edge Networks');
    expect(text).toBe(
      [
        '## Abstract',
        '',
        'We compare LRU and LFU eviction on a CDN trace of 40% image traffic.',
        '',
        '## Introduction',
        '',
        'Edge caches cut latency for users far from the origin.',
        'Most traffic is static: images, scripts and style sheets (Measured over one week in May.).',
        '',
        '## Method and data set',
        '',
        '### The trace',
        '',
        'The trace holds 1.2 billion requests; see Table.',
        '- Requests are grouped by object_id.',
        '- Note: Bots are filtered out.',
        '',
        'Kind | Share',
        'Images | 40 %',
        'Scripts | 25 %',
        'Caption: Traffic by kind of object.',
        '',
        '### Eviction',
        '',
        'The hit ratio is',
        String.raw`h = \frac{\text{hits}}{\text{requests}}`,
        'and an object costs $0.02 per GB to refetch, so $h$ is worth raising.',
        '',
        '```python',
        'def evict(cache):',
        '    # 100% of the victims come from the tail',
        '    return cache.pop_lru()',
        '```',
        '',
        '## Acknowledgements',
        '',
        'Thanks to José and Françoise for the naïve first draft.',
        '',
      ].join('\n'),
    );
    // The preamble, comments, citations and what follows \end{document} are not the paper's text.
    expect(text).not.toMatch(/inputenc|TODO|Akamai|smith2020|A\. Student|Somewhere|Anything after/);
  });

  it('maps each line to the source line it came from', () => {
    const { text, lines } = latexToMarkdown(source);
    const out = text.split('\n');
    const sourceOf = (needle: string) => sourceLines[lines[out.findIndex((l) => l.includes(needle))]!.first]!;
    expect(sourceOf('## Introduction')).toContain(String.raw`\section{Introduction}`);
    expect(sourceOf('Bots are filtered')).toContain(String.raw`\item[Note]`);
    expect(sourceOf('Images | 40')).toContain('Images &');
    expect(sourceOf('pop_lru')).toContain('cache.pop_lru()');
    // A title over two lines is both of them.
    const method = lines[out.indexOf('## Method and data set')]!;
    expect([sourceLines[method.first], sourceLines[method.last]]).toEqual([
      String.raw`\section[Method]{Method and`,
      '  data set}',
    ]);
  });

  it('reads a file without \\begin{document} whole, its outermost sectioning command level 1', () => {
    const chapter = [
      String.raw`\chapter{Results} % included by main.tex`,
      String.raw`We measured \emph{three} caches.`,
      String.raw`\section{Hit ratio}`,
      String.raw`LRU wins by 4\,\% on \textsc{cdn-a}.`,
    ].join('\n');
    expect(latexToMarkdown(chapter)).toMatchObject({
      text: '# Results\n\nWe measured three caches.\n\n## Hit ratio\n\nLRU wins by 4 % on cdn-a.\n',
    });
    expect(latexToMarkdown(chapter).title).toBeUndefined();
  });

  it('keeps inline code and escaped characters, drops labels, references and colour settings', () => {
    const text = [
      String.raw`\begin{document}`,
      String.raw`Call \verb|\cite{x}| or \texttt{make\_index()} (see Section~\ref{sec:a}, \cref{fig:b}).`,
      String.raw`It costs \$5 or 10\% more, \textcolor{red}{really} \href{https://x.org}{the docs}.`,
      String.raw`\label{sec:end}`,
      String.raw`\end{document}`,
    ].join('\n');
    expect(latexToMarkdown(text).text).toBe(
      'Call `\\cite{x}` or make_index() (see Section).\nIt costs $5 or 10% more, really the docs.\n',
    );
  });

  it('drops the authors and addresses a class puts in the body, even over several lines', () => {
    const text = [
      String.raw`\begin{document}`,
      String.raw`\title{Edge caching}`,
      String.raw`\author{Ana Ruiz}`,
      String.raw`\affiliation{%`,
      String.raw`  \institution{Clarity Institute}`,
      String.raw`  \city{Dublin}}`,
      String.raw`\maketitle`,
      'Caches help.',
      String.raw`\end{document}`,
    ].join('\n');
    expect(latexToMarkdown(text)).toMatchObject({ title: 'Edge caching', text: 'Caches help.\n' });
  });

  it('survives what is left open: an unclosed brace, environment or listing', () => {
    for (const broken of [
      String.raw`\section{Never closed`,
      '\\begin{document}\\begin{verbatim}\nraw % text',
      String.raw`\begin{equation} x = 1`,
      String.raw`Text with \emph{open and \footnote{also open`,
      '',
    ]) {
      expect(() => latexToMarkdown(broken), broken).not.toThrow();
    }
    expect(latexToMarkdown('\\begin{verbatim}\nraw % text').text).toBe('```\nraw % text\n```\n');
  });
});

describe('a LaTeX file through the chunker', () => {
  it('is read by extension, its title the root of every heading path', () => {
    expect(['paper.tex', 'PAPER.TEX', 'x.ltx'].map(isLatexPath)).toEqual([true, true, true]);
    expect(isLatexPath('notes.txt')).toBe(false);
    const chunks = chunk(source, limits(256, 8), '/home/me/papers/thesis.tex');
    const eviction = chunks.find((c) => c.text.includes('pop_lru'));
    expect(eviction?.headingPath).toEqual([
      'Caching Strategies for Edge Networks',
      'Method and data set',
      'Eviction',
    ]);
    // Its lines are the source's: from the subsection's line.
    expect(sourceLines[eviction!.startLine - 1]).toContain(String.raw`\subsection{Eviction}`);
  });
});
