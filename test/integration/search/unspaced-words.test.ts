import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { usePipeline } from '../../helpers/pipeline.js';

/**
 * Chinese and Japanese notes: words without spaces between them. The full-text index splits
 * text at spaces and punctuation only, so 新幹線 inside 新幹線の切符は… was part of one token
 * and no search found it, and a quoted "新幹線" was said to be held by nothing (a new-user pass).
 */
describe('words of scripts written without spaces', () => {
  const pipeline = usePipeline('file');
  let app: App;

  beforeAll(async () => {
    const ws = await pipeline.workspace('unspaced');
    await ws.write('日記/出張.md', '# 出張\n\n新幹線の切符は往復で二万八千円でした。東京駅から出発。\n');
    await ws.write(
      '笔记/ml.md',
      '# 机器学习\n\n我们用梯度下降法来最小化损失函数。激活函数常用ReLU和Sigmoid。\n',
    );
    await ws.write('notes/trip.md', '# Trip\n\nThe ferry leaves at nine; tickets were cheap.\n');
    app = await pipeline.open(
      ws.config({ engines: { md: { chunker: 'markdown', chunkMinTokens: 8 } } }),
      pipeline.counter(),
    );
    await app.indexer.reconcile();
    await app.store.optimize();
  });

  const firstPath = async (query: string, more: Record<string, unknown> = {}) =>
    (await app.search.search({ query, k: 3, ...more })).results[0]?.path ?? '';

  it('a word inside a sentence is found by full-text search and first in hybrid', async () => {
    for (const [query, file] of [
      ['新幹線', '出張.md'],
      ['東京駅', '出張.md'],
      ['梯度下降', 'ml.md'],
      ['损失函数', 'ml.md'],
    ] as const) {
      expect(await firstPath(query, { mode: 'text' }), query).toContain(file);
      expect(await firstPath(query), query).toContain(file);
    }
    // Words the text does not hold find nothing by text.
    expect((await app.search.search({ query: '飛行機', mode: 'text' })).results).toEqual([]);
  });

  it('a quoted word is held where it is written, between other letters', async () => {
    const res = await app.search.search({ query: '"新幹線"', k: 3 });
    expect(res.results.map((h) => h.path)).toEqual([expect.stringContaining('出張.md')]);
    expect(res.note).toBeUndefined();
  });
});
