import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import type { CountingEmbedder } from '../../helpers/counting-embedder.js';
import {
  countByPath,
  inconsistencies,
  paragraph,
  readChunks,
  type Workspace,
} from '../../helpers/index-workspace.js';
import { usePipeline } from '../../helpers/pipeline.js';

const FILES = 400;
const rel = (i: number) => `notes/${String(i).padStart(3, '0')}.md`;

describe('Indexer: a cold index commits in groups sized by how fast the model embeds', () => {
  const pipeline = usePipeline('file');
  let ws: Workspace;
  let app: App;
  let counter: CountingEmbedder;

  beforeAll(async () => {
    ws = await pipeline.workspace('groups');
    // One short chunk a file, and room for all of them in one flush: the chunk budget, not
    // `commitFiles`, closes each group.
    for (let i = 0; i < FILES; i++) await ws.write(rel(i), `# Note ${i}\n\n${paragraph(`note ${i}`, 1)}\n`);
    counter = pipeline.counter();
    app = await pipeline.open(ws.config({ indexing: { commitFiles: 1000 } }), counter);
  });

  it('makes the first files searchable after a small group, then grows the groups to the measured rate', async () => {
    const committed: number[] = [];
    const summary = await app.indexer.reconcile({
      onProgress: (p) => {
        if (p.phase === 'indexing') committed.push(p.filesIndexed);
      },
    });
    expect(summary).toMatchObject({ filesAdded: FILES, chunksEmbedded: FILES });
    // The first group closes at the starting budget of 128 chunks: searchable long before the
    // whole folder is embedded, whatever the machine.
    expect(committed[0]).toBe(128);
    // Each group is embedded in slices of about 2 s (a stop loses one at most), each text once.
    expect(counter.indexCallSizes.reduce((sum, n) => sum + n, 0)).toBe(FILES);
    expect(counter.indexCallSizes[0]).toBeLessThan(128);
    // Short chunks embed faster than 12.8 a second, so the next group is larger than the first
    // (on an idle machine it takes all 272 files left in one commit; on a loaded one the measured
    // rate, and so the group, is smaller, but still above the starting budget).
    expect(committed.at(-1)).toBe(FILES);
    expect(committed[1]! - committed[0]!).toBeGreaterThan(128);

    const counts = countByPath(await readChunks(app.config));
    expect(counts.size).toBe(FILES);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(await inconsistencies(app)).toEqual([]);
  });
});
