import { describe, expect, it } from 'vitest';
import { markdownChunker } from '../../../../src/engines/markdown/chunker.js';
import { body, chunk, DOC_PATH, expectValidChunks, limits, meta, prose, sha32, tokens } from './helpers.js';

/** Several sections with a few chunks each, the kind of file delta indexing must handle well. */
function notes(edit = (paragraph: string, _index: number) => paragraph): string {
  const out: string[] = ['# Notes', ''];
  let index = 0;
  for (let s = 0; s < 5; s++) {
    out.push(`## Topic ${s}`, '');
    for (let p = 0; p < 4; p++) out.push(edit(prose(70, s * 4 + p), index++), '');
  }
  return out.join('\n');
}

describe('embedded text', () => {
  it('is the heading breadcrumb, a blank line, then the file’s text', () => {
    const text = `# Guide\n\n## Install\n\n### macOS\n\n${prose(60)}\n`;
    const [c] = chunk(text);
    expect(c!.headingPath).toEqual(['Guide', 'Install', 'macOS']);
    expect(c!.text).toBe(`Guide > Install > macOS\n\n${text.trimEnd()}`);
    expect(meta(c!).bodyOffset).toBe('Guide > Install > macOS\n\n'.length);
    expect(body(c!)).toBe(text.trimEnd());
  });

  it('has no breadcrumb outside any heading', () => {
    const [c] = chunk(prose(30));
    expect(c!.text).toBe(prose(30));
    expect(meta(c!).bodyOffset).toBe(0);
  });

  it('keeps the nearest headings when the path is too long for its share of the limit', () => {
    const long = (n: number) => `${prose(12, n).replace(/\./g, '')} h${n}`;
    const text = `# ${long(1)}\n\n## ${long(2)}\n\n### ${long(3)}\n\n${prose(20)}\n`;
    const lim = limits(64, 0);
    const chunks = chunk(text, lim);
    const last = chunks.at(-1)!;
    expect(last.headingPath).toHaveLength(3);
    const crumb = last.text.slice(0, meta(last).bodyOffset);
    expect(crumb.endsWith(`h3\n\n`)).toBe(true);
    expect(crumb).not.toContain('h1');
    expect(tokens(crumb) - 2).toBeLessThanOrEqual(16);
    expectValidChunks(text, chunks, lim);
  });
});

describe('hashes and ids', () => {
  it('hashes exactly the embedded text and derives ids from path, position and hash', () => {
    const text = notes();
    const chunks = chunk(text);
    expect(chunks.length).toBeGreaterThan(5);
    chunks.forEach((c, i) => {
      expect(c.contentHash).toBe(sha32(c.text));
      expect(c.id).toBe(sha32(`${DOC_PATH}\0${i}\0${c.contentHash}`));
    });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
  });

  it('is stable across runs', () => {
    const text = notes();
    expect(chunk(text)).toEqual(chunk(text));
    expect(markdownChunker.chunk({ path: DOC_PATH, text }, limits())).toEqual(chunk(text));
    expect(markdownChunker.name).toBe('markdown');
  });

  it('gives the same content at another path the same hashes but other ids', () => {
    const text = notes();
    const here = chunk(text);
    const there = chunk(text, limits(), '/elsewhere/doc.md');
    expect(there.map((c) => c.contentHash)).toEqual(here.map((c) => c.contentHash));
    for (let i = 0; i < here.length; i++) expect(there[i]!.id).not.toBe(here[i]!.id);
  });

  it('gives repeated identical text distinct ids', () => {
    const para = prose(150);
    const chunks = chunk(`${para}\n\n${para}\n`);
    expect(chunks).toHaveLength(2);
    expect(chunks[0]!.contentHash).toBe(chunks[1]!.contentHash);
    expect(chunks[0]!.id).not.toBe(chunks[1]!.id);
  });

  it('changes exactly one chunk when one paragraph is edited', () => {
    const before = chunk(notes());
    for (const target of [0, 7, 13, 19]) {
      const after = chunk(notes((p, i) => (i === target ? p.replace('daemon', 'service') : p)));
      expect(after).toHaveLength(before.length);
      const changed = after.flatMap((c, i) => (c.contentHash === before[i]!.contentHash ? [] : [i]));
      expect(changed, `edit of paragraph ${target}`).toHaveLength(1);
      const i = changed[0]!;
      expect(body(after[i]!)).toContain('service');
      for (let j = 0; j < after.length; j++) {
        if (j === i) expect(after[j]!.id).not.toBe(before[j]!.id);
        else expect(after[j]).toEqual(before[j]);
      }
    }
  });

  it('keeps the chunks of other sections when a paragraph grows past a chunk boundary', () => {
    const before = chunk(notes());
    const after = chunk(notes((p, i) => (i === 6 ? `${p} ${prose(120, 99)}` : p)));
    const unchanged = (list: typeof before, topic: number) =>
      list.filter((c) => c.headingPath.at(-1) === `Topic ${topic}`).map((c) => c.contentHash);
    for (const topic of [0, 2, 3, 4]) expect(unchanged(after, topic)).toEqual(unchanged(before, topic));
  });
});
