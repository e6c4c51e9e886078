import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { notebookToMarkdown } from '../../../../src/engines/markdown/notebook.js';
import { RagError } from '../../../../src/errors.js';
import { body, chunk, limits } from './helpers.js';

/** Jupyter notebooks read as the Markdown they show (src/engines/markdown/notebook.ts). */
const file = join(import.meta.dirname, '../../../fixtures/notebook/analysis.ipynb');
/** Written as Jupyter writes a notebook: JSON indented by one, keys sorted, a source line per string. */
const json = readFileSync(file, 'utf8');
const fileLines = json.split('\n');
/** The notebook file's 0-based line holding `needle` as a JSON string. */
const lineOf = (needle: string) =>
  fileLines.findIndex((l) => l.includes(JSON.stringify(needle).slice(1, -1)));

describe('notebookToMarkdown', () => {
  it('reads Markdown cells as they are and code cells fenced in the notebook language, without outputs', () => {
    const { text, kind } = notebookToMarkdown(json);
    expect(kind).toBe('markdown');
    expect(text).toBe(
      [
        '# Sales analysis',
        '',
        'Monthly revenue from the **orders** export, cleaned and summed per region.',
        '',
        '```python',
        'import pandas as pd',
        "orders = pd.read_csv('orders.csv', parse_dates=['placed_at'])",
        '```',
        '',
        '## Cleaning',
        '',
        'Refunded orders are dropped: their amount is negative and would hide real sales.',
        '',
        '```python',
        "refunds = orders['amount'] < 0",
        "print(f'dropped {refunds.sum()} refunds')",
        'orders = orders[~refunds]',
        '```',
        '',
        '## Revenue per region',
        '',
        'Summed per calendar month; the chart shows the last year.',
        '',
        '```python',
        "monthly = orders.groupby(['region', orders.placed_at.dt.to_period('M')])['amount'].sum()",
        'monthly.unstack(0).plot()',
        '```',
        '',
        'Raw note: export again in January.',
        '',
      ].join('\n'),
    );
    expect(text).not.toMatch(/dropped 42|Figure size|image\/png|1200/);
  });

  it("maps each line to the notebook file's line it is written on", () => {
    const { text, lines } = notebookToMarkdown(json);
    const out = text.split('\n');
    for (const needle of [
      '## Cleaning',
      'orders = orders[~refunds]',
      "print(f'dropped {refunds.sum()} refunds')",
    ]) {
      const i = out.indexOf(needle);
      expect(lines[i], needle).toEqual({ first: lineOf(needle), last: lineOf(needle) });
    }
    // A cell whose source is one string: every line of it is on that string's line.
    const one = lineOf('## Revenue per region\n\nSummed');
    expect(lines[out.indexOf('Summed per calendar month; the chart shows the last year.')]!.first).toBe(one);
  });

  it('joins strings that do not end a line, as nbformat does', () => {
    const nb = JSON.stringify({
      cells: [{ cell_type: 'code', source: ['x = (1 +', ' 2)\n', 'print(x)'] }],
      metadata: {},
    });
    expect(notebookToMarkdown(nb).text).toBe('```\nx = (1 + 2)\nprint(x)\n```\n');
  });

  it('fences code holding a fence with a longer one', () => {
    const nb = JSON.stringify({ cells: [{ cell_type: 'code', source: 'doc = """\n```\ncode\n```\n"""' }] });
    expect(notebookToMarkdown(nb).text.split('\n')[0]).toBe('````');
  });

  it('refuses what is not a notebook, saying why', () => {
    for (const [text, why] of [
      ['{"cells": [\n  {"cell_type": "code",\n', 'invalid JSON at line 3 (property name expected)'],
      ['[1, 2]', 'not a JSON object'],
      ['{"nbformat": 4}', 'no "cells" list'],
      [
        '{"nbformat": 3, "worksheets": [{"cells": []}]}',
        'nbformat 3 notebook (IPython 2 or older) is not read',
      ],
    ] as const) {
      expect(() => notebookToMarkdown(text)).toThrow(why);
      try {
        notebookToMarkdown(text);
      } catch (err) {
        expect(err instanceof RagError && err.code).toBe('E_SKIPPED');
      }
    }
  });
});

describe('the markdown chunker on a notebook', () => {
  it('chunks it under its Markdown headings, each chunk on the file lines of its cells', () => {
    const chunks = chunk(json, limits(48, 0), '/home/me/analysis/sales.ipynb');
    expect([...new Set(chunks.map((c) => c.headingPath.join(' > ')))]).toEqual([
      'Sales analysis',
      'Sales analysis > Cleaning',
      'Sales analysis > Revenue per region',
    ]);
    const prose = chunks.find((c) => body(c).includes('Refunded orders'))!;
    expect(prose.startLine).toBe(lineOf('## Cleaning\n') + 1);
    const code = chunks.find((c) => body(c).includes('orders = orders[~refunds]'))!;
    expect(code.startLine).toBeGreaterThanOrEqual(prose.startLine);
    expect(code.startLine).toBeLessThanOrEqual(lineOf("refunds = orders['amount'] < 0\n") + 1);
    expect(code.endLine).toBe(lineOf('orders = orders[~refunds]') + 1);
    expect(chunks.some((c) => c.text.includes('"cell_type"'))).toBe(false);
  });
});
