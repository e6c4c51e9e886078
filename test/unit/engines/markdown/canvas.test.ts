import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canvasToMarkdown } from '../../../../src/engines/markdown/canvas.js';
import { isCanvasPath } from '../../../../src/engines/markdown/file-kinds.js';
import { chunk, limits, skipReason } from './helpers.js';

/** Obsidian's canvases read as the Markdown they show (src/engines/markdown/canvas.ts). */
const json = readFileSync(join(import.meta.dirname, '../../../fixtures/canvas/garden.canvas'), 'utf8');
const fileLines = json.split('\n');

describe('canvasToMarkdown', () => {
  it('reads the cards in reading order under their groups, files, links and labelled arrows', () => {
    const { text, kind } = canvasToMarkdown(json);
    expect(kind).toBe('markdown');
    expect(text).toBe(
      [
        'Ideas for next year: a cold frame for early lettuce.',
        '',
        '# Spring planting',
        '',
        '## Raised beds',
        'Tomatoes and basil in bed 1; garlic went into bed 2 in October.',
        '',
        'Order seeds',
        '→ Fix the drip line timer: it runs at 6 am for 20 minutes. (before March)',
        '',
        'File: projects/garden.md#Watering',
        '',
        '# Tools',
        '',
        'https://example.org/drip-irrigation-guide',
        '',
        'Fix the drip line timer: it runs at 6 am for 20 minutes.',
        '',
      ].join('\n'),
    );
  });

  it("maps each line to its card's line in the file", () => {
    const { text, lines } = canvasToMarkdown(json);
    const out = text.split('\n');
    const fileLine = (needle: string) => fileLines[lines[out.findIndex((l) => l.startsWith(needle))]!.first]!;
    expect(fileLine('Tomatoes and basil')).toContain('"id":"b2e1d3c4f5a6b7c8"');
    expect(fileLine('# Tools')).toContain('"label":"Tools"');
    expect(fileLine('→ Fix the drip')).toContain('"text":"Order seeds"');
  });

  it('skips a file that is not a canvas, saying why; an empty board gives no text', () => {
    const read = (b: Uint8Array) => canvasToMarkdown(Buffer.from(b).toString('utf8'));
    expect(skipReason(read, Buffer.from('{"nodes": [}'))).toMatch(
      /^not a JSON Canvas: invalid JSON at line 1/,
    );
    expect(skipReason(read, Buffer.from('[1, 2]'))).toBe('not a JSON Canvas: it is not a JSON object');
    expect(canvasToMarkdown('{}').text).toBe('');
    expect(
      canvasToMarkdown('{"nodes":[{"id":"x","type":"text","text":"  "}],"edges":[{"fromNode":"x"}]}').text,
    ).toBe('');
  });
});

describe('a canvas through the chunker', () => {
  it('is read by extension, its cards under their group', () => {
    expect(['board.canvas', 'B.CANVAS'].map(isCanvasPath)).toEqual([true, true]);
    const chunks = chunk(json, limits(256, 8), '/home/me/vault/garden.canvas');
    const drip = chunks.find((c) => c.text.includes('drip line timer'));
    expect(drip?.headingPath[0]).toMatch(/^(Spring planting|Tools)$/);
    expect(chunks.map((c) => c.text).join('\n')).not.toMatch(/"x":|a1f0c2d3e4b5a6c7/);
  });
});
