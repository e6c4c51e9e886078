import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { isRagError } from '../../../src/errors.js';
import { request } from '../../../src/ipc/client.js';
import { toJson } from '../../../src/search/types.js';
import type { Workspace } from '../../helpers/index-workspace.js';
import { usePipeline } from '../../helpers/pipeline.js';
import { runCli } from '../../helpers/run-cli.js';
import { writeCorpus } from '../../helpers/search-corpus.js';
import { fakeDaemon, Harness } from '../ipc/helpers.js';

/**
 * The three ways into a search — `ragctl search`, the socket's `search` request and the search
 * service — must take and refuse the same parameters, and what docs/PROTOCOL.md promises. Each
 * is asked for real: the CLI as a process reading the index, the socket through a real server
 * whose handler is the real service, the service directly.
 */
describe('CLI, socket and service agree on search parameters', () => {
  const pipeline = usePipeline('file');
  let ws: Workspace;
  let app: App;
  let config: string;
  let socketPath: string;
  const harness = new Harness();

  beforeAll(async () => {
    ws = await pipeline.workspace('agree');
    await writeCorpus(ws);
    config = await ws.writeConfig();
    app = await pipeline.open(ws.config(), pipeline.counter());
    await app.indexer.reconcile();
    await app.store.optimize();
    ({ socketPath } = await harness.listening(
      fakeDaemon({
        search: async (params, context) => toJson(await app.search.search(params, context.signal)),
      }),
    ));
  });
  afterAll(async () => {
    await harness.teardown();
  });

  /** Whether each surface accepts these params: `ok`, or the error code it answers with. */
  async function verdicts(params: { query: string; after?: string }) {
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (err: unknown) => (isRagError(err) ? err.code : String(err)),
      );
    const args = ['search', '--json', '--mode', 'text', params.query, '--config', config];
    if (params.after !== undefined) args.push('--after', params.after);
    const cli = await runCli(args, { cwd: ws.root });
    return {
      cli: cli.code === 0 ? 'ok' : `exit ${cli.code}`,
      socket: await outcome(request(socketPath, 'search', { ...params, mode: 'text' })),
      service: await outcome(app.search.search({ ...params, mode: 'text' })),
    };
  }

  const accepted = { cli: 'ok', socket: 'ok', service: 'ok' };
  const refused = (v: Record<string, string>) =>
    expect(
      Object.values(v).every((x) => x !== 'ok'),
      JSON.stringify(v),
    ).toBe(true);

  it('takes a query as long as docs/PROTOCOL.md allows, and refuses one character more', async () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'PROTOCOL.md'), 'utf8');
    const row = doc.split('\n').find((l) => l.startsWith('| `query`')) ?? '';
    const limit = Number(/(\d[\d,]*)\s*(?:chars|characters)/.exec(row)?.[1]?.replaceAll(',', ''));
    expect(limit, row).toBeGreaterThan(100);
    const longest = 'restic '.repeat(Math.ceil(limit / 7)).slice(0, limit);
    expect(await verdicts({ query: longest })).toEqual(accepted);
    refused(await verdicts({ query: `${longest}x` }));
  });

  it('reads relative and absolute dates alike, and refuses the same garbage', async () => {
    for (const after of ['7d', '12h', '2020-01-01', '2024-05-01T09:30:00+02:00']) {
      expect(await verdicts({ query: 'restic', after }), after).toEqual(accepted);
    }
    for (const after of ['last tuesday', '2024-02-31', '2024-05-01T09:30:00']) {
      refused(await verdicts({ query: 'restic', after }));
    }
  });
});
