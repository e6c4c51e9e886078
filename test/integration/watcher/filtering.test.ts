import { rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WatcherTest, writeAt } from './helpers.js';

let t: WatcherTest;
beforeEach(() => {
  t = new WatcherTest();
});
afterEach(async () => {
  await t.teardown();
});

describe('Watcher: what never arrives', () => {
  it('excluded globs, unincluded names, hidden folders, .gitignored paths and the data dir', async () => {
    const h = await t.make({
      exclude: ['archive/**', '**/*.draft.md'],
      dataDirInside: true,
      // The folders exist before start: a new folder is reported as a walk of it, not file by file.
      before: {
        '.gitignore': 'build/\n*.log.md\n',
        'keep.md': 'k',
        'archive/x.md': 'x',
        'nested/archive-not/x.md': 'x',
        '.hidden/x.md': 'x',
        'build/x.md': 'x',
        'deep/build/x.md': 'x',
        '.ragctl-data/tables/x.md': 'x',
      },
    });
    const ignored = [
      await h.write('archive/old.md'),
      await h.write('nested/archive-not/x.draft.md'),
      await h.write('image.png', 'binary-ish'),
      await h.write('.hidden/secret.md'),
      await h.write('build/out.md'),
      await h.write('deep/build/out.md'),
      await h.write('notes.log.md'),
      await h.write('.ragctl-data/tables/t.md'),
      await h.write('.ragctl-data/ragd.lock', 'lock'),
    ];
    // Written last: once it arrived, anything written before it would have arrived too.
    const sentinel = await h.write('nested/archive-not/kept.md');
    await h.events.arrived([sentinel]);
    expect(h.events.paths).toEqual([sentinel]);
    for (const path of ignored) expect(h.events.paths).not.toContain(path);
    // Folders that are ignored are not read, so they cost no OS watches either.
    const watched = Object.keys(h.chokidars[0]!.getWatched());
    for (const dir of ['archive', '.hidden', 'build', 'deep/build', '.ragctl-data'])
      expect(watched).not.toContain(h.abs(dir));
    expect(watched).toContain(h.abs('nested/archive-not'));
  });

  it('the data dir is never watched, even as the whole of a folder inside the source', async () => {
    const h = await t.make({ dataDirInside: true, before: { '.ragctl-data/logs/ragd.log': 'x' } });
    await writeFile(h.abs('.ragctl-data/logs/ragd.log'), 'more');
    const sentinel = await h.write('sentinel.md');
    await h.events.arrived([sentinel]);
    expect(h.events.paths).toEqual([sentinel]);
    expect(Object.keys(h.chokidars[0]!.getWatched()).filter((d) => d.startsWith(h.dataDir))).toEqual([]);
  });
});

describe('Watcher: symlinks', () => {
  it('a symlinked folder is not followed: changes in its target do not arrive', async () => {
    const h = await t.make({ before: { 'real.md': 'r' } });
    await writeAt(join(h.outside, 'elsewhere/a.md'), 'a');
    await symlink(join(h.outside, 'elsewhere'), h.abs('linked'));
    // The link itself appears in the source; the folder behind it is not descended into.
    await writeFile(join(h.outside, 'elsewhere/a.md'), 'a, edited');
    await writeFile(join(h.outside, 'elsewhere/b.md'), 'b');
    const sentinel = await h.write('sentinel.md');
    await h.events.arrived([sentinel]);
    expect(h.events.paths.filter((p) => p.startsWith(h.abs('linked/')))).toEqual([]);
    expect(Object.keys(h.chokidars[0]!.getWatched())).not.toContain(h.abs('linked'));
  });

  it('a symlink to a file is reported as the link path (the indexer reads through it)', async () => {
    const h = await t.make();
    await writeAt(join(h.outside, 'target.md'), 't');
    await symlink(join(h.outside, 'target.md'), h.abs('alias.md'));
    await h.events.arrived([h.abs('alias.md')]);
  });

  it("an edit of a symlinked file's target arrives as the link: in place, by atomic save, deleted, re-created", async () => {
    const h = await t.make({ before: { 'real.md': 'real' }, start: false });
    const target = join(h.outside, 'target.md');
    await writeAt(target, 't');
    // Linked before the watcher starts (found by chokidar's initial scan, which reports nothing)
    // and after; a target outside the source and one inside it.
    const early = h.abs('early.md');
    const late = h.abs('late.md');
    const inner = h.abs('inner.md');
    await symlink(target, early);
    await h.watcher.start();
    await symlink(target, late);
    await symlink(h.abs('real.md'), inner);
    await h.events.arrived([late, inner]);

    const expectArrival = async (what: string, links: string[], change: () => Promise<unknown>) => {
      const before = links.map((l) => h.events.count(l));
      await change();
      await h.events.until(
        () => links.every((l, i) => h.events.count(l) > before[i]!),
        `${what} to report ${links.join(', ')}`,
      );
    };
    await expectArrival('an edit in place', [early, late], () => writeFile(target, 't, edited'));
    await expectArrival('an atomic save', [early, late], async () => {
      await writeFile(`${target}.tmp`, 't, saved');
      await rename(`${target}.tmp`, target);
    });
    await expectArrival('an edit after the save replaced the inode', [early, late], () =>
      writeFile(target, 't, edited again'),
    );
    await expectArrival('the target deleted', [early, late], () => rm(target));
    await expectArrival('the target re-created', [early, late], () => writeFile(target, 't, back'));
    await expectArrival('an edit of a target inside the source', [inner], () =>
      writeFile(h.abs('real.md'), 'real, edited'),
    );
  });

  it('a link pointed elsewhere follows its new target only; a link replaced by a file follows none', async () => {
    const h = await t.make();
    const first = join(h.outside, 'first.md');
    const second = join(h.outside, 'second.md');
    await writeAt(first, '1');
    await writeAt(second, '2');
    const moved = h.abs('moved.md');
    const replaced = h.abs('replaced.md');
    await symlink(first, moved);
    await symlink(second, replaced);
    await h.events.arrived([moved, replaced]);
    const reported = async (what: string, link: string, change: () => Promise<unknown>) => {
      const before = h.events.count(link);
      await change();
      await h.events.until(() => h.events.count(link) > before, what);
    };
    /** Nothing arrives for `links`: checked once a later path arrived (events leave in order of their debounce). */
    const quiet = async (links: string[], change: () => Promise<unknown>) => {
      const before = links.map((l) => h.events.count(l));
      await change();
      await h.events.arrived([await h.write(`sentinel-${Date.now()}.md`)]);
      expect(links.map((l) => h.events.count(l))).toEqual(before);
    };

    await reported('the re-pointed link', moved, async () => {
      await rm(moved);
      await symlink(second, moved);
    });
    await reported('the link replaced by a file', replaced, async () => {
      await rm(replaced);
      await writeFile(replaced, 'a plain file now');
    });
    // chokidar may miss the replacement and then every edit of the new file: watched afresh, it does not.
    await reported('an edit of the file that replaced the link', replaced, () =>
      writeFile(replaced, 'edited'),
    );
    await reported('an edit of the new target', moved, () => writeFile(second, '2, edited'));
    await quiet([moved, replaced], () => writeFile(first, '1, edited'));
  });

  it('targets are followed in at most maxLinkTargetFolders folders; links past the bound are left to the reconcile', async () => {
    const h = await t.make({ limits: { maxLinkTargetFolders: 1 } });
    const near = join(h.outside, 'a/near.md');
    const far = join(h.outside, 'b/far.md');
    await writeAt(near, 'near');
    await writeAt(far, 'far');
    await symlink(near, h.abs('near.md'));
    await h.events.arrived([h.abs('near.md')]);
    await symlink(far, h.abs('far.md'));
    await h.events.arrived([h.abs('far.md')]);
    // The one folder allowed holds near.md's target: far.md's target folder is not watched.
    const before = h.events.count(h.abs('far.md'));
    const nearBefore = h.events.count(h.abs('near.md'));
    await writeFile(far, 'far, edited');
    await writeFile(near, 'near, edited');
    await h.events.until(() => h.events.count(h.abs('near.md')) > nearBefore, 'the edit of near.md');
    await h.events.arrived([await h.write('sentinel.md')]);
    expect(h.events.count(h.abs('far.md'))).toBe(before);
  });
});

describe('Watcher: ignore files', () => {
  it('editing .gitignore asks for a walk of its folder and the new rules apply at once', async () => {
    const h = await t.make({
      before: { 'sub/.gitignore': 'drafts/\n', 'sub/drafts/a.md': 'a', 'sub/b.md': 'b' },
    });
    // Ignored: not reported.
    await h.write('sub/drafts/ignored.md');
    const first = await h.write('sub/first.md');
    await h.events.arrived([first]);
    expect(h.events.paths).not.toContain(h.abs('sub/drafts/ignored.md'));

    await writeFile(h.abs('sub/.gitignore'), '*.tmp.md\n');
    await h.events.until(
      () => h.events.rescans.some((r) => r.within === h.abs('sub') && r.reason === 'ignore-file-changed'),
      'a rescan of the folder holding the ignore file',
    );
    // The ignore file is a rule change, not a document: it never arrives as a path.
    expect(h.events.paths).not.toContain(h.abs('sub/.gitignore'));
    // The folder it no longer ignores is watched from now on.
    const now = await h.write('sub/drafts/now-included.md');
    await h.events.arrived([now]);
    // And what it now ignores is not reported.
    await h.write('sub/x.tmp.md');
    const sentinel = await h.write('sub/sentinel.md');
    await h.events.arrived([sentinel]);
    expect(h.events.paths).not.toContain(h.abs('sub/x.tmp.md'));
  });

  it('a .ragignore created at the root asks for a walk of the whole source', async () => {
    const h = await t.make({ before: { 'a.md': 'a' } });
    await writeFile(h.abs('.ragignore'), 'private/\n');
    await h.events.until(
      () => h.events.rescans.some((r) => r.within === h.root && r.reason === 'ignore-file-changed'),
      'a rescan of the root',
    );
    await h.write('private/diary.md');
    const sentinel = await h.write('public.md');
    await h.events.arrived([sentinel]);
    expect(h.events.paths).not.toContain(h.abs('private/diary.md'));
  });
});
