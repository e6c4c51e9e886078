import { rename } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { countByPath, paragraph, readChunks, recordsOf } from '../../helpers/index-workspace.js';
import { usePipeline } from '../../helpers/pipeline.js';

describe('Indexer: a source folder that is gone is not an empty one', () => {
  const pipeline = usePipeline();

  it('keeps the files of a vanished source (an unmounted disk) and re-checks them when it returns', async () => {
    const ws = await pipeline.workspace('missing');
    const counter = pipeline.counter();
    // The config is resolved while the folder exists (validation requires it), as at start-up.
    const app = await pipeline.open(ws.config(), counter);
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
