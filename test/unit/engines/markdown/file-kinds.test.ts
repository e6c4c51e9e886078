import { describe, expect, it } from 'vitest';
import { convertedText } from '../../../../src/engines/markdown/convert.js';
import { convertedKind, holdsMarkdown } from '../../../../src/engines/markdown/file-kinds.js';

describe('file kinds by name', () => {
  it('says what each text reader makes of a file, as the reader itself does', () => {
    const samples: Record<string, string> = {
      'a.html': '<main><h1>T</h1><p>See <a href="x.html">x</a>.</p></main>',
      'a.ipynb': JSON.stringify({ cells: [{ cell_type: 'markdown', source: ['# T\n', 'See [x](x.md).'] }] }),
      'a.tex': '\\section{T}\nSee \\href{https://x}{x}.\n',
      'a.rtf': '{\\rtf1\\ansi T\\par See x.\\par}',
      'a.canvas': JSON.stringify({
        nodes: [{ id: '1', type: 'text', text: '# T\nSee [x](x.md).' }],
        edges: [],
      }),
    };
    for (const [path, text] of Object.entries(samples))
      expect(convertedKind(path), path).toBe(convertedText(path, text)?.kind);
    expect(convertedKind('notes/a.md')).toBeUndefined();
  });

  it('tells the files whose chunks hold Markdown as written', () => {
    for (const path of ['a.md', 'a.MARKDOWN', 'a.mdx', 'a.ipynb', 'a.tex', 'a.rtf', 'board.canvas'])
      expect(holdsMarkdown(path), path).toBe(true);
    for (const path of [
      'a.txt',
      'README',
      'a.rst',
      '_sources/a.rst.txt',
      'a.org',
      'a.adoc',
      'a.html',
      'a.pdf',
      'a.docx',
      'package.json',
    ])
      expect(holdsMarkdown(path), path).toBe(false);
  });
});
