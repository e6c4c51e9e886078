import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testEmbedderBlock, Workspace } from '../../../helpers/index-workspace.js';
import { type CliResult, oneJsonLine, runCli } from '../../../helpers/run-cli.js';

type Hit = {
  start_line: number;
  metadata: { fingerprint: string | null; type: string };
  repeats?: { count: number; filter: string; value: string };
};

/**
 * A file where one statement shape repeats far more often than a search's candidate pool (50)
 * holds, as a busy query does in a log, beside a few other shapes and a line no parser reads.
 */
const INSERTS = 200;
const OTHERS = [
  'UPDATE accounts SET balance = balance - 10 WHERE id = 7;',
  'SELECT balance FROM accounts WHERE id = 7;',
  'DELETE FROM accounts WHERE closed_at < now();',
  'CREATE TABLE accounts (id int PRIMARY KEY, balance numeric, closed_at timestamptz);',
  'INSERT INTO audit (account_id, note) VALUES (7, $$moved$$);',
];
const LINES = [
  ...Array.from(
    { length: INSERTS },
    (_, i) => `INSERT INTO accounts (id, balance) VALUES (${i + 1}, ${i * 3});`,
  ),
  ...OTHERS,
  'INSERT INTO accounts balance id broken;',
];

describe('sql search shows a statement shape once, with how many more runs it found', () => {
  let ws: Workspace;
  let config: string;
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });
  const hits = (r: CliResult): Hit[] => {
    expect(r.code, r.stderr).toBe(0);
    return oneJsonLine(r).results as Hit[];
  };

  beforeAll(async () => {
    ws = await Workspace.create('sql-collapse');
    await ws.write('workload.sql', `${LINES.join('\n')}\n`);
    config = await ws.writeConfig({
      embedders: { default: testEmbedderBlock() },
      engines: { sql: { chunker: 'sql', mapper: 'sql' } },
      sources: [{ path: ws.notes, engine: 'sql' }],
    });
    const indexed = await ragctl('index', '--json');
    expect(indexed.code, indexed.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => {
    await ws?.cleanup();
  });

  for (const mode of ['hybrid', 'vector', 'text'] as const) {
    test(`${mode}: k distinct hits, though one shape fills the first pool of candidates`, async () => {
      const got = hits(
        await ragctl('search', '--json', '--mode', mode, '-k', '20', 'insert into accounts balance'),
      );
      const prints = got.map((h) => h.metadata.fingerprint);
      const shaped = prints.filter((p) => p !== null);
      expect(new Set(shaped).size).toBe(shaped.length);
      // Every statement of the file holds a word of the query or its meaning: all 7 shapes.
      expect(got).toHaveLength(OTHERS.length + 2);
      const insert = got.find((h) => h.start_line === 1 || h.repeats?.count)!;
      expect(insert.metadata.type).toBe('insert');
      expect(insert.repeats).toMatchObject({ filter: 'fingerprint', value: insert.metadata.fingerprint });
      expect(insert.repeats!.count).toBeGreaterThanOrEqual(49);
      expect(insert.repeats!.count).toBeLessThan(INSERTS);
      // The line no parser reads has a lexical fingerprint of its own, and nothing folded into it.
      const broken = got.find((h) => h.start_line === LINES.length)!;
      expect(broken.repeats).toBeUndefined();
    }, 60_000);
  }

  test('the fingerprint filter, by its first hex digits as printed, lists every run; --every shows runs alike', async () => {
    // The inserts' shape, whichever place it takes: against this query it ties with the broken
    // line (one is each leg's best), and which of 200 equally near inserts the vector leg
    // returns, so which side of the tie it falls, varies from run to run.
    const found = hits(await ragctl('search', '--json', '-k', '5', 'add a row to accounts'));
    const insert = found.find((h) => h.start_line <= INSERTS);
    expect(insert, JSON.stringify(found)).toBeDefined();
    const fingerprint = insert!.metadata.fingerprint!;
    const runs = hits(
      await ragctl('search', '--json', '-k', '1000', '--fingerprint', fingerprint.slice(0, 8), 'anything'),
    );
    expect(runs.map((h) => h.start_line).sort((a, b) => a - b)).toEqual(
      Array.from({ length: INSERTS }, (_, i) => i + 1),
    );
    expect(runs.every((h) => h.repeats === undefined && h.metadata.fingerprint === fingerprint)).toBe(true);

    const every = hits(await ragctl('search', '--json', '--every', '-k', '10', 'add a row to accounts'));
    expect(every.filter((h) => h.metadata.fingerprint === fingerprint).length).toBeGreaterThan(1);
    expect(every.every((h) => h.repeats === undefined)).toBe(true);
  }, 60_000);

  test('people see the count and the flag that lists the runs', async () => {
    const human = await ragctl('search', '-k', '3', 'add a row to accounts');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/\+ at least \d+ more like it \(--fingerprint [0-9a-f]{16} lists each\)/);
  }, 60_000);
});
