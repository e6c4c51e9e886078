import { describe, expect, it } from 'vitest';
import {
  withoutHiddenMarkup,
  withoutLinkTargets,
  withoutTags,
} from '../../../../src/engines/markdown/hidden.js';
import { body, chunk, expectAllTextCovered, expectValidChunks, limits, proseOfTokens } from './helpers.js';

/** What a chunk's vector reads: its embedded text. */
const embedded = (c: { text: string; embedText?: string }) => c.embedText ?? c.text;

describe('markup the rendered page hides', () => {
  it('is the file text that full-text search reads, and not what is embedded', () => {
    const text = [
      '# Guide',
      '',
      '<!-- TODO: reword this section -->',
      'Install the tool with the [installer][inst] and check the version.',
      '<a id="old-install-heading"></a>',
      '',
      '[inst]: https://example.com/install-guide "Installer"',
      '',
    ].join('\n');
    const chunks = chunk(text);
    expect(chunks).toHaveLength(1);
    const [c] = chunks;
    expect(c!.text).toContain('<!-- TODO: reword this section -->');
    expect(c!.text).toContain('[inst]: https://example.com/install-guide');
    expect(embedded(c!)).toBe(
      'Guide\n\n# Guide\n\nInstall the tool with the [installer][inst] and check the version.\n',
    );
    expectValidChunks(text, chunks, limits());
  });

  it('makes no chunk of a heading with only anchors and comments under it that did not fit the text after it', () => {
    // The rust book's "Old headings. Do not remove or links may break." before a long section.
    const long = proseOfTokens(200, 3);
    const text = [
      '# Smart Pointers',
      '',
      '## Treating Smart Pointers Like References',
      '',
      '<!-- Old headings. Do not remove or links may break. -->',
      '',
      '<a id="following-the-pointer-to-the-value-with-the-dereference-operator"></a>',
      '<a id="following-the-pointer-to-the-value"></a>',
      '',
      long,
      '',
    ].join('\n');
    const lim = limits(256, 32);
    const chunks = chunk(text, lim);
    for (const c of chunks)
      expect(
        withoutHiddenMarkup(body(c))
          .replace(/^#+ .*$/gm, '')
          .trim(),
      ).not.toBe('');
    const first = chunks[0]!;
    expect(first.headingPath).toEqual(['Smart Pointers', 'Treating Smart Pointers Like References']);
    expect(body(first)).toContain(long.slice(0, 40));
    expectValidChunks(text, chunks, lim);
    expectAllTextCovered(text, chunks);
  });

  it('makes no chunk of the link reference definitions at the end of a page that did not fit its last chunk', () => {
    const refs = Array.from(
      { length: 12 },
      (_, i) => `[ref-${i}]: https://example.com/chapter-${i}.html#propagating-errors`,
    );
    const text = ['# Errors', '', proseOfTokens(230, 5), '', ...refs, ''].join('\n');
    const lim = limits(256, 32);
    const chunks = chunk(text, lim);
    expect(chunks.map((c) => body(c)).join('\n')).not.toContain('[ref-11]');
    expect(chunks.every((c) => !/^\[ref-/m.test(body(c).split('\n')[0]!))).toBe(true);
    expectValidChunks(text, chunks, lim);
    expectAllTextCovered(text, chunks);
  });

  it('leaves the embedded text, and so its hash, as it was when a comment is added to a note', () => {
    const note = ['# Standup', '', 'Ship the backup script on Friday.', ''];
    const [plain] = chunk(note.join('\n'));
    const [commented] = chunk([...note.slice(0, 2), '<!-- ask Sam first -->', ...note.slice(2)].join('\n'));
    expect(commented!.text).toContain('ask Sam first');
    expect(commented!.contentHash).toBe(plain!.contentHash);
  });

  it('is shown where the page shows it: in code, in a code span, and in files that are not Markdown', () => {
    const text = [
      '# Templates',
      '',
      'Put `<!-- more -->` where the excerpt ends.',
      '',
      '```html',
      '<!-- more -->',
      '[label]: https://example.com',
      '```',
      '',
    ].join('\n');
    const [c] = chunk(text);
    expect(embedded(c!)).toContain('Put `<!-- more -->` where the excerpt ends.');
    expect(embedded(c!)).toContain('```html\n<!-- more -->\n[label]: https://example.com\n```');
    const plain = chunk(
      'Notes\n\n<!-- kept: a text file shows it -->\n',
      limits(),
      '/home/me/notes/todo.txt',
    );
    expect(embedded(plain[0]!)).toContain('<!-- kept: a text file shows it -->');
  });

  it("shows a callout box's title, not its fences, and no script or style", () => {
    const text = [
      'Intro.',
      '',
      '::: tip NOTE',
      'Use the flag.',
      ':::',
      '',
      '::: code-group',
      '```sh',
      'npm install vite',
      ':::',
      '```',
      ':::',
      '',
      ':::: warning Future Deprecation ::::',
      '::: {.note}',
      'A Pandoc div.',
      ':::',
      '',
      '<script setup>',
      "import Chart from './chart.vue'",
      '</script>',
      '',
      '<style scoped>.box { color: red }</style>',
      '',
      'A ratio of 1:::2, and `<script>` in a code span.',
    ].join('\n');
    expect(withoutHiddenMarkup(text)).toBe(
      [
        'Intro.',
        '',
        'NOTE',
        'Use the flag.',
        '',
        '```sh',
        'npm install vite',
        ':::',
        '```',
        '',
        'Future Deprecation',
        'A Pandoc div.',
        '',
        '',
        '',
        'A ratio of 1:::2, and `<script>` in a code span.',
      ].join('\n'),
    );
  });

  it("reads a note's callout and Obsidian comments as the page shows them", () => {
    const text = [
      '> [!note] Decision',
      '> We move the billing cron to 02:00 UTC. ^billing-cron',
      '',
      '> [!WARNING]',
      '> Back up first.',
      '',
      '> [!tip]- Folded',
      '',
      'Send the summary %%private: Sam was annoyed%% to the team.',
      '%%',
      'a block comment',
      '%%',
      'Keep `%%d%%` in code, and a format placeholder: %% is a raw %, 100%% sure.',
      '$ git log foo bar ^baz',
    ].join('\n');
    expect(withoutHiddenMarkup(text)).toBe(
      [
        '> Decision',
        '> We move the billing cron to 02:00 UTC. ^billing-cron',
        '',
        '> Warning',
        '> Back up first.',
        '',
        '> Folded',
        '',
        'Send the summary  to the team.',
        'Keep `%%d%%` in code, and a format placeholder: %% is a raw %, 100%% sure.',
        '$ git log foo bar ^baz',
      ].join('\n'),
    );
  });

  it("leaves out Logseq's block ids, folds and block references, and keeps its other properties", () => {
    const text = [
      'tags:: project, finance',
      '',
      '- ## Cron',
      '  id:: 64f1a2b3-1111-4c2d-9e8f-000000000001',
      '  collapsed:: true',
      '\t- It must not overlap the backup window, see ((64f1a2b3-2222-4c2d-9e8f-000000000002)).',
      '\t- `std::vector` and the line `id:: x` in code stay.',
    ].join('\n');
    expect(withoutHiddenMarkup(text)).toBe(
      [
        'tags:: project, finance',
        '',
        '- ## Cron',
        '\t- It must not overlap the backup window, see .',
        '\t- `std::vector` and the line `id:: x` in code stay.',
      ].join('\n'),
    );
  });

  it('takes a comment over several lines, and leaves the words around a comment inside a line', () => {
    expect(withoutHiddenMarkup('Before <!-- a\nlong\ncomment --> after.\nNext line.')).toBe(
      'Before  after.\nNext line.',
    );
    expect(withoutHiddenMarkup('one\n<!--\nhidden\n-->\ntwo')).toBe('one\ntwo');
    expect(withoutHiddenMarkup('[not a definition] : text\n[x]: y "t" trailing')).toBe(
      '[not a definition] : text\n[x]: y "t" trailing',
    );
  });
});

describe('what an MDX page runs or drops: its import and export statements, its {/* comments */}', () => {
  const MDX = '/site/docs/install.mdx';
  const page = [
    "import Tabs from '@theme/Tabs';",
    "import TabItem from '@theme/TabItem';",
    '',
    'export const meta = {',
    "  sidebar: 'guides',",
    '};',
    '',
    'Before you start, you need Node 18 or newer.',
    '{/* TODO: say which npm */}',
    '',
    '## Configure',
    '',
    'export const Proxy = () => <code>HTTPS_PROXY</code>;',
    '',
    'Set the proxy. {/* a note',
    'over two lines */} Important: import your certificates first.',
    '',
    '```js',
    "import ky from 'ky';",
    '{/* shown in code */}',
    '```',
    '',
  ].join('\n');

  it('is not embedded, nor a chunk of its own; inside a chunk, full-text search reads it', () => {
    const chunks = chunk(page, limits(256, 0), MDX);
    expect(chunks.map((c) => c.headingPath)).toEqual([[], ['Configure']]);
    expect(chunks[0]!.startLine).toBe(8);
    expect(chunks[1]!.text).toContain('export const Proxy');
    expect(embedded(chunks[0]!)).toBe('Before you start, you need Node 18 or newer.');
    // An ESM or comment line inside a paragraph is prose; code shows its `import` as written.
    expect(embedded(chunks[1]!)).toBe(
      [
        'Configure\n\n## Configure',
        '',
        'Set the proxy.  Important: import your certificates first.',
        '',
        '```js',
        "import ky from 'ky';",
        '{/* shown in code */}',
        '```',
      ].join('\n'),
    );
    expectValidChunks(page, chunks, limits(256, 0), { path: MDX });
  });

  it('is shown in a Markdown file, where the page shows such lines', () => {
    const [c] = chunk(page, limits(), '/site/docs/install.md');
    expect(embedded(c!)).toContain("import Tabs from '@theme/Tabs';");
    expect(withoutHiddenMarkup('import x from "y";\n\nText.')).toBe('import x from "y";\n\nText.');
    expect(withoutHiddenMarkup('import x from "y";\n\nText.', { mdx: true })).toBe('Text.');
  });

  it('starts no chunk inside a statement too long for one chunk', () => {
    const fields = Array.from(
      { length: 80 },
      (_, i) => `  field${i}: 'value number ${i} of the page metadata',`,
    );
    const text = ['export const meta = {', ...fields, '}', '', '# Usage', '', proseOfTokens(120, 4), ''].join(
      '\n',
    );
    const lim = limits(256, 32);
    const chunks = chunk(text, lim, MDX);
    expect(chunks.map((c) => c.headingPath)).toEqual([['Usage']]);
    expect(chunks.some((c) => embedded(c).includes('field'))).toBe(false);
    expectValidChunks(text, chunks, lim, { path: MDX });
  });

  it('makes no chunk of the statements alone', () => {
    const imports = Array.from(
      { length: 12 },
      (_, i) => `import Widget${i} from '@site/src/components/Widget${i}';`,
    );
    const text = [...imports, '', '# Widgets', '', proseOfTokens(230, 2), ''].join('\n');
    const lim = limits(256, 32);
    const chunks = chunk(text, lim, MDX);
    expect(chunks.map((c) => c.headingPath)).toEqual([['Widgets']]);
    expect(chunks.map((c) => body(c)).join('\n')).not.toContain('import Widget');
    expectAllTextCovered(text, chunks, 1, { mdx: true });
  });
});

describe('links as the page shows them', () => {
  it('is a wikilink as the text it shows, an embedded image as nothing', () => {
    expect(
      withoutLinkTargets(
        'Talked with [[People/Sam Lee|Sam]] about [[Projects/Billing#Cron]]; see ![[cron diagram.png]] and ![[Runbook]].',
      ),
    ).toBe('Talked with Sam about Billing > Cron; see  and Runbook.');
    expect(withoutLinkTargets('[[#Local heading]], [[Ops|]] and `[[kept in code]]`')).toBe(
      'Local heading, Ops and `[[kept in code]]`',
    );
  });

  it('is a link as its text, an image as its alt text, a badge as its alt text', () => {
    expect(withoutLinkTargets('Share it on [crates.io](https://crates.io/) today.')).toBe(
      'Share it on crates.io today.',
    );
    expect(
      withoutLinkTargets('[![npm version](https://img.shields.io/npm/v/x.svg)](https://npmjs.org/package/x)'),
    ).toBe('npm version');
    expect(withoutLinkTargets('See [the spec](https://example.com/a_(b) "Spec").')).toBe('See the spec.');
  });

  it('shows HTML in Markdown as the words the page renders', () => {
    expect(
      withoutTags(
        '<p align="center">\n  <img src="logo.svg" width=480 alt="Logo"/>\n</p>\n<details><summary>More</summary>\n\nIt <em>retries</em> twice.</details>',
      ).replace(/\s+/g, ' '),
    ).toBe(' More It retries twice.');
    // Code, an autolink and a comparison in prose are what the page shows.
    expect(withoutTags('Use `<div>` or <https://x.org>; a < b > c.\n```html\n<b>x</b>\n```')).toBe(
      'Use `<div>` or <https://x.org>; a < b > c.\n```html\n<b>x</b>\n```',
    );
  });

  it('leaves code, reference links and a bracket that is no link as they are', () => {
    expect(withoutLinkTargets('Write `[a](b)` for a link.')).toBe('Write `[a](b)` for a link.');
    expect(withoutLinkTargets('```md\n[k](v)\n```\n[z](y)')).toBe('```md\n[k](v)\n```\nz');
    expect(withoutLinkTargets('Read [the guide][guide] and a[i] (twice).')).toBe(
      'Read [the guide][guide] and a[i] (twice).',
    );
  });
});
