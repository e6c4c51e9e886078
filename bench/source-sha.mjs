// The fingerprint of the source files an index depends on, for the evals that keep an index
// between runs and must rebuild it when the code that made it changed though no corpus file did.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const sha = (s) => createHash('sha256').update(s).digest('hex');

/** The files at `p` (a file or every file below a folder), relative to `repo`, sorted. */
function filesUnder(repo, p) {
  const full = join(repo, p);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [p];
  return readdirSync(full, { recursive: true })
    .map((f) => join(p, String(f)))
    .filter((f) => statSync(join(repo, f)).isFile())
    .sort();
}

/** sha256 over each file's path and content hash, for the files under `paths` (relative to `repo`). */
export function sourceSha(repo, paths) {
  return sha(
    paths
      .flatMap((p) => filesUnder(repo, p))
      .map((f) => `${f} ${sha(readFileSync(join(repo, f)))}\n`)
      .join(''),
  );
}
