import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every entry under `root`, sorted by path: its kind, size, mtime and (for files) a SHA-256 of
 * its bytes, or the link target. Two equal snapshots mean nothing was created, deleted, moved,
 * written or touched in between. A missing root is the empty list.
 */
export async function snapshotTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && rel === '') return;
      throw err;
    }
    for (const name of names.sort()) {
      const path = join(dir, name);
      const at = rel ? `${rel}/${name}` : name;
      const st = await lstat(path);
      if (st.isDirectory()) {
        out.push(`${at}/ dir mtime=${st.mtimeMs}`);
        await walk(path, at);
      } else if (st.isSymbolicLink()) {
        out.push(`${at} -> ${await readlink(path)}`);
      } else {
        const hash = createHash('sha256')
          .update(await readFile(path))
          .digest('hex');
        out.push(`${at} size=${st.size} mtime=${st.mtimeMs} sha256=${hash}`);
      }
    }
  };
  await walk(root, '');
  return out;
}
