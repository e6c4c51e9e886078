import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { formatSummary } from '../../../src/cli/commands/index-cmd.js';
import type { CountingEmbedder } from '../../helpers/counting-embedder.js';
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

const MAX_FILE_BYTES = 4096;
/** Root reads a chmod-000 file anyway: what "unreadable" means depends on who runs the test. */
const IS_ROOT = process.getuid?.() === 0;
/** Linux: a regular file (by stat) whose read fails with EIO. Elsewhere the link dangles. */
const FAILING_READ_TARGET = '/proc/self/mem';

describe('Indexer: files that cannot be indexed are recorded with a reason and never stop the run', () => {
  const pipeline = usePipeline();
  let ws: Workspace;
  let counter: CountingEmbedder;

  async function start(): Promise<App> {
    let app: App;
    ({ ws, counter, app } = await pipeline.start('skipped', { indexing: { maxFileBytes: MAX_FILE_BYTES } }));
    return app;
  }

  it('records binary, too large, unreadable, FIFO, dangling and looping links with reasons; indexes the rest', async () => {
    const a = await start();
    const good = await ws.write('good.md', `# Good\n\n${paragraph('good')}\n`);
    const binary = await ws.write('binary.md', Buffer.from([0x23, 0x20, 0x41, 0x00, 0x01, 0x02, 0x0a]));
    const large = await ws.write('large.md', `# Large\n\n${'x'.repeat(MAX_FILE_BYTES + 1)}\n`);
    const latin1 = await ws.write(
      'latin1.md',
      Buffer.from("# Caf\xe9\n\nUn caf\xe9 cr\xe8me, s'il vous pla\xeet.\n", 'latin1'),
    );
    const empty = await ws.write('empty.md', '');
    const locked = await ws.write('locked.md', `# Locked\n\n${paragraph('locked')}\n`);
    await chmod(locked, 0o000);
    const fifo = ws.path('pipe.md');
    execFileSync('mkfifo', [fifo]);
    const dangling = ws.path('dangling.md');
    await symlink(ws.path('nowhere.md'), dangling);
    const loopA = ws.path('loop-a.md');
    const loopB = ws.path('loop-b.md');
    await symlink(loopB, loopA);
    await symlink(loopA, loopB);
    const eio = ws.path('eio.md');
    await symlink(FAILING_READ_TARGET, eio);
    // Folder links are never followed, so a loop through one cannot trap the walk.
    await mkdir(ws.path('sub'));
    const inSub = await ws.write('sub/inner.md', `# Inner\n\n${paragraph('inner')}\n`);
    await symlink('..', ws.path('sub/up'));
    await symlink(ws.path('sub'), ws.path('sub-link.md'));
    // A folder elsewhere linked in (notes kept in a synced folder): not followed, but said.
    const elsewhere = join(dirname(ws.notes), 'elsewhere');
    await mkdir(elsewhere, { recursive: true });
    await writeFile(join(elsewhere, 'far.md'), `# Far\n\n${paragraph('far')}\n`);
    const linkOut = ws.path('work');
    await symlink(elsewhere, linkOut);

    const summary = await a.indexer.reconcile();

    const expectedSkips = new Map<string, RegExp>([
      [binary, /^binary file$/],
      [large, /^larger than indexing\.maxFileBytes \(\d+ > 4096 bytes\)$/],
      [fifo, /^not a regular file/],
      [dangling, /^broken symbolic link$/],
      [loopA, /^symbolic link loop$/],
      [loopB, /^symbolic link loop$/],
      [
        linkOut,
        new RegExp(
          `^a link to the folder ${elsewhere}, which the walk does not follow: .*\\(\`ragctl add ${elsewhere}\`\\)$`,
        ),
      ],
      [eio, existsSync(FAILING_READ_TARGET) ? /^cannot read: EIO$/ : /^broken symbolic link$/],
    ]);
    if (!IS_ROOT) expectedSkips.set(locked, /^cannot read: EACCES; .* cannot read it: /);
    const indexed = [good, latin1, empty, inSub, ...(IS_ROOT ? [locked] : [])];

    expect(summary.filesSkipped).toBe(expectedSkips.size);
    expect(summary.filesAdded).toBe(indexed.length);
    expect(summary.filesSeen).toBe(expectedSkips.size + indexed.length);
    const failures = new Map(summary.failures.map((f) => [f.path, f.reason]));
    expect([...failures.keys()].sort()).toEqual([...expectedSkips.keys()].sort());
    const records = await recordsOf(a);
    for (const [path, reason] of expectedSkips) {
      expect(failures.get(path), path).toMatch(reason);
      expect(records.get(path), path).toMatchObject({ status: 'skipped', chunkCount: 0 });
      expect(records.get(path)?.reason, path).toMatch(reason);
    }
    for (const path of indexed)
      expect(records.get(path), path).toMatchObject({ status: 'indexed', reason: '' });
    // The folder link is neither followed nor recorded, and the loop through sub/up added nothing.
    expect(records.has(ws.path('sub-link.md'))).toBe(false);
    expect([...records.keys()].filter((p) => p.includes('/up/'))).toEqual([]);

    const counts = countByPath(await readChunks(a.config));
    expect([...counts.keys()].sort()).toEqual(indexed.filter((p) => p !== empty).sort());
    expect(records.get(empty)).toMatchObject({ status: 'indexed', chunkCount: 0 });
    expect(await inconsistencies(a)).toEqual([]);

    // A Latin-1 note (no valid UTF-8 in it) is read as one, not hidden or mangled.
    const latinRow = (await readChunks(a.config)).find((r) => r.path === latin1)!;
    expect(latinRow.text).toContain('Un café crème');
    expect((await readFile(latin1)).includes(0xe9)).toBe(true);

    // Nothing changed: skipped files are remembered, not read again, and not reported again.
    counter.reset();
    const again = await a.indexer.reconcile();
    expect(again).toMatchObject({
      filesSeen: summary.filesSeen,
      filesUnchanged: summary.filesSeen,
      filesSkipped: 0,
      filesStillSkipped: expectedSkips.size,
      failures: [],
      chunksEmbedded: 0,
    });
    // ...but the summary still says they are out of the index, or they would pass for indexed.
    expect(summary.filesStillSkipped).toBe(0);
    expect(formatSummary(again)).toContain(
      `${summary.filesSeen} unchanged (${expectedSkips.size} of them still skipped: \`ragctl status\` says why).`,
    );
  });

  it('a file that becomes binary loses its chunks; when it is text again it is indexed again', async () => {
    const a = await start();
    const path = await ws.write('flip.md', `# Flip\n\n${paragraph('flip')}\n`);
    await a.indexer.reconcile();
    expect(countByPath(await readChunks(a.config)).get(path)).toBe(1);

    await ws.write('flip.md', Buffer.concat([Buffer.from('# Flip\n'), Buffer.from([0, 159, 146, 150])]));
    const binary = await a.indexer.syncPaths([path]);
    expect(binary).toMatchObject({ filesSkipped: 1, failures: [{ path, reason: 'binary file' }] });
    expect(countByPath(await readChunks(a.config)).has(path)).toBe(false);
    expect((await recordsOf(a)).get(path)).toMatchObject({ status: 'skipped', reason: 'binary file' });

    await ws.write('flip.md', `# Flip\n\n${paragraph('flip')}\n`);
    counter.reset();
    const text = await a.indexer.reconcile();
    expect(text).toMatchObject({ filesChanged: 1, filesSkipped: 0 });
    expect(countByPath(await readChunks(a.config)).get(path)).toBe(1);
    expect((await recordsOf(a)).get(path)).toMatchObject({ status: 'indexed', reason: '' });
    expect(await inconsistencies(a)).toEqual([]);
  });

  it('a link to a folder elsewhere is said until that folder is a source of its own, then no more', async () => {
    const a = await start();
    const elsewhere = join(dirname(ws.notes), 'synced');
    await mkdir(elsewhere, { recursive: true });
    const far = join(elsewhere, 'far.md');
    await writeFile(far, `# Far\n\n${paragraph('far')}\n`);
    const link = ws.path('work');
    await symlink(elsewhere, link);
    expect(await a.indexer.reconcile()).toMatchObject({ filesSkipped: 1 });
    expect((await recordsOf(a)).get(link)?.reason).toContain(`ragctl add ${elsewhere}`);
    await a.close();

    // What the fix says was done: the folder is a source now, and its files are indexed there.
    const both = await pipeline.open(
      ws.config({
        sources: [
          { path: ws.notes, engine: 'md' },
          { path: elsewhere, engine: 'md' },
        ],
      }),
      pipeline.counter(),
    );
    const summary = await both.indexer.reconcile();
    expect(summary.failures).toEqual([]);
    const records = await recordsOf(both);
    expect(records.has(link)).toBe(false);
    expect(records.get(far)).toMatchObject({ status: 'indexed' });
    expect(countByPath(await readChunks(both.config)).get(far)).toBe(1);
    expect(await inconsistencies(both)).toEqual([]);
  });

  it('a file skipped for its size is indexed once indexing.maxFileBytes is raised, unchanged as it is', async () => {
    const a = await start();
    const path = await ws.write('big.md', `# Big\n\n${paragraph('sizeable', 80)}\n`);
    expect(await a.indexer.reconcile()).toMatchObject({ filesSkipped: 1 });
    expect((await recordsOf(a)).get(path)?.reason).toMatch(/^larger than indexing\.maxFileBytes/);
    await a.close();

    const raised = await pipeline.open(
      ws.config({ indexing: { maxFileBytes: 1 << 20 } }),
      pipeline.counter(),
    );
    const summary = await raised.indexer.reconcile();
    expect(summary).toMatchObject({ filesAdded: 0, filesChanged: 1, filesSkipped: 0, filesUnchanged: 0 });
    expect(countByPath(await readChunks(raised.config)).get(path)).toBeGreaterThan(0);
    expect((await recordsOf(raised)).get(path)).toMatchObject({ status: 'indexed', reason: '' });
    // Indexed now, the next run leaves it alone.
    expect(await raised.indexer.reconcile()).toMatchObject({ filesChanged: 0, filesUnchanged: 1 });
    expect(await inconsistencies(raised)).toEqual([]);
  });

  it('a PDF or a notebook may be ten times indexing.maxFileBytes: its bytes are mostly not its text', async () => {
    const a = await start();
    // Twelve pages of a few lines: past 4 kB as a file.
    const topics = ['tapes', 'disks', 'clouds', 'vaults', 'mirrors', 'snapshots'];
    const pages = topics.flatMap((topic) =>
      [0, 1].map((half) => [
        { text: `Rotating the ${topic}${half ? ', continued' : ''}`, y: 700, size: 16 },
        ...paragraph(`${topic} rotation`, 3, half ? 'later ' : '')
          .split(/(?<=\.) /)
          .map((text, i) => ({ text, y: 670 - 14 * i })),
      ]),
    );
    const pdf = await ws.write('manual.pdf', writePdf(pages));
    // A notebook whose plot output (left unread) is most of the file.
    const notebook = (plotBytes: number) =>
      JSON.stringify({
        cells: [
          {
            cell_type: 'markdown',
            metadata: {},
            source: ['# Rotation\n', '\n', 'Rotate the archives weekly.\n'],
          },
          {
            cell_type: 'code',
            execution_count: 1,
            metadata: {},
            outputs: [
              { output_type: 'display_data', metadata: {}, data: { 'image/png': 'A'.repeat(plotBytes) } },
            ],
            source: ['plot(archives)'],
          },
        ],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5,
      });
    const plotted = await ws.write('plotted.ipynb', notebook(20_000));
    const huge = await ws.write('huge.ipynb', notebook(50_000));
    const big = await ws.write('big.md', `# Big\n\n${'x'.repeat(MAX_FILE_BYTES + 1)}\n`);
    for (const path of [pdf, plotted]) expect((await readFile(path)).length).toBeGreaterThan(MAX_FILE_BYTES);

    const summary = await a.indexer.reconcile();
    const failures = new Map(summary.failures.map((f) => [f.path, f.reason]));
    expect(failures.get(huge)).toMatch(/^larger than indexing\.maxFileBytes \(\d+ > 40960 bytes\)$/);
    expect(failures.get(big)).toMatch(/^larger than indexing\.maxFileBytes \(\d+ > 4096 bytes\)$/);
    expect(summary).toMatchObject({ filesAdded: 2, filesSkipped: 2 });
    const chunks = countByPath(await readChunks(a.config));
    expect(chunks.get(pdf)).toBeGreaterThan(0);
    expect(chunks.get(plotted)).toBeGreaterThan(0);
    // A change the watcher reports is judged by the same limit.
    await ws.write('plotted.ipynb', notebook(30_000));
    expect(await a.indexer.syncPaths([plotted])).toMatchObject({ filesChanged: 1, filesSkipped: 0 });
    await ws.write('plotted.ipynb', notebook(45_000));
    expect(await a.indexer.syncPaths([plotted])).toMatchObject({ filesSkipped: 1 });
    expect(countByPath(await readChunks(a.config)).has(plotted)).toBe(false);
    expect(await inconsistencies(a)).toEqual([]);
  });

  it('a file that grows past indexing.maxFileBytes loses its chunks', async () => {
    const a = await start();
    const path = await ws.write('grows.md', `# Grows\n\n${paragraph('growing')}\n`);
    await a.indexer.reconcile();
    await ws.write('grows.md', `# Grows\n\n${paragraph('growing', 80)}\n`);
    const summary = await a.indexer.reconcile();
    expect(summary).toMatchObject({ filesSkipped: 1, chunksEmbedded: 0 });
    expect(summary.failures[0]?.reason).toMatch(/^larger than indexing\.maxFileBytes/);
    expect(countByPath(await readChunks(a.config)).has(path)).toBe(false);
    expect(await inconsistencies(a)).toEqual([]);
  });
});
