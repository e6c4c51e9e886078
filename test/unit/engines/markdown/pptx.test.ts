import { describe, expect, it } from 'vitest';
import { markdownChunker } from '../../../../src/engines/markdown/chunker.js';
import { pptxToMarkdown } from '../../../../src/engines/markdown/pptx.js';
import { fixtureBytes, limits, skipReason } from './helpers.js';

/** Presentations read as Markdown (src/engines/markdown/pptx.ts); fixtures: test/fixtures/pptx/README.md. */

describe('pptxToMarkdown', () => {
  it('reads a presentation pandoc wrote: the title slide above the slides, bullets by level, notes, a table', () => {
    const read = pptxToMarkdown(fixtureBytes('pptx/deck.pptx'));
    expect(read.text).toBe(
      [
        '# Storage migration plan',
        '',
        '## Why we move',
        '',
        '- The old SAN is out of support in June',
        '- Snapshots take six hours at night',
        '  - and block the nightly export',
        '',
        'Speaker note: mention the support contract renewal quote of 40k.',
        '',
        '## Timeline',
        '',
        '| Week | Step |',
        '| --- | --- |',
        '| 1 | Copy cold data |',
        '| 2 | Switch replicas |',
        '',
        '## Rollback',
        '',
        '- If the replicas lag more than ten minutes, point the app back at the SAN.',
        '',
      ].join('\n'),
    );
    // Each line's "page" is its slide.
    const lines = read.text.split('\n');
    expect(read.lines[lines.indexOf('## Timeline')]).toEqual({ first: 2, last: 2 });
    expect(
      read.lines[lines.indexOf('Speaker note: mention the support contract renewal quote of 40k.')],
    ).toEqual({
      first: 1,
      last: 1,
    });
  });

  it('follows the order the presentation shows, names an untitled slide, leaves footers, numbers and a picture-only slide out', () => {
    const read = pptxToMarkdown(fixtureBytes('pptx/edited.pptx'));
    const lines = read.text.split('\n');
    expect(lines.filter((l) => l.startsWith('#'))).toEqual([
      '# Storage migration plan',
      '## Why we move',
      '## Slide 3',
      '## Timeline',
    ]);
    expect(lines).toContain('- Owner: storage team, on call via the pager rota');
    expect(read.text).not.toContain('Confidential footer');
    // The fifth slide holds a picture alone: no heading over nothing.
    expect(read.text).not.toContain('Slide 5');
    expect(read.text).not.toMatch(/^- 7$/m);
    expect(read.lines[lines.indexOf('## Timeline')]).toEqual({ first: 3, last: 3 });
  });

  it('a file it cannot read is skipped with the reason', () => {
    const skipped = (bytes: Uint8Array) => skipReason(pptxToMarkdown, bytes);
    expect(skipped(fixtureBytes('docx/report.docx'))).toBe(
      'not a PowerPoint presentation: it has no ppt/presentation.xml',
    );
    expect(skipped(Buffer.from('plain text'))).toMatch(
      /^not a readable PowerPoint presentation: not a zip archive/,
    );
  });

  it('the markdown chunker reads a .pptx from its bytes, its slides as lines', async () => {
    expect(markdownChunker.readsBytes?.('/talks/Plan.PPTX')).toBe(true);
    const chunks = await markdownChunker.chunk(
      { path: '/talks/plan.pptx', text: '', bytes: fixtureBytes('pptx/deck.pptx') },
      limits(),
    );
    expect(chunks[0]!.headingPath[0]).toBe('Storage migration plan');
    expect(chunks.at(-1)!.endLine).toBe(4);
  });
});
