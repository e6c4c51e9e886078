import { readFileSync, type Stats, statSync } from 'node:fs';
import { dirname, parse, sep } from 'node:path';
import { errnoCode, errorMessage } from './errors.js';

/**
 * `what: CODE`, and for a permission error who may not read what and the fix (`accessHint`):
 * the one wording of the index's "cannot read" (a skipped file's or folder's reason).
 */
export function unreadable(what: string, path: string, err: unknown, isFolder: boolean): string {
  const code = errnoCode(err);
  const head = `${what}: ${code ?? errorMessage(err)}`;
  const hint = code === 'EACCES' || code === 'EPERM' ? accessHint(path, isFolder) : undefined;
  return hint ? `${head}; ${hint}` : head;
}

/**
 * Why this process may not read `path` (after an `EACCES`/`EPERM`), and the fix: the first
 * folder on the way that it may not enter, else the file (or folder) itself, with its owner,
 * group and mode. Database logs are the usual case: owned by `postgres` or `mysql`, readable by
 * a group (`adm` on Debian) or by nobody else. Undefined when the mode bits allow it (root, an
 * ACL, a kernel rule such as ptrace's on /proc): then they are not the reason. Synchronous and
 * cheap; called only after a failure.
 */
export function accessHint(path: string, isFolder?: boolean): string | undefined {
  const me = whoAmI();
  if (!me || me.uid === 0) return undefined;
  for (const dir of ancestors(path)) {
    const st = statOrUndefined(dir);
    if (st && !allows(st, me, 0o1)) return explain(dir, st, me, 'enter', true);
  }
  const st = statOrUndefined(path);
  if (!st) return undefined;
  const folder = isFolder ?? st.isDirectory();
  if (allows(st, me, folder ? 0o5 : 0o4)) return undefined;
  return explain(path, st, me, folder ? 'list' : 'read', folder);
}

/**
 * Whether the mode bits let this process read a file with these stats, as the kernel decides
 * (root always may; an ACL may say otherwise, which the bits do not show). From stats already
 * in hand: no system call.
 */
export function mayRead(st: Stats): boolean {
  const ids = myIds();
  return !ids || ids.uid === 0 || allows(st, ids, 0o4);
}

interface Ids {
  uid: number;
  gids: number[];
}

interface Me extends Ids {
  name: string;
}

let ids: Ids | null | undefined;

/** This process's user and groups; they do not change while it runs. */
function myIds(): Ids | undefined {
  if (ids === undefined) {
    // The supplementary groups as this process has them: a group joined since login is not there.
    ids =
      process.getuid && process.getegid && process.getgroups
        ? { uid: process.getuid(), gids: [process.getegid(), ...process.getgroups()] }
        : null;
  }
  return ids ?? undefined;
}

function whoAmI(): Me | undefined {
  const me = myIds();
  return me && { ...me, name: nameOf('/etc/passwd', me.uid) };
}

/** The folders above `path`, from the root down. */
function ancestors(path: string): string[] {
  const out: string[] = [];
  const root = parse(path).root;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    out.unshift(dir);
    if (dir === root || dir === dirname(dir)) break;
  }
  return out;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    // Not a reason to stop explaining: the caller falls back to the general advice.
    if (err instanceof Error) return undefined;
    throw err;
  }
}

/** Whether the mode bits give `me` the permissions `bits` (1 = x, 4 = r), as the kernel decides. */
function allows(st: Stats, me: Ids, bits: number): boolean {
  const shift = st.uid === me.uid ? 6 : me.gids.includes(st.gid) ? 3 : 0;
  return ((st.mode >> shift) & bits) === bits;
}

function explain(path: string, st: Stats, me: Me, verb: 'enter' | 'list' | 'read', folder: boolean): string {
  const owner = nameOf('/etc/passwd', st.uid);
  const group = nameOf('/etc/group', st.gid);
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  const what = `${path}${folder ? sep : ''} is ${owner}:${group} mode ${mode}, and ${me.name} cannot ${verb} it`;
  const need = verb === 'enter' ? 'x' : verb === 'list' ? 'rx' : 'r';
  const bits = { x: 0o1, r: 0o4, rx: 0o5 }[need];
  // Yours: the owner's bits are the ones that count for you, whatever the group's say.
  if (st.uid === me.uid) return `${what}: it is yours, so let yourself in (\`chmod u+${need} ${path}\`)`;
  // Root's group is nobody's way in. A file of root's among yours was written under sudo by
  // mistake; a folder of root's is the system's, not to be opened up.
  if (st.gid === 0) {
    return verb === 'read'
      ? `${what}: make it yours (\`sudo chown ${me.name} ${path}\`)`
      : `${what}: it is the system's; keep what you index outside it`;
  }
  const inGroup = me.gids.includes(st.gid);
  if (((st.mode >> 3) & bits) === bits && !inGroup)
    return `${what}: add ${me.name} to group ${group} (\`sudo usermod -aG ${group} ${me.name}\`), then log in again and restart the daemon`;
  const writer = LOG_WRITERS[owner];
  if (writer) return `${what}: ${verb === 'enter' ? writer.folder : writer.file}`;
  return `${what}: let its group in (\`sudo chmod g+${need} ${path}\`)${inGroup ? '' : ` and add ${me.name} to group ${group} (\`sudo usermod -aG ${group} ${me.name}\`)`}`;
}

/**
 * Where a server decides who may read its logs, by the usual owner's name, when a `chmod` is not
 * the fix: PostgreSQL creates new log files with `log_file_mode` (0600 by default), and refuses
 * to start on a data directory other than 0700 or 0750. (MariaDB/MySQL write theirs 0660: the
 * general advice, the group, fits them.)
 */
const LOG_WRITERS: Record<string, { folder: string; file: string }> = {
  postgres: {
    folder:
      "PostgreSQL's data directory stays private: set `log_directory` to a folder outside it that your group may read (e.g. /var/log/postgresql, group adm) and `log_file_mode = 0640`",
    file: "set PostgreSQL's `log_file_mode = 0640` (the logging collector's new files get it), `chmod g+r` the ones there, and read them as a member of their group",
  },
};

/** A user's or group's name from /etc/passwd or /etc/group, else its number. */
function nameOf(file: '/etc/passwd' | '/etc/group', id: number): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof Error) return String(id);
    throw err;
  }
  for (const line of text.split('\n')) {
    const [name, , num] = line.split(':');
    if (name && Number(num) === id) return name;
  }
  return String(id);
}
