import { describe, expect, it } from 'vitest';
import { displayPath } from '../../../src/cli/display.js';

describe('displayPath', () => {
  it('shows a file name’s control characters escaped, so a result stays on its line', () => {
    expect(displayPath('/srv/notes/two\nlines.md')).toBe('/srv/notes/two\\nlines.md');
    expect(displayPath('/srv/notes/tab\there\r.md')).toBe('/srv/notes/tab\\there\\r.md');
    expect(displayPath('/srv/notes/\u001b[31mred.md')).toBe('/srv/notes/\\x1b[31mred.md');
    // Letters of any script are not control characters.
    expect(displayPath('/srv/notes/日記/élève.md')).toBe('/srv/notes/日記/élève.md');
  });

  it('shortens a path under the current folder or the home folder', () => {
    expect(displayPath(`${process.cwd()}/a/b.md`)).toBe('a/b.md');
    if (process.env.HOME && !process.cwd().startsWith(process.env.HOME))
      expect(displayPath(`${process.env.HOME}/notes/b.md`)).toBe('~/notes/b.md');
  });
});
