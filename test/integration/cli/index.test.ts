import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paragraph, Workspace } from '../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/** Every field of IndexSummary with its JSON type. */
const SUMMARY_NUMBERS = [
  'filesSeen',
  'filesUnchanged',
  'filesAdded',
  'filesChanged',
  'filesDeleted',
  'filesSkipped',
  'chunksEmbedded',
  'chunksReused',
  'seconds',
  'embedSeconds',
] as const;

describe('ragctl index (one-shot, no daemon)', () => {
  let ws: Workspace;
  let config: string;
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });

  beforeAll(async () => {
    ws = await Workspace.create('cli-index');
    await ws.write('one.md', `# One\n\n${paragraph('first')}\n`);
    await ws.write('sub/two.md', `# Two\n\n${paragraph('second')}\n`);
    config = await ws.writeConfig();
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('--json prints one JSON object with the summary and exits 0; a re-run embeds nothing', async () => {
    const first = await ragctl('index', '--json');
    expect(first.code, first.stderr).toBe(0);
    const summary = oneJsonLine(first);
    for (const key of SUMMARY_NUMBERS) expect(typeof summary[key], key).toBe('number');
    expect(summary).toMatchObject({
      filesSeen: 2,
      filesAdded: 2,
      filesSkipped: 0,
      chunksEmbedded: 2,
      rebuilt: [],
      failures: [],
      recovered: [],
      via: 'index',
    });
    // New rows are folded into the full-text index before exit (text search must find them)…
    expect(summary.optimized).toBe(true);
    // Not a terminal: no progress bar on stderr.
    expect(first.stderr).not.toMatch(/\r/);

    const again = oneJsonLine(await ragctl('index', '--json'));
    // …and a run that changed nothing does not pay for an optimize.
    expect(again).toMatchObject({
      filesSeen: 2,
      filesUnchanged: 2,
      filesAdded: 0,
      chunksEmbedded: 0,
      optimized: false,
    });
  });

  it('prints a human summary, with skipped files and their reasons', async () => {
    await ws.write('blob.md', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]));
    await ws.write('three.md', `# Three\n\n${paragraph('third')}\n`);
    const result = await ragctl('index');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^1 file indexed \(1 new, 0 changed\), 0 deleted, 1 skipped, 2 unchanged\.$/m,
    );
    expect(result.stdout).toMatch(/^1 chunks embedded, 0 reused · [\d.]+ s \(embedding [\d.]+ s\)\.$/m);
    expect(result.stdout).toContain('Skipped:\n  notes/blob.md: binary file\n');
  });

  it('takes files and folders inside the sources; a deleted file named on the command line leaves the index', async () => {
    const edited = await ws.write('sub/two.md', `# Two\n\n${paragraph('second', 10, 'edited ')}\n`);
    const folder = oneJsonLine(await ragctl('index', '--json', ws.path('sub')));
    expect(folder).toMatchObject({ filesSeen: 1, filesChanged: 1, chunksEmbedded: 1 });

    await rm(edited);
    const file = oneJsonLine(await ragctl('index', '--json', edited));
    expect(file).toMatchObject({ filesDeleted: 1, chunksEmbedded: 0 });
  });

  it('refuses a path outside every source with exit 2 and a message naming the sources', async () => {
    const outside = join(ws.root, 'elsewhere');
    const result = await ragctl('index', outside);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `${outside} is not inside any source in the config (sources: ${ws.notes})`,
    );

    const json = await ragctl('index', '--json', outside);
    expect(json.code).toBe(2);
    expect(oneJsonLine(json)).toEqual({
      error: { code: 'E_USAGE', message: expect.stringContaining('is not inside any source') },
    });
  });

  it('refuses a config whose data dir is inside a source, with exit 2', async () => {
    const bad = await Workspace.create('cli-bad-config');
    try {
      // Written by hand: the workspace's own config writer refuses this config up front.
      const path = bad.configFile;
      await writeFile(path, JSON.stringify({ dataDir: bad.path('.ragctl'), sources: [{ path: bad.notes }] }));
      const result = await runCli(['index', '--config', path], { cwd: bad.root });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /sources\[0\]\.path: contains the data dir .*the index must not watch itself/,
      );
    } finally {
      await bad.cleanup();
    }
  });
});
