import { describe, expect, it } from 'vitest';
import { asOlderChunker, inconsistencies, paragraph } from '../../helpers/index-workspace.js';
import { usePipeline } from '../../helpers/pipeline.js';

/**
 * The markdown chunker's version is in every file's signature: an index an older chunker made
 * (no front matter keywords in the text) is re-chunked once, and its vectors, whose text held,
 * are found again by content hash.
 */
describe('markdown chunker upgrade', () => {
  const pipeline = usePipeline();

  it('re-chunks an index made by chunker 1 once, embedding nothing, and the new text is searchable', async () => {
    const ws = await pipeline.workspace('markdown-upgrade');
    await ws.write(
      'restore.md',
      `---\naliases: [PITR]\n---\n# Restoring the database\n\n${paragraph('replay the archived log', 3)}\n`,
    );
    await ws.write('garden.md', `# Garden\n\n${paragraph('tomatoes need sun', 3)}\n`);
    const config = ws.config();
    const a = await pipeline.open(config, pipeline.counter());
    await a.indexer.reconcile();
    await a.close();

    // As chunker 1 left it: no keywords line, an unversioned signature.
    const signatures = await asOlderChunker(config, 'chunks_md', 'markdown', "replace(text, 'PITR\n\n', '')");
    expect(signatures.every((id) => id.includes('|markdown|'))).toBe(true);

    const counter = pipeline.counter();
    const b = await pipeline.open(config, counter);
    try {
      expect((await b.search.search({ query: 'PITR', mode: 'text' })).results).toEqual([]);
      const run = await b.indexer.reconcile();
      expect(run).toMatchObject({ filesChanged: 2, chunksEmbedded: 0 });
      expect(counter.indexed).toEqual([]);
      const found = await b.search.search({ query: 'PITR', mode: 'text' });
      expect(found.results.map((r) => r.path)).toEqual([ws.path('restore.md')]);
      expect(await inconsistencies(b)).toEqual([]);
      // Once: the next run reads nothing again.
      expect(await b.indexer.reconcile()).toMatchObject({ filesChanged: 0, filesUnchanged: 2 });
    } finally {
      await b.close();
    }
  });
});
