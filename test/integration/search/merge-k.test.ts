import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import type { Embedder } from '../../../src/embed/types.js';
import type { SearchHit } from '../../../src/store/types.js';
import { openApp, realEmbedder, Workspace } from '../../helpers/index-workspace.js';

/**
 * Two engines whose tables both hold more near candidates than a search's scale (50): a notes
 * file of a hundred sections on one subject, and a query log whose one statement shape repeats
 * past the pool, so that its table collapses the repeats over several rounds. A larger k reads
 * deeper in both, and must not change the first hits or their scores.
 */
const SECTIONS = Array.from(
  { length: 100 },
  (_, i) =>
    `## Account ${i + 1}\n\nThe balance of account ${i + 1} is reconciled against the ledger every ${i + 2} days; an insert into the audit table records each change.\n`,
).join('\n');
const LOG = [
  ...Array.from({ length: 200 }, (_, i) => `INSERT INTO accounts (id, balance) VALUES (${i + 1}, ${i * 3});`),
  'UPDATE accounts SET balance = balance - 10 WHERE id = 7;',
  'SELECT balance FROM accounts WHERE id = 7;',
  'DELETE FROM accounts WHERE closed_at < now();',
  'INSERT INTO audit (account_id, note) VALUES (7, $$moved$$);',
].join('\n');

describe('search across engines: a larger k, the same first hits', () => {
  let model: Embedder;
  let ws: Workspace;
  let app: App;

  beforeAll(async () => {
    model = realEmbedder();
    ws = await Workspace.create('merge-k');
    await ws.write('accounts.md', `# Accounts\n\n${SECTIONS}`);
    await ws.write('other.md', '# Garden\n\nWater the tomatoes in the morning.\n');
    const logs = join(ws.root, 'logs');
    await mkdir(logs);
    await writeFile(join(logs, 'workload.sql'), `${LOG}\n`);
    const config = ws.config({
      engines: { md: { chunker: 'markdown' }, sql: { chunker: 'sql', mapper: 'sql' } },
      sources: [
        { path: ws.notes, engine: 'md' },
        { path: logs, engine: 'sql' },
      ],
    });
    app = await openApp(config, model);
    await app.indexer.reconcile();
  }, 240_000);
  afterAll(async () => {
    await app?.close();
    await model?.close();
    await ws?.cleanup();
  });

  // A statement shown for its many runs is any one of them (they tie): it is told by its shape.
  const first = (hits: readonly SearchHit[], n: number) =>
    hits.slice(0, n).map((h) => [h.metadata.fingerprint ?? h.id, h.score]);

  for (const rerank of [false, true]) {
    it(`hybrid${rerank ? ', re-ranked' : ''}: k 3 and k 40 give the same first three, scores and all`, async () => {
      const query = 'insert into accounts balance';
      const small = await app.search.search({ query, k: 3, rerank });
      const large = await app.search.search({ query, k: 40, rerank });
      expect(new Set(large.results.map((h) => h.engine))).toEqual(new Set(['md', 'sql']));
      expect(first(large.results, 3)).toEqual(first(small.results, 3));
    });
  }
});
