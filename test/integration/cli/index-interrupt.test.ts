import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/daemon.js';
import { paragraph, Workspace } from '../../helpers/index-workspace.js';
import { RAGCTL_BIN, runCli } from '../../helpers/run-cli.js';

/** Enough sections that embedding them outlasts the wait for the model to load, by far. */
const SECTIONS = 300;

describe('Ctrl-C during ragctl index', () => {
  let ws: Workspace;
  let config: string;

  beforeAll(async () => {
    ws = await Workspace.create('cli-index-interrupt');
    const body = Array.from({ length: SECTIONS }, (_, i) => `## Part ${i}\n\n${paragraph(`word${i}`)}\n`);
    await ws.write('big.md', `# Big\n\n${body.join('\n')}`);
    config = await ws.writeConfig({ engines: { md: { chunker: 'markdown', chunkMinTokens: 8 } } });
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('says it was interrupted, what is kept and how to go on; the next index finishes', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, RAGCTL_LOG_LEVEL: 'info' };
    delete env.RAGCTL_CONFIG;
    const child = spawn(process.execPath, [RAGCTL_BIN, 'index', '--config', config], {
      cwd: ws.root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    // The store logs its tables as the index opens; the Ctrl-C handler is installed right after,
    // and the embedding that follows takes far longer than the pause.
    await waitFor('the index to open', () => stderr.includes('"component":"store"'), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(1);
    expect(stderr).toContain('ragctl: indexing interrupted (Ctrl-C)');
    expect(stderr).toContain('fix: run `ragctl index` again');

    // It embeds every section the interrupted run did not: on a loaded 2-core machine that can
    // outlast the minute in which an ordinary command is taken for stuck.
    const again = await runCli(['index', '--config', config], { cwd: ws.root, timeoutMs: 180_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('1 file indexed');
  }, 300_000);
});
