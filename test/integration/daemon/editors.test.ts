import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess, DaemonWorkspace, endDaemonTest, readRecords, waitFor } from '../../helpers/daemon.js';
import { countByPath, paragraph, readChunks } from '../../helpers/index-workspace.js';

/**
 * How editors and git change files, under one real daemon: each pattern is done on disk, then
 * the index — read straight from the tables — must equal the disk: every note one chunk with
 * its current text, no row or record of a name that is gone, none twice. What each cost (the
 * chunks the daemon embedded, from its `indexed` log lines) is checked where it must stay small,
 * and nothing it logs may be a warning. BOUND_MS only ends a wait (a lost change would wait for
 * the 15-minute reconcile); the time each pattern took to settle is printed at the end.
 */
const BOUND_MS = 30_000;

/** A one-chunk note whose first body line names it. */
const note = (word: string) => `# ${word}\n\n${word} ${paragraph(word, 2)}\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let ws: DaemonWorkspace;
let daemon: DaemonProcess;
const settled: string[] = [];

/** The notes on disk (symlinks followed, dangling ones left out), by path, with their text. */
function notesOnDisk(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) notesOnDisk(path, out);
    else if (entry.name.endsWith('.md') && statSync(path, { throwIfNoEntry: false })?.isFile())
      out.set(path, readFileSync(path, 'utf8'));
  }
  return out;
}

/** How the index differs from the disk (empty: exact). Skipped records (a dangling link) count as absent. */
async function differences(): Promise<string[]> {
  const disk = notesOnDisk(ws.notes);
  const rows = await readChunks(ws.config());
  const records = await readRecords(ws.config());
  const counts = countByPath(rows);
  const out: string[] = [];
  for (const [path, text] of disk) {
    const n = counts.get(path) ?? 0;
    const firstLine = text.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
    if (firstLine === '') {
      if (n !== 0) out.push(`${path}: empty on disk, ${n} rows`);
    } else if (n !== 1) out.push(`${path}: ${n} rows`);
    else if (!rows.find((r) => r.path === path)!.text.includes(firstLine)) out.push(`${path}: stale text`);
    if (records.get(path)?.status !== 'indexed') out.push(`${path}: no record`);
  }
  for (const path of counts.keys()) if (!disk.has(path)) out.push(`${path}: rows of a note not on disk`);
  for (const [path, r] of records)
    if (!disk.has(path) && r.status === 'indexed') out.push(`${path}: record of a note not on disk`);
  return out;
}

/** Chunks the daemon embedded so far, from its log. */
function embedded(): number {
  return ws
    .logLines()
    .filter((l) => l.pid === daemon.pid && l.msg === 'indexed')
    .reduce((sum, l) => sum + (l.chunksEmbedded as number), 0);
}

/**
 * Runs `change`, waits until the index equals the disk and the daemon is idle; fails on any
 * warning logged meanwhile. Returns the chunks embedded for it.
 */
async function expectExact(label: string, change: () => Promise<unknown>): Promise<number> {
  const logFrom = ws.logLines().length;
  const before = embedded();
  await change();
  const t0 = performance.now();
  let last: string[] = [];
  await waitFor(
    `the index to equal the disk after: ${label}`,
    async () => {
      last = await differences();
      return last.length === 0;
    },
    BOUND_MS,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${last.join('\n')}\nthe daemon's log, last lines:\n${ws.logTail()}`);
  });
  settled.push(`${label}: ${Math.round(performance.now() - t0)} ms`);
  await daemon.idle();
  const warnings = ws
    .logLines()
    .slice(logFrom)
    .filter((l) => (l.level as number) >= 40);
  expect(warnings, `warnings logged for: ${label}`).toEqual([]);
  return embedded() - before;
}

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    cwd: ws.notes,
    stdio: 'pipe',
  });

beforeAll(async () => {
  ws = await DaemonWorkspace.create();
  await ws.write('seed.md', note('quokkaseed'));
  daemon = await DaemonProcess.start(ws);
  await waitFor('the seed note indexed', async () => (await differences()).length === 0, BOUND_MS);
  // Rows are visible before the daemon logs what it embedded: the first test must not count the seed.
  await daemon.idle();
  await waitFor('the seed note’s embed logged', () => embedded() >= 1, BOUND_MS);
});

afterAll(async () => {
  if (settled.length) console.info(`[settled after] ${settled.join(', ')}`);
  await endDaemonTest(daemon, ws);
});

describe("editors' saves", () => {
  it('vim (backup rename, 4913 probe), JetBrains safe write, a temp file renamed over, Emacs autosave and lock link: one embed each', async () => {
    const path = ws.path('saved.md');
    expect(await expectExact('a new note', () => writeFile(path, note('savedfirst')))).toBe(1);
    const vim = await expectExact('vim', async () => {
      await writeFile(ws.path('4913'), '');
      await unlink(ws.path('4913'));
      await rename(path, `${path}~`);
      await writeFile(path, note('savedvim'));
      await unlink(`${path}~`);
    });
    const jetbrains = await expectExact('JetBrains safe write', async () => {
      await writeFile(`${path}___jb_tmp___`, note('savedjetbrains'));
      await rename(path, `${path}___jb_old___`);
      await rename(`${path}___jb_tmp___`, path);
      await unlink(`${path}___jb_old___`);
    });
    const tmp = await expectExact('temp file renamed over', async () => {
      await writeFile(`${path}.tmp`, note('savedtmp'));
      await rename(`${path}.tmp`, path);
    });
    const emacs = await expectExact('Emacs', async () => {
      // The lock is a dangling symlink named like a hidden note; the autosave file ends in '#'.
      await symlink('user@host.1234:1700000000', ws.path('.#saved.md'));
      await writeFile(ws.path('#saved.md#'), note('savedautosave'));
      await writeFile(path, note('savedemacs'));
      await unlink(ws.path('#saved.md#'));
      await unlink(ws.path('.#saved.md'));
    });
    expect({ vim, jetbrains, tmp, emacs }).toEqual({ vim: 1, jetbrains: 1, tmp: 1, emacs: 1 });
  });

  it('truncated to 0 bytes then rewritten; truncated and left empty; renamed by case only', async () => {
    const path = await ws.write('trunc.md', note('truncfirst'));
    await expectExact('a new note', async () => {});
    await expectExact('truncated, then rewritten', async () => {
      await truncate(path, 0);
      await sleep(50);
      await writeFile(path, note('truncsecond'));
    });
    await expectExact('truncated and left empty', () => truncate(path, 0));
    await ws.write('Case.md', note('casenote'));
    await expectExact('another new note', async () => {});
    // Same text under another name: its vector is reused.
    expect(
      await expectExact('renamed by case only', () => rename(ws.path('Case.md'), ws.path('case.md'))),
    ).toBe(0);
  });

  it('an autosave every 100 ms for 10 s: the last text, a few embeds, no warnings', async () => {
    const saves = 100;
    const embeds = await expectExact('autosave every 100 ms', async () => {
      for (let i = 0; i < saves; i++) {
        await ws.atomicSave('autosave.md', note(`autosave${i}x`));
        await sleep(100);
      }
    });
    // One look per maxDelayMs (2 s) at most while the saves go on, plus the last.
    expect(embeds).toBeLessThanOrEqual(10);
    expect(embeds).toBeGreaterThanOrEqual(1);
  });
});

describe('symlinked notes', () => {
  it('follow their target, inside the source or outside it: edited, saved atomically, deleted, re-created', async () => {
    const outside = join(ws.root, 'elsewhere');
    await mkdir(outside, { recursive: true });
    const target = join(outside, 'target.md');
    await writeFile(target, note('linkfirst'));
    await ws.write('inner-target.md', note('innerfirst'));
    await expectExact('links made', async () => {
      await symlink(target, ws.path('linked.md'));
      await symlink(ws.path('inner-target.md'), ws.path('inner-link.md'));
    });
    await expectExact('target edited in place', () => writeFile(target, note('linkedited')));
    await expectExact('target saved atomically', async () => {
      await writeFile(`${target}.tmp`, note('linksaved'));
      await rename(`${target}.tmp`, target);
    });
    await expectExact('target edited after the save', () => writeFile(target, note('linkagain')));
    await expectExact('a target inside the source edited', () =>
      writeFile(ws.path('inner-target.md'), note('innertwo')),
    );
    await expectExact('a target inside the source edited again', () =>
      writeFile(ws.path('inner-target.md'), note('innerthree')),
    );
    // The link dangles: its chunks leave, the record says why.
    await expectExact('target deleted', () => rm(target));
    expect((await readRecords(ws.config())).get(ws.path('linked.md'))).toMatchObject({
      status: 'skipped',
      reason: 'broken symbolic link',
    });
    await expectExact('target re-created', () => writeFile(target, note('linkback')));
    await expectExact('the link replaced by a plain file', async () => {
      await rm(ws.path('linked.md'));
      await writeFile(ws.path('linked.md'), note('linkplain'));
    });
    await expectExact('the file that replaced the link edited', () =>
      writeFile(ws.path('linked.md'), note('linkplainedited')),
    );
    await expectExact('the notes removed', async () => {
      await rm(ws.path('linked.md'));
      await rm(ws.path('inner-link.md'));
    });
  });
});

describe('git', () => {
  it('checkout of another branch (~200 notes changed, added, removed) and back, stash and pop, git mv of a folder', async () => {
    git('init', '-q', '-b', 'main');
    for (let i = 0; i < 200; i++) await ws.write(`repo/n${i}.md`, note(`gitmain${i}`));
    git('add', '-A');
    git('commit', '-qm', 'main');
    await expectExact('200 notes committed', async () => {});
    git('checkout', '-qb', 'other');
    for (let i = 0; i < 200; i++) {
      if (i % 3 === 0) await rm(ws.path(`repo/n${i}.md`));
      else if (i % 3 === 1) await writeFile(ws.path(`repo/n${i}.md`), note(`gitother${i}`));
    }
    for (let i = 0; i < 70; i++) await ws.write(`repo/new${i}.md`, note(`gitnew${i}`));
    git('add', '-A');
    git('commit', '-qm', 'other');
    await expectExact('the other branch written', async () => {});

    // Both sides' texts were embedded before: switching embeds nothing.
    expect(await expectExact('git checkout main', async () => git('checkout', '-q', 'main'))).toBe(0);
    expect(await expectExact('git checkout other', async () => git('checkout', '-q', 'other'))).toBe(0);
    await expectExact('git stash', async () => {
      for (let i = 1; i < 30; i += 3) await writeFile(ws.path(`repo/n${i}.md`), note(`stashed${i}`));
      git('stash', '-q');
    });
    await expectExact('git stash pop', async () => git('stash', 'pop', '-q'));
    git('add', '-A');
    git('commit', '-qm', 'stashed');
    expect(await expectExact('git mv of the folder', async () => git('mv', 'repo', 'moved'))).toBe(0);
    const status = await daemon.status();
    expect(status.last_errors).toEqual([]);
  });
});
