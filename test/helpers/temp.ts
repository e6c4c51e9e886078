import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The OS temp folder as it was at import: loading the MLX model points TMPDIR at its JIT cache
 * (src/embed/mlx/runtime.ts), and test folders do not belong there.
 */
const TEMP_BASE = tmpdir();

/** A fresh folder under the OS temp dir; `cleanup` removes it and everything in it. */
export async function makeTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(TEMP_BASE, `ragctl-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
