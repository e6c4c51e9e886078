import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunk, prose } from './helpers.js';

/**
 * An image pasted into a note by a Markdown editor is an inline `data:` URI: hundreds of
 * kilobytes of base64 on one line. It is left out of the chunks (its payload made `…`), so it
 * costs no embedding and matches no search; the note's lines stay the file's.
 */
const payload = (bytes: number) => randomBytes(bytes).toString('base64');

describe('inline data: URIs', () => {
  it("a pasted image's payload becomes …, and the note is the chunks it would be without it", () => {
    const image = payload(300_000);
    const note = `# Trip\n\nThe view from the ridge:\n\n![ridge](data:image/png;base64,${image})\n\n${prose(30)}\n\nWe camped by the lake.\n`;
    const chunks = chunk(note);
    expect(chunks.length).toBeLessThanOrEqual(2);
    const text = chunks.map((c) => c.text).join('\n');
    expect(text).toContain('![ridge](data:image/png;base64,…)');
    expect(text).not.toContain(image.slice(0, 64));
    expect(text).toContain('We camped by the lake.');
    // Lines are the file's: the last chunk ends on the note's last line.
    expect(chunks.at(-1)!.endLine).toBe(note.split('\n').length - 1);
  });

  it('keeps a short data: URI (an icon), and base64 that is not a data: URI', () => {
    const icon = payload(120); // 160 characters
    const key = payload(200); // 268 characters, a key in a code block
    const chunks = chunk(
      `# Keys\n\n![dot](data:image/gif;base64,${icon})\n\n${prose(20)}\n\n\`\`\`\n${key}\n\`\`\`\n`,
    );
    expect(chunks.some((c) => c.text.includes(`data:image/gif;base64,${icon})`))).toBe(true);
    expect(chunks.some((c) => c.text.includes(key))).toBe(true);
  });

  it('takes media types with parameters, and padding', () => {
    const svg = payload(1_000);
    const [c] = chunk(`# Logo\n\n<img src="data:image/svg+xml;charset=utf-8;base64,${svg}">\n`);
    expect(c!.text).toContain('data:image/svg+xml;charset=utf-8;base64,…"');
  });
});
