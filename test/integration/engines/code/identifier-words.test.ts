import { connect } from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../../helpers/run-cli.js';

/** Its words are only inside camelCase names: the full-text tokenizer keeps those whole. */
const SLASHES = `export function stripTrailingSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}
`;

const OTHER = `export function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
`;

describe("the code table's full-text index reads the words inside camelCase names", () => {
  let ws: Workspace;
  let config: string;
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });
  const textSearch = async (query: string) => {
    const r = await ragctl('search', '--json', '--engine', 'code', '--mode', 'text', '-k', '5', query);
    expect(r.code, r.stderr).toBe(0);
    return (oneJsonLine(r).results as { path: string; metadata: { symbol: string } }[]).map(
      (h) => h.metadata.symbol,
    );
  };

  beforeAll(async () => {
    ws = await Workspace.create('code-words');
    await ws.write('urls.ts', SLASHES);
    await ws.write('sum.ts', OTHER);
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

  it('finds a function by the words of its name written apart', async () => {
    expect(await textSearch('strip the trailing slash')).toEqual(['urls.ts:stripTrailingSlash']);
  });

  it('keeps the words out of what is embedded: the stored text has them, the source after them', async () => {
    const db = await connect(`${ws.dataDir}/index`);
    const table = await db.openTable('chunks_code');
    try {
      const rows = await table
        .query()
        .where("symbol = 'stripTrailingSlash'")
        .select(['text', 'metadata'])
        .toArray();
      expect(rows).toHaveLength(1);
      const text = rows[0].text as string;
      const { bodyOffset } = JSON.parse(rows[0].metadata as string) as { bodyOffset: number };
      expect(text.split('\n').slice(0, 2)).toEqual([
        'urls.ts:stripTrailingSlash',
        'strip trailing slash ends with',
      ]);
      expect(text.slice(bodyOffset)).toBe(SLASHES.trimEnd());
    } finally {
      table.close();
      db.close();
    }
  });
});
