import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WatcherTest, writeAt } from './helpers.js';

let t: WatcherTest;
beforeEach(() => {
  t = new WatcherTest();
});
afterEach(async () => {
  await t.teardown();
});

describe('Watcher: what arrives for everyday edits', () => {
  it('reports nothing for files that existed before start (the daemon reconciles those)', async () => {
    const h = await t.make({ before: { 'old.md': 'old', 'sub/older.md': 'older' } });
    const fresh = await h.write('fresh.md');
    await h.events.arrived([fresh]);
    expect(h.events.paths).toEqual([fresh]);
    expect(h.watcher.status()).toEqual([{ root: h.root, state: 'watching', degradation: null, buffered: 0 }]);
  });

  it('a created file arrives once, after its writes settle', async () => {
    const h = await t.make();
    const path = h.abs('new.md');
    // Back to back, as a program writing a file in pieces does.
    writeFileSync(path, 'one');
    appendFileSync(path, ' two');
    appendFileSync(path, ' three');
    await h.events.arrived([path]);
    const sentinel = await h.write('sentinel.md');
    await h.events.arrived([sentinel]);
    expect(h.events.count(path)).toBe(1);
  });

  it('an edit of an existing file arrives once', async () => {
    const h = await t.make({ before: { 'a.md': 'a', 'b.md': 'b' } });
    await writeFile(h.abs('a.md'), 'a, edited');
    await h.events.arrived([h.abs('a.md')]);
    const sentinel = await h.write('sentinel.md');
    await h.events.arrived([sentinel]);
    expect(h.events.count(h.abs('a.md'))).toBe(1);
    expect(h.events.paths).not.toContain(h.abs('b.md'));
  });

  it("an editor's atomic save (temp file, then rename over) arrives as the one saved path", async () => {
    const h = await t.make({ before: { 'doc.md': 'v1' } });
    const target = h.abs('doc.md');
    // Beside the file, as most editors do: the temp name itself is not indexable.
    writeFileSync(`${target}.tmp-4242`, 'v2');
    renameSync(`${target}.tmp-4242`, target);
    // And from another folder on the same volume, as some tools do.
    writeFileSync(join(h.outside, 'doc.md.new'), 'v3');
    renameSync(join(h.outside, 'doc.md.new'), target);
    await h.events.arrived([target]);
    const sentinel = await h.write('sentinel.md');
    await h.events.arrived([sentinel]);
    expect(h.events.count(target)).toBe(1);
    expect(h.events.paths.filter((p) => p.endsWith('.tmp-4242') || p.endsWith('.new'))).toEqual([]);
  });

  it('a rename reports both the old and the new path', async () => {
    const h = await t.make({ before: { 'before.md': 'text' } });
    await rename(h.abs('before.md'), h.abs('after.md'));
    await h.events.arrived([h.abs('before.md'), h.abs('after.md')]);
  });

  it('a deleted file arrives', async () => {
    const h = await t.make({ before: { 'gone.md': 'text', 'sub/deep/gone2.md': 'text' } });
    await unlink(h.abs('gone.md'));
    await unlink(h.abs('sub/deep/gone2.md'));
    await h.events.arrived([h.abs('gone.md'), h.abs('sub/deep/gone2.md')]);
  });

  it('a folder moved in asks for a walk of that folder', async () => {
    const h = await t.make();
    await writeAt(join(h.outside, 'project/a.md'), 'a');
    await writeAt(join(h.outside, 'project/deeper/b.md'), 'b');
    await rename(join(h.outside, 'project'), h.abs('project'));
    await h.events.until(
      () => h.events.rescans.some((r) => r.within === h.abs('project') && r.reason === 'folder-added'),
      'a rescan of the moved-in folder',
    );
    // One walk of the outer folder covers the inner one.
    expect(h.events.rescans.filter((r) => r.within?.startsWith(h.abs('project/')))).toEqual([]);
  });

  it('a folder moved out asks for a walk of that folder (the reconcile drops what was under it)', async () => {
    const h = await t.make({ before: { 'old/a.md': 'a', 'old/sub/b.md': 'b' } });
    await rename(h.abs('old'), join(h.outside, 'old'));
    await h.events.until(
      () => h.events.rescans.some((r) => r.within === h.abs('old') && r.reason === 'folder-removed'),
      'a rescan of the removed folder',
    );
  });

  it('a folder renamed inside the source asks for walks of both names', async () => {
    const h = await t.make({ before: { 'drafts/a.md': 'a' } });
    await rename(h.abs('drafts'), h.abs('published'));
    await h.events.until(
      () =>
        h.events.rescans.some((r) => r.within === h.abs('drafts')) &&
        h.events.rescans.some((r) => r.within === h.abs('published')),
      'rescans of the old and the new folder name',
    );
  });

  it('a folder deleted with its files asks for a walk of it', async () => {
    const h = await t.make({ before: { 'trash/a.md': 'a', 'trash/b/c.md': 'c' } });
    await rm(h.abs('trash'), { recursive: true });
    await h.events.until(
      () => h.events.rescans.some((r) => r.within === h.abs('trash')),
      'a rescan of the deleted folder',
    );
  });

  it('a file written while chokidar starts watching a new folder is followed once the folder is rechecked', async () => {
    // chokidar lists a new folder, then starts watching it; a file written in between is never
    // reported, nor is its removal. A loaded machine opens that window by chance; here the file
    // is written exactly there, when chokidar's listing of the folder ends.
    let late: string | undefined;
    const h = await t.make({
      limits: { folderRecheckMs: 400 },
      onChokidar: (fsw) => {
        const readdirp = fsw._readdirp.bind(fsw);
        fsw._readdirp = (root, opts) => {
          const stream = readdirp(root, opts);
          const file = late;
          if (file && root === dirname(file)) {
            late = undefined;
            stream?.once('end', () => writeFileSync(file, 'written as the listing ended'));
          }
          return stream;
        };
      },
    });
    const file = h.abs('new-folder/late.md');
    late = file;
    await mkdir(h.abs('new-folder'));
    await h.events.until(
      () => h.events.rescans.some((r) => r.within === h.abs('new-folder') && r.reason === 'folder-recheck'),
      'the new folder walked again once settled',
    );
    expect(late, 'the file was written when the listing ended').toBeUndefined();
    expect(h.events.rescans.filter((r) => r.within === h.abs('new-folder')).map((r) => r.reason)).toEqual([
      'folder-added',
      'folder-recheck',
    ]);
    // chokidar follows the file now: its removal arrives.
    await unlink(file);
    await h.events.arrived([file]);
  });

  it('an empty folder created and then filled asks for a walk and reports the file', async () => {
    const h = await t.make();
    await mkdir(h.abs('new-folder'));
    await h.events.until(
      () => h.events.rescans.some((r) => r.within === h.abs('new-folder')),
      'folder rescan',
    );
    const file = await h.write('new-folder/note.md');
    await h.events.arrived([file]);
  });
});
