import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { usePipeline } from '../../helpers/pipeline.js';

/**
 * A word the full-text leg finds in only a few chunks: each of them holds it, so each gets a
 * share of the text leg's weight in hybrid. Min-max normalisation over the leg alone gave the
 * last of them 0, as if it did not hold the word, and chunks near the query's vector in meaning
 * but without the word took its place (a new-user pass: "arroz" in two notes found one).
 */
describe('a rare word in hybrid search', () => {
  const pipeline = usePipeline('file');
  let app: App;
  let rel: (path: string) => string;

  beforeAll(async () => {
    const ws = await pipeline.workspace('rare-word');
    rel = (path) => path.slice(ws.notes.length + 1);
    await ws.write(
      'receitas/feijoada.md',
      '# Feijoada\n\nFeijoada com arroz branco, couve e farofa. O arroz deve ser soltinho; sirva o arroz quente.\n',
    );
    await ws.write(
      'trabajo/cocina.md',
      '# Cocina española\n\nPaella valenciana: arroz bomba, azafrán, judía verde y garrofó, cocinado en paellera ancha.\n',
    );
    // Notes near the query in meaning (food, rice dishes in English) that never write the word.
    const dishes = ['risotto', 'pilaf', 'fried rice', 'rice pudding', 'sushi rice', 'jambalaya', 'biryani'];
    for (const [i, dish] of dishes.entries()) {
      await ws.write(
        `cooking/${i}.md`,
        `# ${dish}\n\nHow to cook ${dish}: rinse the rice, toast it, add stock and simmer until tender.\n`,
      );
    }
    app = await pipeline.open(
      ws.config({ engines: { md: { chunker: 'markdown', chunkMinTokens: 8 } } }),
      pipeline.counter(),
    );
    await app.indexer.reconcile();
  });

  it('ranks every chunk holding it above those that do not', async () => {
    const text = await app.search.search({ query: 'arroz', mode: 'text', k: 10 });
    expect(text.results.map((h) => rel(h.path)).sort()).toEqual([
      'receitas/feijoada.md',
      'trabajo/cocina.md',
    ]);
    const hybrid = await app.search.search({ query: 'arroz', k: 10, explain: true, rerank: false });
    expect(
      hybrid.results
        .slice(0, 2)
        .map((h) => rel(h.path))
        .sort(),
    ).toEqual(['receitas/feijoada.md', 'trabajo/cocina.md']);
    // The second holder keeps a share of the text leg: normalised from BM25's 0, not its own score.
    const second = hybrid.results.find((h) => rel(h.path) === 'trabajo/cocina.md')!;
    expect(second.explain?.fusion?.normalized.text).toBeGreaterThan(0.3);
  });
});
