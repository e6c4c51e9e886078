import { rename } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import type { Embedder } from '../../../src/embed/types.js';
import { CountingEmbedder } from '../../helpers/counting-embedder.js';
import {
  countByPath,
  openApp,
  paragraph,
  readChunks,
  realEmbedder,
  recordsOf,
  Workspace,
} from '../../helpers/index-workspace.js';

describe('Indexer: a source folder that is gone is not an empty one', () => {
  let model: Embedder;
  let ws: Workspace;
  let app: App | undefined;

  beforeAll(() => {
    model = realEmbedder();
  });
  afterAll(async () => {
    await model.close();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await ws.cleanup();
  });

  it('keeps the files of a vanished source (an unmounted disk) and re-checks them when it returns', async () => {
    ws = await Workspace.create('missing');
    const counter = new CountingEmbedder(model);
    // The config is resolved while the folder exists (validation requires it), as at start-up.
    app = await openApp(ws.config(), counter);
    const a = await ws.write('a.md', `# A\n\n${paragraph('alpha')}\n`);
    await ws.write('b.md', `# B\n\n${paragraph('beta')}\n`);
    expect(await app.indexer.reconcile()).toMatchObject({ filesAdded: 2 });

    const away = `${ws.notes}-unmounted`;
    await rename(ws.notes, away);
    const whileGone = await app.indexer.reconcile();
    expect(whileGone).toMatchObject({ filesDeleted: 0, filesSeen: 0 });
    expect((await recordsOf(app)).size).toBe(2);
    expect(countByPath(await readChunks(app.config)).get(a)).toBeGreaterThan(0);

    await rename(away, ws.notes);
    counter.reset();
    const back = await app.indexer.reconcile();
    expect(back).toMatchObject({ filesDeleted: 0, filesUnchanged: 2, chunksEmbedded: 0 });
  });
});
