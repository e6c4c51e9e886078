import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { storeDir } from '../../../../src/app.js';
import { SqlAnalyzer } from '../../../../src/engines/sql/analyze.js';
import type { AnalyzedSqlEntry } from '../../../../src/engines/sql/types.js';
import {
  linkedModelCopy,
  readChunks,
  realEmbedder,
  testEmbedderBlock,
  Workspace,
} from '../../../helpers/index-workspace.js';
import { findPostgres, type PgWorkload, runPgWorkload } from '../../../helpers/pg-server.js';
import { type CliResult, oneJsonLine, runCli } from '../../../helpers/run-cli.js';
import { indexedOnly, readLogFile } from '../../../helpers/sql-read.js';

const pg = findPostgres();
if (pg.reason) console.warn(`search-cli.test.ts skipped: ${pg.reason}`);

/**
 * The SQL engine as a user would set it up (logs and .sql files of one folder), with its own
 * embedder beside a markdown engine on the default one: each table keeps its own model id.
 */
const raw: {
  embedders: Record<string, Record<string, unknown>>;
  engines: Record<string, Record<string, unknown>>;
  sources: Record<string, unknown>[];
} = {
  embedders: {},
  engines: {
    md: { chunker: 'markdown', embedder: 'default' },
    sql: { chunker: 'sql', mapper: 'sql', embedder: 'sqlmodel' },
  },
  sources: [],
};

type Hit = Record<string, unknown> & {
  start_line: number;
  end_line: number;
  metadata: Record<string, unknown>;
};

/** A small .sql file: three statements, a comment, a dollar-quoted body. */
const SQL_FILE = [
  '-- schema for the shop',
  'CREATE TABLE customers (id int PRIMARY KEY, name text);',
  '',
  "INSERT INTO customers VALUES (1, 'Ada'), (2, 'Grace');",
  'CREATE FUNCTION touch() RETURNS int AS $$',
  '  SELECT 1;',
  '$$ LANGUAGE sql;',
  '',
].join('\n');

describe.skipIf(pg.reason !== null)('ragctl search --engine sql over a real PostgreSQL log', () => {
  let work: PgWorkload;
  let ws: Workspace;
  let config: string;
  let truth: AnalyzedSqlEntry[];
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });
  const hits = (r: CliResult): Hit[] => {
    expect(r.code, r.stderr).toBe(0);
    return oneJsonLine(r).results as Hit[];
  };
  /** Every entry of the log, by its line range: the filter must keep exactly these. */
  const ranges = (entries: readonly { start_line: unknown; end_line: unknown }[]) =>
    entries.map((e) => `${e.start_line}-${e.end_line}`).sort();
  const truthRanges = (keep: (e: AnalyzedSqlEntry) => boolean) =>
    ranges(truth.filter(keep).map((e) => ({ start_line: e.startLine, end_line: e.endLine })));
  /**
   * Over the log only (the .sql file has an insert too); vector mode with a large k ranks every
   * row the filter keeps, and `--every` shows each run of a statement shape as its own hit.
   */
  const search = (...args: string[]) =>
    ragctl(
      'search',
      '--engine',
      'sql',
      '--every',
      '--mode',
      'vector',
      '-k',
      '1000',
      '--path',
      '*.log',
      '--json',
      ...args,
    );

  beforeAll(async () => {
    work = await runPgWorkload(pg.bin!, { clients: 2, transactions: 10 });
    ws = await Workspace.create('sql-search');
    raw.embedders = {
      default: testEmbedderBlock(),
      sqlmodel: { ...testEmbedderBlock(), model: await linkedModelCopy(join(ws.root, 'sqlmodel')) },
    };
    raw.sources = [
      { path: ws.notes, engine: 'sql', include: ['**/*.log', '**/*.sql'] },
      { path: join(ws.root, 'docs'), engine: 'md' },
    ];
    mkdirSync(join(ws.root, 'docs'));
    writeFileSync(join(ws.root, 'docs', 'customers.md'), '# Customers\n\nHow we keep customer records.\n');
    copyFileSync(work.stderrLog, ws.path('postgresql.log'));
    await ws.write('schema.sql', SQL_FILE);
    truth = indexedOnly(
      await readLogFile(await SqlAnalyzer.create(), ws.path('postgresql.log'), 'pg-stderr'),
    );
    config = await ws.writeConfig(raw);
    const indexed = await ragctl('index', '--json');
    expect(indexed.code, indexed.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => {
    await ws?.cleanup();
    await work?.cleanup();
  });

  test('the normalised statement is embedded: the same statement with other literals shares its vector', async () => {
    const rows = await readChunks(ws.config(raw), 'sql');
    const log = rows.filter((r) => r.path === ws.path('postgresql.log'));
    expect(log.length).toBe(truth.length);
    // pgbench's prepared UPDATE, run with other parameters each time.
    const runs = truth.filter((e) => e.statementType === 'update' && e.params.length > 0);
    expect(runs.length).toBeGreaterThan(1);
    const first = runs[0]!;
    const other = runs.find(
      (e) => e.normalized === first.normalized && e.params.join() !== first.params.join(),
    )!;
    const stored = (e: AnalyzedSqlEntry) => log.find((r) => r.startLine === e.startLine)!;
    expect(stored(first).text).toContain('-- parameters:');
    expect(stored(first).contentHash).toBe(stored(other).contentHash);
    const embedder = realEmbedder();
    try {
      const [normalized, asLogged] = [
        await embedder.embed([first.normalized!]),
        await embedder.embed([stored(first).text]),
      ];
      const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
      expect(cosine(stored(first).vector, normalized)).toBeGreaterThan(0.999);
      expect(cosine(stored(first).vector, asLogged)).toBeLessThan(0.99);
    } finally {
      await embedder.close();
    }
  });

  test('the sql engine embeds with its own model beside md on another; a search over both fuses them', async () => {
    const db = await connect(storeDir(ws.config(raw)));
    try {
      const modelOf = async (engine: string) => {
        const table = await db.openTable(`chunks_${engine}`);
        try {
          const rows = await table.query().select(['model_id']).limit(1).toArray();
          return rows[0]?.model_id as string;
        } finally {
          table.close();
        }
      };
      const [md, sql] = [await modelOf('md'), await modelOf('sql')];
      expect(sql).toContain('sqlmodel');
      expect(md).not.toBe(sql);
    } finally {
      db.close();
    }
    const both = hits(await ragctl('search', '--json', '-k', '50', 'customer records'));
    expect(new Set(both.map((h) => h.engine))).toEqual(new Set(['md', 'sql']));
  });

  test('--min-time 20 returns exactly the entries the log says took ≥ 20 ms', async () => {
    const expected = truthRanges((e) => e.durationMs !== null && e.durationMs >= 20);
    // pgbench -i (100,000 rows copied, keys built) always has some; the rest of the log is faster.
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(truth.length);
    const got = hits(await search('pgbench accounts', '--min-time', '20'));
    expect(ranges(got)).toEqual(expected);
    for (const h of got) {
      expect(h.path).toBe(ws.path('postgresql.log'));
      expect(h.metadata.duration_ms as number).toBeGreaterThanOrEqual(20);
      for (const key of ['fingerprint', 'at', 'tables', 'type']) expect(h.metadata).toHaveProperty(key);
    }
  });

  test('--table and --type keep exactly the entries touching that table / of that type', async () => {
    // `public.pgbench_branches` too: pg_dump's file names its tables with their schema.
    const touches = (tables: string[], name: string) =>
      tables.some((t) => t === name || t.endsWith(`.${name}`));
    const byTable = truthRanges((e) => touches(e.tables, 'pgbench_branches'));
    expect(byTable.length).toBeGreaterThan(0);
    expect(ranges(hits(await search('update balance', '--table', 'pgbench_branches')))).toEqual(byTable);
    // Unquoted SQL names fold case, and the log's statements name the table on the search path.
    expect(ranges(hits(await search('update balance', '--table', 'PGBENCH_Branches')))).toEqual(byTable);
    expect(ranges(hits(await search('update balance', '--table', 'public.pgbench_branches')))).toEqual(
      byTable,
    );
    // Another schema's table of that name is not this one; an unqualified name may be either.
    const unqualified = truthRanges((e) => e.tables.includes('pgbench_branches'));
    expect(unqualified.length).toBeLessThan(byTable.length);
    expect(ranges(hits(await search('update balance', '--table', 'other.pgbench_branches')))).toEqual(
      unqualified,
    );

    const byType = truthRanges((e) => e.statementType === 'update' || e.statementType === 'insert');
    expect(byType.length).toBeGreaterThan(0);
    const got = hits(await search('update balance', '--type', 'update', '--type', 'insert'));
    expect(ranges(got)).toEqual(byType);
    // Filters combine: updates of one table only.
    const both = truthRanges((e) => e.statementType === 'update' && touches(e.tables, 'pgbench_tellers'));
    expect(both.length).toBeGreaterThan(0);
    expect(ranges(hits(await search('teller', '--type', 'update', '--table', 'pgbench_tellers')))).toEqual(
      both,
    );
  });

  test('a search shows each statement shape once; --fingerprint lists exactly its runs in the log', async () => {
    const got = hits(
      await ragctl(
        'search',
        '--engine',
        'sql',
        '--json',
        '-k',
        '10',
        '--path',
        '*.log',
        'update account balance',
      ),
    );
    const prints = got.map((h) => h.metadata.fingerprint as string);
    expect(new Set(prints).size).toBe(prints.length);
    // pgbench ran its account update once per transaction: one hit, the other runs folded into it.
    const update = got.find(
      (h) => (h.metadata.tables as string[]).includes('pgbench_accounts') && h.repeats,
    )!;
    const repeats = update.repeats as { count: number; filter: string; value: string };
    const runs = truthRanges((e) => e.fingerprint === repeats.value);
    expect(repeats.filter).toBe('fingerprint');
    expect(repeats.count).toBeGreaterThan(0);
    expect(repeats.count).toBeLessThan(runs.length);
    const listed = hits(await search('anything', '--fingerprint', repeats.value.slice(0, 8)));
    expect(ranges(listed)).toEqual(runs);
  });

  test('--after reads the statement time, not the file time', async () => {
    const times = truth
      .map((e) => e.at)
      .filter((t): t is number => t !== null)
      .sort((a, b) => a - b);
    const middle = times[Math.floor(times.length / 2)]!;
    const expected = truthRanges((e) => e.at !== null && e.at >= middle);
    expect(expected.length).toBeLessThan(truth.length);
    const got = hits(await search('select', '--after', new Date(middle).toISOString()));
    // The .sql file has no statement times: it is never "after" anything.
    expect(ranges(got)).toEqual(expected);
  });

  test('a .sql file: one hit per statement with its lines; human output shows duration, time, fingerprint', async () => {
    const got = hits(
      await ragctl('search', '--engine', 'sql', '--json', '-k', '1000', '--path', '*.sql', 'customers'),
    );
    // A comment before a statement is part of its entry.
    expect(ranges(got)).toEqual(['1-2', '4-4', '5-7']);
    const insert = got.find((h) => h.start_line === 4)!;
    expect(insert.metadata).toMatchObject({
      type: 'insert',
      tables: ['customers'],
      duration_ms: null,
      at: null,
    });
    expect(insert.text).toContain("'Ada'");

    const slow = truth.find((e) => e.durationMs !== null && e.durationMs >= 20 && e.fingerprint)!;
    const human = await search('pgbench accounts', '--min-time', '20');
    expect(human.code, human.stderr).toBe(0);
    const text = await ragctl(
      'search',
      '--engine',
      'sql',
      '-k',
      '1000',
      '--mode',
      'vector',
      '--min-time',
      '20',
      'x',
    );
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`${slow.durationMs} ms`);
    expect(text.stdout).toContain(new Date(slow.at!).toISOString().replace('T', ' '));
    expect(text.stdout).toContain(`fp ${slow.fingerprint!.slice(0, 8)}`);
  });
});
