import { execFile, execFileSync } from 'node:child_process';
import { chmod, chown, cp, link, mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otherUsers, skipUnless } from '../../../helpers/capabilities.js';
import { testEmbedderType } from '../../../helpers/index-workspace.js';
import { testModel } from '../../../helpers/model.js';
import { RAGCTL_BIN } from '../../../helpers/run-cli.js';

const run = promisify(execFile);

/**
 * What ragctl says, run by a user who is not the database's, about logs owned as servers leave
 * them: PostgreSQL's data directory (0700 postgres), a log folder of group adm (0750, as
 * Debian's /var/log/postgresql and /var/log/mysql), a log file only its owner may read (0600, as
 * PostgreSQL writes with its default `log_file_mode`). Each message names the path, who may
 * read it, and the fix. ragctl runs as `nobody` (uid 65534) through `setpriv`, with or without
 * the group `adm`.
 */

const SUITE = 'sql logs that the user may not read';
const NOBODY = 65534;
/** A one-shot index of a few lines loads the model: seconds. */
const CLI_TIMEOUT_MS = 60_000;

describe.skipIf(skipUnless(otherUsers(), SUITE))(SUITE, () => {
  let root: string;
  let postgres: { uid: number; gid: number };
  let adm: number;

  const line = (sql: string) =>
    `2026-12-05 12:06:15.193 UTC [1258] postgres@postgres LOG:  duration: 0.067 ms  statement: ${sql}\n`;

  beforeAll(async () => {
    root = await mkdtemp('/tmp/ragctl-perm-');
    await chmod(root, 0o755);
    postgres = {
      uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
      gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
    };
    adm = Number(execFileSync('getent', ['group', 'adm'], { encoding: 'utf8' }).split(':')[2]);
    // The model as nobody can read it: hard links to the test model's files (its cache may be
    // under /root), a copy where they lie on another file system.
    await linkTree(testModel().dir, join(root, 'model'));
    await mkdir(join(root, 'home'));
    await chown(join(root, 'home'), NOBODY, NOBODY);

    // PostgreSQL's default: logs inside the data directory, which only postgres may enter.
    await mkdir(join(root, 'pgdata', 'log'), { recursive: true });
    await writeFile(join(root, 'pgdata', 'log', 'postgresql.log'), line('SELECT 1;'));
    await chown(join(root, 'pgdata'), postgres.uid, postgres.gid);
    await chmod(join(root, 'pgdata'), 0o700);
    // A log folder of group adm, mode 2750 (Debian's /var/log/postgresql, /var/log/mysql).
    await mkdir(join(root, 'adm-logs'));
    await writeFile(join(root, 'adm-logs', 'mariadb-slow.log'), line('SELECT 2;'));
    await chown(join(root, 'adm-logs', 'mariadb-slow.log'), postgres.uid, adm);
    await chmod(join(root, 'adm-logs', 'mariadb-slow.log'), 0o640);
    await chown(join(root, 'adm-logs'), postgres.uid, adm);
    await chmod(join(root, 'adm-logs'), 0o2750);
    // A folder anyone may list, one log only postgres may read, one the group may.
    await mkdir(join(root, 'pglog'));
    await writeFile(join(root, 'pglog', 'postgresql-0600.log'), line('SELECT 3;'));
    await chown(join(root, 'pglog', 'postgresql-0600.log'), postgres.uid, adm);
    await chmod(join(root, 'pglog', 'postgresql-0600.log'), 0o600);
    await writeFile(join(root, 'pglog', 'postgresql-0640.log'), line('SELECT 4;'));
    await chown(join(root, 'pglog', 'postgresql-0640.log'), postgres.uid, adm);
    await chmod(join(root, 'pglog', 'postgresql-0640.log'), 0o640);
  });

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** Writes a config on these sources and runs `ragctl index --json` as nobody, in `groups`. */
  async function indexAsNobody(
    name: string,
    sources: string[],
    groups: number[],
    engine = 'sql',
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const config = join(root, `${name}.yaml`);
    const raw = {
      dataDir: join(root, 'home', name),
      log: { level: 'silent' },
      embedders: { default: { type: testEmbedderType(), model: join(root, 'model') } },
      engines: { sql: { chunker: 'sql', mapper: 'sql' }, md: { chunker: 'markdown' } },
      sources: sources.map((s) => ({ path: join(root, s), engine })),
    };
    await writeFile(config, `${JSON.stringify(raw, null, 2)}\n`);
    await chmod(config, 0o644);
    const who = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`];
    const groupArgs = groups.length ? [`--groups=${groups.join(',')}`] : ['--clear-groups'];
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(root, 'home'), TMPDIR: join(root, 'home') };
    delete env.RAGCTL_CONFIG;
    try {
      const { stdout, stderr } = await run(
        'setpriv',
        [...who, ...groupArgs, process.execPath, RAGCTL_BIN, 'index', '--config', config, '--json'],
        { cwd: root, env, timeout: CLI_TIMEOUT_MS },
      );
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      if (typeof e.code !== 'number') throw err;
      return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  it("a source inside PostgreSQL's data directory: the config names the folder that stops it and the fix", async () => {
    const result = await indexAsNobody('datadir', ['pgdata/log'], []);
    expect(result.code).toBe(2);
    const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('E_CONFIG');
    const pgdata = join(root, 'pgdata');
    expect(error.message).toContain(`sources[0].path: ${join(pgdata, 'log')} cannot be read (EACCES): `);
    expect(error.message).toContain(`${pgdata}/ is postgres:postgres mode 0700, and nobody cannot enter it`);
    expect(error.message).toContain('set `log_directory` to a folder outside it');
  }, 120_000);

  it('a log folder of group adm, a log only postgres may read: each skip says who may read it and the fix', async () => {
    const result = await indexAsNobody('outside', ['adm-logs', 'pglog'], []);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      failures: { path: string; reason: string }[];
      unmatched: unknown[];
      filesAdded: number;
    };
    const reasons = new Map(summary.failures.map((f) => [f.path, f.reason]));
    expect(reasons.get(join(root, 'adm-logs'))).toBe(
      `cannot read folder: EACCES; ${join(root, 'adm-logs')}/ is postgres:adm mode 0750, and nobody cannot list it: add nobody to group adm (\`sudo usermod -aG adm nobody\`), then log in again and restart the daemon`,
    );
    expect(reasons.get(join(root, 'pglog', 'postgresql-0600.log'))).toMatch(
      /^cannot read: EACCES; .*postgresql-0600\.log is postgres:adm mode 0600, and nobody cannot read it: set PostgreSQL's `log_file_mode = 0640`/,
    );
    // Not "the folder is empty": it was not listed at all.
    expect(summary.unmatched).toEqual([]);
    // As a member of group adm, what the group may read is read; the 0600 file still is not.
    const member = await indexAsNobody('member', ['adm-logs', 'pglog'], [adm]);
    expect(member.code, member.stderr).toBe(0);
    const after = JSON.parse(member.stdout) as typeof summary;
    expect(after.filesAdded).toBe(2);
    expect(after.failures.map((f) => f.path)).toEqual([join(root, 'pglog', 'postgresql-0600.log')]);
    expect(after.failures[0]!.reason).toContain('and nobody cannot read it');
    // Out of the group again (a daemon started before its user joined it): the folder cannot be
    // listed, and what the index holds from it stays, unknown rather than gone.
    const outAgain = await indexAsNobody('member', ['adm-logs', 'pglog'], []);
    expect(outAgain.code, outAgain.stderr).toBe(0);
    const again = JSON.parse(outAgain.stdout) as typeof summary & { filesDeleted: number };
    expect(again.failures.map((f) => f.path)).toContain(join(root, 'adm-logs'));
    expect(again.filesDeleted).toBe(0);
  }, 120_000);

  it("notes of one's own made unreadable, and one of root's: the fix for each, and the note read once it is fixed", async () => {
    const notes = join(root, 'notes');
    await mkdir(notes);
    await chown(notes, NOBODY, NOBODY);
    const own = join(notes, 'locked.md');
    const roots = join(notes, 'from-sudo.md');
    await writeFile(own, '# Locked\n\nThe spare key is under the blue flowerpot.\n');
    await chown(own, NOBODY, NOBODY);
    await chmod(own, 0o000);
    await writeFile(roots, '# Sudo\n\nWritten by a command run under sudo.\n');
    await chmod(roots, 0o600);
    type Summary = {
      failures: { path: string; reason: string }[];
      filesAdded: number;
      filesChanged: number;
      filesStillSkipped: number;
    };
    const first = await indexAsNobody('notes', ['notes'], [], 'md');
    expect(first.code, first.stderr).toBe(0);
    const reasons = new Map((JSON.parse(first.stdout) as Summary).failures.map((f) => [f.path, f.reason]));
    // Yours: chmod, no sudo, no group (the owner's bits are the ones that count).
    expect(reasons.get(own)).toBe(
      `cannot read: EACCES; ${own} is nobody:nogroup mode 0000, and nobody cannot read it: it is yours, so let yourself in (\`chmod u+r ${own}\`)`,
    );
    // Root's: never "add nobody to group root".
    expect(reasons.get(roots)).toBe(
      `cannot read: EACCES; ${roots} is root:root mode 0600, and nobody cannot read it: make it yours (\`sudo chown nobody ${roots}\`)`,
    );
    // Fixed as told: a chmod changes neither size nor mtime, and the next run reads it anyway.
    await chmod(own, 0o644);
    const second = await indexAsNobody('notes', ['notes'], [], 'md');
    expect(second.code, second.stderr).toBe(0);
    const after = JSON.parse(second.stdout) as Summary;
    expect(after.filesAdded + after.filesChanged).toBe(1);
    // Root's, tried again and still unreadable: still skipped, not recorded or reported anew.
    expect(after.failures).toEqual([]);
    expect(after.filesStillSkipped).toBe(1);
  }, 120_000);
});

/** Hard-links every file of `from` into `to` (copies where a link cannot cross file systems). */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const [src, dst] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory()) await linkTree(src, dst);
    else {
      const real = await realpath(src);
      await link(real, dst).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EXDEV') throw err;
        await cp(real, dst);
      });
    }
  }
  await chmod(to, 0o755);
}
