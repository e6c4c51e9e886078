import { describe, expect, it } from 'vitest';
import { formatResults } from '../../../src/cli/commands/search.js';
import type { WireSearchHit } from '../../../src/ipc/protocol.js';

const hit = (text: string, headingPath: string[], metadata: Record<string, unknown>): WireSearchHit => ({
  id: 'a',
  path: '/src/auth.ts',
  root: '/src',
  engine: 'code',
  start_line: 10,
  end_line: 14,
  heading_path: headingPath,
  text,
  score: 0.5,
  mtime_ms: 0,
  metadata,
});

const snippetLine = (h: WireSearchHit, query = 'q'): string =>
  formatResults({ query, mode: 'hybrid', k: 1, took_ms: 1, results: [h] }).split('\n')[1] as string;

describe('formatResults snippet', () => {
  it('starts a code hit at its source, without the symbol and name-word lines put there for search', () => {
    const head = 'auth.ts:Session.stripTrailingSlash\nsession strip trailing slash\n';
    const source = 'stripTrailingSlash(url: string) {\n  return url.replace(/\\/$/, "");\n}';
    const line = snippetLine(hit(head + source, ['auth.ts:Session'], { bodyOffset: head.length }));
    expect(line.trim().startsWith('stripTrailingSlash(url: string) {')).toBe(true);
    expect(line).not.toContain('strip trailing slash');
  });

  it('drops a markdown breadcrumb by bodyOffset, or by the heading path when there is none', () => {
    const crumb = 'Guide > Install';
    const withOffset = snippetLine(
      hit(`${crumb}\n\nRun the installer.`, ['Guide', 'Install'], { bodyOffset: crumb.length }),
    );
    const withoutOffset = snippetLine(hit(`${crumb}\n\nRun the installer.`, ['Guide', 'Install'], {}));
    expect(withOffset.trim()).toBe('Run the installer.');
    expect(withoutOffset.trim()).toBe('Run the installer.');
  });

  it("shows a Markdown page's text without the comments, anchors, link definitions and link targets the page hides", () => {
    const crumb = 'Concurrency > Mutexes';
    const text = `${crumb}\n\n<!-- Old headings. Do not remove or links may break. -->\n<a id="sharing-a-mutex"></a>\n\nA [mutex](https://doc.rust-lang.org/std/sync/struct.Mutex.html) allows one thread at a time.\n\n[mutex]: https://doc.rust-lang.org/std/sync/struct.Mutex.html`;
    const page = (path: string) =>
      snippetLine({
        ...hit(text, ['Concurrency', 'Mutexes'], { bodyOffset: crumb.length + 2 }),
        engine: 'md',
        path,
      }).trim();
    expect(page('/book/ch16.md')).toBe('A mutex allows one thread at a time.');
    // A notebook's Markdown cells are Markdown too.
    expect(page('/book/ch16.ipynb')).toBe('A mutex allows one thread at a time.');
    // A text file shows its `<!--` as written.
    expect(page('/book/ch16.txt')).toContain('<!-- Old headings.');
  });

  it("shows an MDX page's text without its import and export statements", () => {
    const text = "import Tabs from '@theme/Tabs';\nexport const v = 2;\n\nRun the <Tabs>installer</Tabs>.";
    const line = (path: string) => snippetLine({ ...hit(text, [], {}), engine: 'md', path }).trim();
    expect(line('/site/docs/install.mdx')).toBe('Run the installer.');
    expect(line('/site/docs/install.md')).toContain("import Tabs from '@theme/Tabs';");
  });

  it('leaves out an HTML heading that opens the section the hit name prints', () => {
    const text = '<h3 name="order">\nHow can I sort the output?\n</h3>\n\nUse `--sort path`.';
    const line = (path: string[]) =>
      snippetLine({ ...hit(text, path, {}), engine: 'md', path: '/proj/FAQ.md' }).trim();
    expect(line(['FAQ', 'How can I sort the output?'])).toBe('Use `--sort path`.');
    expect(line(['FAQ'])).toBe('How can I sort the output? Use `--sort path`.');
  });

  it("shows a Markdown page's HTML as the words it renders", () => {
    const text =
      '<p align="center">\n  <img src="https://x.org/logo.png" alt="Logo"/>\n</p>\n\nIt <em>retries</em> twice.';
    const line = snippetLine({ ...hit(text, [], {}), engine: 'md', path: '/proj/README.md' }).trim();
    expect(line).toBe('It retries twice.');
  });

  it('leaves out the heading lines that open a section when the hit name prints them, not other headings', () => {
    const md = (text: string, path: string[]) => snippetLine({ ...hit(text, path, {}), engine: 'md' }).trim();
    expect(md('Pricing review\n==============\n\nWe keep the free tier.', ['Pricing review'])).toBe(
      'We keep the free tier.',
    );
    expect(md('# Guide\n\n## Install *quickly* ##\n\nRun it.', ['Guide', 'Install quickly'])).toBe('Run it.');
    // A merged chunk's later section is not in its path: its heading is part of what it holds.
    expect(md('# Guide\n\nIntro.\n\n## Upgrade\n\nRun it again.', ['Guide'])).toBe(
      'Intro. Upgrade: Run it again.',
    );
    expect(md('# Other title\n\nText.', ['Guide'])).toBe('Other title: Text.');
    // A line of dashes under text that is not the title is a rule, and the text stays.
    expect(md('Some words\n---\n\nMore.', ['Guide'])).toBe('Some words --- More.');
  });

  it("reads a document's headings inside the chunk as words, not code's comments nor a code block's", () => {
    const doc = {
      ...hit(
        'Intro text.\n\n## Synopsis\n\n```sh\n# install it\nmake\n```\n\n### Notes ###\n\nDone.',
        ['Page'],
        {},
      ),
      engine: 'md',
    };
    expect(snippetLine(doc).trim()).toBe('Intro text. Synopsis: ```sh # install it make ``` Notes: Done.');
    const code = hit('# Session store\nclass Store:\n    pass', ['store.py'], { kind: 'class' });
    expect(snippetLine(code).trim()).toBe('# Session store class Store: pass');
  });

  it("leaves code's comment markers out of a code hit's line, and what only looks like one in", () => {
    const jsdoc = hit(
      '/**\n * Send a file.\n *\n * @public\n */\nres.sendFile = function sendFile(path) {\n  *done = 1;\n};',
      ['response.js'],
      { kind: 'method' },
    );
    expect(snippetLine(jsdoc).trim()).toBe(
      'Send a file. @public res.sendFile = function sendFile(path) { *done = 1; };',
    );
    const rust = hit(
      '/// Where a span starts.\n//! Module notes.\n#[derive(Clone)]\npub struct Span;',
      ['mod.rs'],
      {
        kind: 'type',
      },
    );
    expect(snippetLine(rust).trim()).toBe(
      'Where a span starts. Module notes. #[derive(Clone)] pub struct Span;',
    );
  });

  it("shows the stretch of a long chunk that holds the query's words, after its breadcrumb is cut", () => {
    const crumb = 'Backup setup';
    const body = `${'Nightly runs of the backup job to the NAS. '.repeat(8)}\n\n## Restore test\n\nLast restore test took 11 minutes.`;
    const h = { ...hit(`${crumb}\n\n${body}`, [crumb], { bodyOffset: crumb.length + 2 }), engine: 'md' };
    expect(snippetLine(h, 'how long did the restore test take').trim()).toMatch(
      /^….*Restore test: Last restore test took 11 minutes\.$/,
    );
    expect(snippetLine(h, 'nightly backup job').trim()).toMatch(/^Nightly runs of the backup job/);
  });
});
