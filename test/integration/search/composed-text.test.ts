import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { usePipeline } from '../../helpers/pipeline.js';

/**
 * Text written decomposed (NFD: `e` and a combining accent, as macOS, synced folders and PDFs
 * often store it) and searched as keyboards type it (NFC), or the other way round: the same
 * words. The full-text index splits a word at a combining accent, so without composing both
 * sides `Hélène` typed found nothing (a new-user pass on notes in French).
 */
describe('decomposed text', () => {
  const pipeline = usePipeline('file');
  let app: App;

  const NOTE = '# Hélène\n\nDéménagement à Besançon en décembre, la crémaillère chez Hélène.\n';

  beforeAll(async () => {
    const ws = await pipeline.workspace('composed');
    await ws.write('moving.md', NOTE.normalize('NFD'));
    // A folder and file named decomposed, as a Mac or a synced folder leaves them.
    await ws.write('réunions/hélène.md'.normalize('NFD'), '# Gare\n\nRendez-vous at the station at noon.\n');
    await ws.write('other.md', '# Other\n\nNothing about it here, only plain words.\n');
    app = await pipeline.open(
      ws.config({ engines: { md: { chunker: 'markdown', chunkMinTokens: 8 } } }),
      pipeline.counter(),
    );
    await app.indexer.reconcile();
    await app.store.optimize();
  });

  const first = async (query: string, more: Record<string, unknown> = {}) =>
    (await app.search.search({ query, k: 1, ...more })).results[0];

  it('is indexed composed, and found by words typed either way', async () => {
    const hit = await first('Besançon', { mode: 'text' });
    expect(hit?.text).toBe(hit?.text.normalize('NFC'));
    expect(hit?.text).toContain('Déménagement à Besançon');
    for (const query of ['Hélène', 'Hélène'.normalize('NFD'), 'déménagement', 'crémaillère'.normalize('NFD')])
      expect(String((await first(query, { mode: 'text' }))?.path), query).toMatch(/moving\.md$/);
  });

  it('a --path glob typed with accents matches a path stored decomposed', async () => {
    for (const glob of ['*hélène*', 'réunions/**', '**/réunions/*.md'])
      expect((await first('station', { path: glob }))?.path.normalize('NFC'), glob).toMatch(/hélène\.md$/u);
  });

  it('phrases and heading filters match it too', async () => {
    expect((await first('"chez Hélène"'))?.path).toMatch(/moving\.md$/);
    expect((await first('moving', { heading: 'Hélène'.normalize('NFD') }))?.path).toMatch(/moving\.md$/);
    expect((await first('moving', { heading: 'Hélène' }))?.path).toMatch(/moving\.md$/);
  });
});
