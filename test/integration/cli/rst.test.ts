import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paragraph, Workspace } from '../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * A docs folder written in reStructuredText, as a Python project's is, under a source that names
 * no engine: its `.rst` files are read, and a hit's heading path is made of their section titles.
 */
describe('ragctl index and search over reStructuredText', () => {
  let ws: Workspace;
  let config: string;

  beforeAll(async () => {
    ws = await Workspace.create('cli-rst');
    await ws.write(
      'docs/deploy.rst',
      [
        '==========',
        'Operations',
        '==========',
        '',
        paragraph('how the service runs in production', 2),
        '',
        'Rolling back a release',
        '----------------------',
        '',
        `Roll back with the previous image tag. ${paragraph('the rollback keeps the database', 2)}`,
        '',
      ].join('\n'),
    );
    config = await ws.writeConfig();
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('indexes the .rst file, each section under its titles', async () => {
    const indexed = oneJsonLine(await runCli(['index', '--json', '--config', config], { cwd: ws.root }));
    expect(indexed).toMatchObject({ filesAdded: 1, failures: [] });
    const search = await runCli(['search', 'undo a bad deploy', '--json', '-k', '3', '--config', config], {
      cwd: ws.root,
    });
    expect(search.code, search.stderr).toBe(0);
    const hits = oneJsonLine(search).results as { path: string; heading_path: string[]; text: string }[];
    const rollback = hits.find((h) => h.text.includes('previous image tag'));
    expect(rollback?.heading_path).toEqual(['Operations', 'Rolling back a release']);
  }, 120_000);
});
