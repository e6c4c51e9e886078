import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { MIN_LANCE_CPU_THREADS } from '../../../src/store/lance-env.js';

const MAIN = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

/**
 * LanceDB reads LANCEDB_LOG when its module loads, so the CLI must set it before any command
 * imports the store (else `ragctl index` prints LanceDB's k-means warnings when it trains a
 * vector index). Runs the built CLI's main() in a child whose environment has neither variable,
 * and reads them back as LanceDB would find them when the command loads it.
 */
it('ragctl sets LANCEDB_LOG and LANCE_CPU_THREADS before a command can load LanceDB', async () => {
  const env = { ...process.env };
  delete env.LANCEDB_LOG;
  delete env.LANCE_CPU_THREADS;
  const script = `
    const { main } = await import(${JSON.stringify(MAIN)});
    const code = await main(['node', 'ragctl', '--help']);
    process.stdout.write('\\n' + JSON.stringify({ code, log: process.env.LANCEDB_LOG ?? null, threads: process.env.LANCE_CPU_THREADS ?? null }));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  const seen = JSON.parse(last) as { code: number; log: string | null; threads: string | null };
  expect(seen.code).toBe(0);
  expect(seen.log).toBe('error');
  const lanceDefault = Math.max(1, availableParallelism() - 2);
  expect(seen.threads).toBe(lanceDefault < MIN_LANCE_CPU_THREADS ? String(MIN_LANCE_CPU_THREADS) : null);
});
