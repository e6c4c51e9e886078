import { connect, Index } from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeMapper } from '../../../../src/engines/code-mapper.js';
import { TEXT_INDEX_NAME, textIndexName, textIndexOptions } from '../../../../src/store/indexes.js';
import { FTS_OPTIONS } from '../../../../src/store/tuning.js';
import { Workspace } from '../../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../../helpers/run-cli.js';

/** The code that answers: it shares only `schema` and `compile` with the question. */
const COMPILER = `export function compile(schema: Schema): Validator {
  const source = generate(schema);
  return new Function('data', source) as Validator;
}
`;

/**
 * Prose in a comment that shares with the question only "is" and "the", stop words, and "where",
 * which the English list of LanceDB's tokenizer does not hold.
 */
const PROSE = `/**
 * Where is the cache? It is where the user left it: the cache is in the home folder, and where
 * that is not set, the one in the temp folder is the cache, as it is on the first run.
 */
export function cacheFolder(home: string | undefined): string {
  return home ?? tmpdir();
}
`;

const QUESTION = 'where is the schema compiled';

describe("the code table's full-text index drops English stop words", () => {
  let ws: Workspace;
  let config: string;
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });
  const textRanking = async () => {
    const r = await ragctl('search', '--json', '--engine', 'code', '--mode', 'text', '-k', '10', QUESTION);
    expect(r.code, r.stderr).toBe(0);
    return (oneJsonLine(r).results as { path: string }[]).map((h) => h.path.slice(ws.notes.length + 1));
  };
  const textIndexes = async () => {
    const db = await connect(`${ws.dataDir}/index`);
    const table = await db.openTable('chunks_code');
    try {
      return (await table.listIndices()).filter((i) => i.indexType === 'FTS').map((i) => i.name);
    } finally {
      table.close();
      db.close();
    }
  };

  beforeAll(async () => {
    ws = await Workspace.create('code-fts');
    await ws.write('compiler.ts', COMPILER);
    await ws.write('cache.ts', PROSE);
    await ws.write(
      'sum.ts',
      'export function sum(xs: number[]): number {\n  return xs.reduce((a, b) => a + b, 0);\n}\n',
    );
    config = await ws.writeConfig({
      engines: { code: { chunker: 'code', mapper: 'code', include: ['**/*.ts'] } },
      sources: [{ path: ws.notes, engine: 'code' }],
    });
    const indexed = await ragctl('index', '--json');
    expect(indexed.code, indexed.stderr).toBe(0);
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('is named for its own options, and a question in English text-ranks the code above the prose', async () => {
    // Only "where" of the prose still counts: the code's two words outweigh it.
    expect(await textRanking()).toEqual(['compiler.ts', 'cache.ts']);
    const options = textIndexOptions(codeMapper.textIndex);
    expect(options.removeStopWords).toBe(true);
    expect(await textIndexes()).toEqual([textIndexName(options)]);
    expect(textIndexName(options)).not.toBe(TEXT_INDEX_NAME);
  });

  it('rebuilds at open a code table whose full-text index kept the stop words', async () => {
    // As a ragctl before code tables had their own options left it: FTS_OPTIONS, its name.
    const db = await connect(`${ws.dataDir}/index`);
    const raw = await db.openTable('chunks_code');
    for (const name of await textIndexes()) await raw.dropIndex(name);
    await raw.createIndex('text', { config: Index.fts({ ...FTS_OPTIONS }), name: TEXT_INDEX_NAME });
    const old = await raw.query().fullTextSearch(QUESTION).select(['rel_path']).toArray();
    raw.close();
    db.close();
    // The failure this guards against: the stop words rank the prose first.
    expect(old.map((r) => r.rel_path)).toEqual(['cache.ts', 'compiler.ts']);

    const indexed = await ragctl('index', '--json');
    expect(indexed.code, indexed.stderr).toBe(0);
    expect(await textIndexes()).toEqual([textIndexName(textIndexOptions(codeMapper.textIndex))]);
    expect(await textRanking()).toEqual(['compiler.ts', 'cache.ts']);
  });
});
