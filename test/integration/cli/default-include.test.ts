import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * A minimal user config, `engines: {code: {chunker: code}}` with no `include` anywhere, indexes
 * the code files of its source: the engine reads its chunker's files, not the markdown globs.
 */
describe('ragctl index with an engine block that names only its chunker', () => {
  let ws: Workspace;
  let config: string;

  beforeAll(async () => {
    ws = await Workspace.create('cli-default-include');
    await ws.write('app/cart.py', 'def total(items):\n    return sum(i.price for i in items)\n');
    await ws.write('web/queue.ts', 'export function push(q: number[], x: number): void {\n  q.push(x);\n}\n');
    await ws.write('README.md', '# Readme\n\nNot code: the code engine leaves it alone.\n');
    config = await ws.writeConfig({
      engines: { code: { chunker: 'code', mapper: 'code' } },
      sources: [{ path: ws.notes, engine: 'code' }],
    });
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('indexes the .py and .ts files and not the .md file', async () => {
    const result = await runCli(['index', '--json', '--config', config], { cwd: ws.root });
    expect(result.code, result.stderr).toBe(0);
    expect(oneJsonLine(result)).toMatchObject({ filesSeen: 2, filesAdded: 2, filesSkipped: 0, failures: [] });

    const search = await runCli(['search', 'total', '--engine', 'code', '--json', '--config', config], {
      cwd: ws.root,
    });
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toContain('app/cart.py:total');
  });
});
