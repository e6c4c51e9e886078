import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { ConfigError } from '../../../src/errors.js';
import {
  countByPath,
  inconsistencies,
  paragraph,
  readChunks,
  recordsOf,
  type Workspace,
} from '../../helpers/index-workspace.js';
import { writePdf } from '../../helpers/pdf-writer.js';
import { usePipeline } from '../../helpers/pipeline.js';

const note = (topic: string) => `# ${topic}\n\n${paragraph(topic, 2)}\n`;

describe('Indexer: only what the sources include is indexed', () => {
  const pipeline = usePipeline();
  let ws: Workspace;

  const open = (raw: Record<string, unknown> = {}): Promise<App> =>
    pipeline.open(ws.config(raw), pipeline.counter());

  it('leaves out what include/exclude globs, hidden folders, .gitignore and .ragignore leave out', async () => {
    ws = await pipeline.workspace('scope');
    const kept = [
      await ws.write('a.md', note('alpha')),
      await ws.write('deep/b.markdown', note('beta')),
      await ws.write('team/keep.md', note('kept')),
      await ws.write('.journal/today.md', note('journal')),
    ];
    await ws.write('notes.txt', note('text file'));
    await ws.write('node_modules/pkg/readme.md', note('dependency'));
    await ws.write('private/diary.md', note('diary'));
    await ws.write('.obsidian/workspace.md', note('obsidian'));
    await ws.write('.gitignore', 'build/\nsecret.md\n');
    await ws.write('build/out.md', note('build output'));
    await ws.write('secret.md', note('secret'));
    await ws.write('team/.ragignore', '*.tmp.md\n');
    await ws.write('team/scratch.tmp.md', note('scratch'));
    const a = await open({
      sources: [
        {
          path: ws.notes,
          include: ['**/*.md', '**/*.markdown', '.journal/**/*.md'],
          exclude: ['**/node_modules/**', 'private/**'],
        },
      ],
    });
    const summary = await a.indexer.reconcile();
    expect(summary).toMatchObject({ filesSeen: kept.length, filesAdded: kept.length, filesSkipped: 0 });
    expect([...(await recordsOf(a)).keys()].sort()).toEqual([...kept].sort());
    expect([...countByPath(await readChunks(a.config)).keys()].sort()).toEqual([...kept].sort());
  });

  it('a source that names no include reads Markdown, plain text, reStructuredText, Org, AsciiDoc, HTML, notebooks, PDF, LaTeX, Rich Text, canvases and workbooks, not other formats', async () => {
    ws = await pipeline.workspace('default-include');
    const kept = [
      await ws.write('a.md', note('alpha')),
      await ws.write('journal/2026-11-30.txt', `${paragraph('backup restore', 2)}\n`),
      await ws.write('c.mdx', note('gamma')),
      await ws.write('guide.rst', `Guide\n~~~~~\n\n${paragraph('guide', 1)}\n`),
      await ws.write('ideas.org', `* Ideas\n${paragraph('garden', 1)}\n`),
      await ws.write(
        'saved/article.html',
        `<html><body><h1>Article</h1><p>${paragraph('web', 1)}</p></body></html>`,
      ),
      await ws.write('notes.adoc', `= Notes\n${paragraph('asciidoc', 1)}\n`),
      await ws.write('saved/old.htm', `<p>${paragraph('older web', 1)}</p>`),
      await ws.write(
        'papers/guide.pdf',
        writePdf([[{ text: 'A paper about backups and restores.', y: 700 }]]),
      ),
      await ws.write(
        'lab/run.ipynb',
        JSON.stringify({ cells: [{ cell_type: 'markdown', source: [paragraph('lab', 1)] }] }),
      ),
      await ws.write('paper.tex', `\\section{Paper}\n${paragraph('proof', 1)}\n`),
      await ws.write(
        'money/budget.xlsx',
        readFileSync(join(import.meta.dirname, '../../fixtures/xlsx/budget.xlsx')),
      ),
      await ws.write('letters/thanks.rtf', `{\\rtf1\\ansi ${paragraph('letter', 1)}\\par}`),
      await ws.write(
        'boards/plan.canvas',
        JSON.stringify({
          nodes: [{ id: 'a', type: 'text', text: paragraph('plan', 1), x: 0, y: 0, width: 9, height: 9 }],
        }),
      ),
    ];
    await ws.write('settings.json', '{"theme": "dark"}\n');
    await ws.write('budget.csv', 'month,amount\nJanuary,120\n');
    const a = await open();
    expect(a.config.sources[0]!.include).toContain('**/*.txt');
    const summary = await a.indexer.reconcile();
    expect(summary).toMatchObject({ filesSeen: kept.length, filesAdded: kept.length, filesSkipped: 0 });
    expect([...countByPath(await readChunks(a.config)).keys()].sort()).toEqual([...kept].sort());
  });

  it('reads each file in its own encoding: Latin-1, UTF-16 with a BOM, a page whose <meta> names Shift_JIS', async () => {
    ws = await pipeline.workspace('encodings');
    const latin1 = await ws.write(
      'old/recette.txt',
      Buffer.from(`Recette du café crème\n\n${paragraph('gâteau', 1)}\n`, 'latin1'),
    );
    const utf16 = await ws.write(
      'win/notes.md',
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from(`# Zürich trip\n\n${paragraph('Grüezi', 1)}\n`, 'utf16le'),
      ]),
    );
    const sjis = await ws.write(
      'jp/page.html',
      Buffer.concat([
        Buffer.from(
          '<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"></head><body><h1>',
        ),
        Buffer.from([0x93, 0xfa, 0x96, 0x7b]), // 日本
        Buffer.from(`</h1><p>${paragraph('travel', 1)}</p></body></html>`),
      ]),
    );
    const a = await open();
    expect(await a.indexer.reconcile()).toMatchObject({ filesAdded: 3, filesSkipped: 0 });
    const texts = new Map((await readChunks(a.config)).map((c) => [c.path, c.text]));
    expect(texts.get(latin1)).toContain('Recette du café crème');
    expect(texts.get(utf16)).toContain('Zürich trip');
    expect(texts.get(sjis)).toContain('日本');
    expect([...texts.values()].join('')).not.toContain('\uFFFD');
  });

  it('a file that becomes ignored leaves the index at the next reconcile of the same indexer', async () => {
    ws = await pipeline.workspace('ignore-later');
    const a = await open();
    const later = await ws.write('later.md', note('later'));
    const stays = await ws.write('stays.md', note('stays'));
    await a.indexer.reconcile();
    // No watcher told the filter: the periodic reconcile must see the new ignore file itself.
    await ws.write('.ragignore', 'later.md\n');
    const summary = await a.indexer.reconcile();
    expect(summary).toMatchObject({ filesDeleted: 1, filesUnchanged: 1 });
    expect([...(await recordsOf(a)).keys()]).toEqual([stays]);
    expect(countByPath(await readChunks(a.config)).has(later)).toBe(false);
  });

  it('a source removed from the config takes its files out of the index at the next reconcile', async () => {
    ws = await pipeline.workspace('sources');
    const work = join(ws.root, 'work');
    await mkdir(work);
    await writeFile(join(work, 'plan.md'), note('plan'));
    await writeFile(join(work, 'todo.md'), note('todo'));
    const home = await ws.write('home.md', note('home'));
    const both = [
      { path: ws.notes, engine: 'md' },
      { path: work, engine: 'md' },
    ];
    const a = await open({ sources: both });
    expect(await a.indexer.reconcile()).toMatchObject({ filesAdded: 3 });
    await a.close();

    const b = await open({ sources: [both[0]] });
    const summary = await b.indexer.reconcile();
    expect(summary).toMatchObject({ filesDeleted: 2, filesUnchanged: 1, chunksEmbedded: 0 });
    expect([...(await recordsOf(b)).keys()]).toEqual([home]);
    expect([...countByPath(await readChunks(b.config)).keys()]).toEqual([home]);
    expect(await inconsistencies(b)).toEqual([]);
  });

  it('reconcile within a folder touches only that folder', async () => {
    ws = await pipeline.workspace('within');
    const a = await open();
    await ws.write('in/one.md', note('one'));
    const outside = await ws.write('out/two.md', note('two'));
    const summary = await a.indexer.reconcile({ within: ws.path('in') });
    expect(summary).toMatchObject({ filesSeen: 1, filesAdded: 1 });
    expect((await recordsOf(a)).has(outside)).toBe(false);
  });

  it('refuses a config whose data dir lies inside a source', async () => {
    ws = await pipeline.workspace('datadir');
    const attempt = () => ws.config({ dataDir: ws.path('.ragctl') });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      /sources\[0\]\.path: contains the data dir .*\.ragctl; the index must not watch itself/,
    );
    expect(() => ws.config({ dataDir: ws.notes })).toThrow(/contains the data dir/);
  });
});
