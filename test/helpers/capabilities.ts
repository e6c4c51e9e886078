import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What a few tests need from the machine beyond Node: Linux user namespaces, root's right to
 * mount. Each is probed by doing the very thing once, so a container without CAP_SYS_ADMIN or a
 * kernel with unprivileged namespaces turned off is found out here, not by a test that fails for
 * a reason that is not its own.
 *
 * Where a capability is missing, the tests that need it are skipped and the reason is printed
 * (`skipUnless`). On the Linux CI every one of them must run: `.ci/run` checks the test report
 * with `scripts/check-test-report.mjs`, whose REQUIRED_ON_LINUX lists their files.
 */
export interface Capability {
  /** What the tests use it for, e.g. `Linux user namespaces (unshare -Ur)`. */
  readonly need: string;
  /** Why it is missing, or null when it is there. */
  readonly missing: string | null;
}

/** Where the probes find `unshare` and `mount`; tests of the probes point it elsewhere. */
export interface ProbeOptions {
  readonly env?: NodeJS.ProcessEnv;
}

/** A probe command's failure, in words: the spawn error, else its stderr and exit status. */
function failure(result: ReturnType<typeof spawnSync>): string | null {
  if (result.error) return result.error.message;
  if (result.status === 0) return null;
  const stderr = String(result.stderr ?? '').trim();
  return `${stderr || 'no message'} (exit status ${result.status ?? result.signal})`;
}

/**
 * A new user namespace in which we are root and may lower /proc/sys/user/max_inotify_watches:
 * the watch-limit tests give one process a real ENOSPC without touching the machine's limit.
 */
export function userNamespaces(options: ProbeOptions = {}): Capability {
  const need = 'Linux user namespaces (`unshare -Ur`, writable /proc/sys/user/max_inotify_watches)';
  if (process.platform !== 'linux')
    return { need, missing: `inotify is Linux only, this is ${process.platform}` };
  const probe = spawnSync('unshare', ['-Ur', 'sh', '-c', 'echo 5 > /proc/sys/user/max_inotify_watches'], {
    encoding: 'utf8',
    env: options.env ?? process.env,
  });
  const why = failure(probe);
  return { need, missing: why && `unshare -Ur failed: ${why}` };
}

/** Mounting a tmpfs (root, or CAP_SYS_ADMIN): the full-disk test puts a small one under the data dir. */
export function tmpfsMounts(options: ProbeOptions = {}): Capability {
  const need = 'mounting a tmpfs (root or CAP_SYS_ADMIN on Linux)';
  if (process.platform !== 'linux')
    return { need, missing: `tmpfs mounts are Linux only, this is ${process.platform}` };
  const env = options.env ?? process.env;
  const dir = mkdtempSync(join(tmpdir(), 'ragctl-tmpfs-probe-'));
  try {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], {
      encoding: 'utf8',
      env,
    });
    const why = failure(mounted);
    if (why) return { need, missing: `mount -t tmpfs failed: ${why}` };
    const unmounted = failure(spawnSync('umount', [dir], { encoding: 'utf8', env }));
    // A probe that cannot undo its mount leaves the machine changed: say so rather than go on.
    if (unmounted)
      throw new Error(`the tmpfs probe mounted ${dir} but umount failed: ${unmounted}; run umount ${dir}`);
    return { need, missing: null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Making a file immutable (`chattr +i`: root, or CAP_LINUX_IMMUTABLE, on a file system with inode
 * flags): the stop test makes the held lock file unwritable under the running daemon.
 */
export function immutableFiles(options: ProbeOptions = {}): Capability {
  const need = 'making a file immutable (`chattr +i`, root on Linux)';
  if (process.platform !== 'linux')
    return { need, missing: `chattr is Linux only, this is ${process.platform}` };
  const env = options.env ?? process.env;
  const dir = mkdtempSync(join(tmpdir(), 'ragctl-chattr-probe-'));
  const file = join(dir, 'probe');
  try {
    writeFileSync(file, '');
    const why = failure(spawnSync('chattr', ['+i', file], { encoding: 'utf8', env }));
    if (why) return { need, missing: `chattr +i failed: ${why}` };
    const undone = failure(spawnSync('chattr', ['-i', file], { encoding: 'utf8', env }));
    if (undone) throw new Error(`the chattr probe made ${file} immutable but chattr -i failed: ${undone}`);
    return { need, missing: null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Running a command as another user with chosen groups (`setpriv`, root on Linux), and the
 * accounts a database's logs belong to on Debian (`postgres`, group `adm`): the permission tests
 * run ragctl as `nobody` on files owned as a real server leaves them.
 */
export function otherUsers(options: ProbeOptions = {}): Capability {
  const need = 'running as another user (`setpriv`, root on Linux) and the postgres user and adm group';
  if (process.platform !== 'linux')
    return { need, missing: `setpriv is Linux only, this is ${process.platform}` };
  const env = options.env ?? process.env;
  const probe = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true'], {
    encoding: 'utf8',
    env,
  });
  const why = failure(probe);
  if (why) return { need, missing: `setpriv failed: ${why}` };
  const accounts = failure(
    spawnSync('sh', ['-c', 'id -u postgres && getent group adm'], { encoding: 'utf8', env }),
  );
  return {
    need,
    missing: accounts && `no postgres user or adm group (scripts/setup.sh installs PostgreSQL): ${accounts}`,
  };
}

/**
 * For `describe.skipIf(skipUnless(cap, 'suite'))`: true when the capability is missing, after
 * printing which suite is skipped and why. Vitest lists a skipped test without saying why, so
 * the reason goes to stderr at collection, where the run's output shows it.
 */
export function skipUnless(cap: Capability, suite: string): boolean {
  if (cap.missing === null) return false;
  console.warn(`SKIPPED "${suite}": it needs ${cap.need}; ${cap.missing}`);
  return true;
}
