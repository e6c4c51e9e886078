import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SqlAnalyzer } from '../../../../src/engines/sql/analyze.js';
import { sqlChunker } from '../../../../src/engines/sql/chunker.js';
import type { AnalyzedSqlEntry } from '../../../../src/engines/sql/types.js';
import { findPostgres, giveToServer, type PrivatePg, privatePg } from '../../../helpers/pg-server.js';
import { indexedOnly, readLogFile } from '../../../helpers/sql-read.js';

const pg = findPostgres();
if (pg.reason) console.warn(`pg-logging-setups.test.ts skipped: ${pg.reason}`);

/** Amazon RDS's and Aurora's default `log_line_prefix`: fields between colons. */
const RDS_PREFIX = '%t:%r:%u@%d:[%p]:';
/** Sorts 2,000 rows it scans: the plan names the node and the table. */
const SCAN = 'SELECT day, amount FROM daily_sales WHERE amount > 500 ORDER BY amount DESC';
const LOOKUP = 'SELECT amount FROM daily_sales WHERE day = 7';
const RUNS = 3;
const EXPLAIN = {
  session_preload_libraries: 'auto_explain',
  'auto_explain.log_min_duration': '0',
};

/**
 * Logging set-ups beside the README's: the RDS prefix, and auto_explain's plans with and without
 * the statements' own lines. A real server writes each log; the queries run as another role on
 * another database, so user and database are read from the prefix, not guessed.
 */
describe.skipIf(pg.reason !== null)('PostgreSQL logging set-ups people run', () => {
  let server: PrivatePg;
  let analyzer: SqlAnalyzer;
  const logs: Record<'rds' | 'plansOnly' | 'statementFirst' | 'jsonPlans', string> = {
    rds: '',
    plansOnly: '',
    statementFirst: '',
    jsonPlans: '',
  };

  async function runAs(name: keyof typeof logs, settings: Record<string, string>): Promise<void> {
    await server.start({ log_filename: `'${name}'`, ...settings });
    const queries = Array.from({ length: RUNS }, () => `${SCAN};\n${LOOKUP};`).join('\n');
    // One statement a query, as an application sends them (`-c` would send them as one string).
    const file = join(server.dir, `${name}.sql`);
    writeFileSync(file, `${queries}\n`);
    giveToServer(file);
    await server.psql(['-U', 'report', '-d', 'analytics', '-f', file]);
    await server.stop();
    logs[name] = join(server.logDir, name);
  }

  beforeAll(async () => {
    analyzer = await SqlAnalyzer.create();
    server = await privatePg(pg.bin!);
    await server.init();
    await server.start({ log_filename: "'setup'" });
    await server.psql(['-c', 'CREATE ROLE report LOGIN']);
    await server.psql(['-c', 'CREATE DATABASE analytics OWNER report']);
    await server.psql([
      ...['-U', 'report', '-d', 'analytics', '-c'],
      'CREATE TABLE daily_sales AS SELECT g AS day, (g * 37) % 1000 AS amount FROM generate_series(1, 2000) g',
    ]);
    await server.stop();
    await runAs('rds', { log_line_prefix: `'${RDS_PREFIX}'`, log_min_duration_statement: '0', ...EXPLAIN });
    await runAs('plansOnly', {
      log_line_prefix: `'${RDS_PREFIX}'`,
      log_min_duration_statement: '-1',
      ...EXPLAIN,
    });
    await runAs('statementFirst', {
      log_line_prefix: "'%m [%p] %q%u@%d '",
      log_statement: "'all'",
      log_duration: 'on',
      ...EXPLAIN,
    });
    await runAs('jsonPlans', {
      log_line_prefix: "'%m [%p] %q%u@%d '",
      log_min_duration_statement: '-1',
      'auto_explain.log_format': 'json',
      ...EXPLAIN,
    });
  });
  afterAll(async () => {
    await server?.cleanup();
  });

  async function statements(name: keyof typeof logs): Promise<AnalyzedSqlEntry[]> {
    return indexedOnly(await readLogFile(analyzer, logs[name], 'pg-stderr'));
  }

  test('the RDS prefix: user and database from between its colons, each query once', async () => {
    const entries = await statements('rds');
    const scans = entries.filter((e) => e.statement?.startsWith(SCAN));
    const lookups = entries.filter((e) => e.statement?.startsWith(LOOKUP));
    expect(scans).toHaveLength(RUNS);
    expect(lookups).toHaveLength(RUNS);
    for (const e of [...scans, ...lookups]) {
      expect(e.user).toBe('report');
      expect(e.database).toBe('analytics');
      expect(e.at).toBeGreaterThan(Date.now() - 10 * 60_000);
      expect(e.durationMs).toBeGreaterThan(0);
      expect(e.tables).toEqual(['daily_sales']);
    }
    // The plan auto_explain logged before the statement's own line went with it, not beside it.
    for (const e of scans) {
      expect(e.plan).toMatch(/Seq Scan on daily_sales/);
      expect(e.plan).not.toMatch(/Query Text/);
      const duration = /duration: ([\d.]+) ms {2}statement/.exec(e.text);
      expect(e.durationMs).toBe(Number(duration![1]));
    }
  });

  test('auto_explain alone: the slow queries it explained are the statements, with its durations', async () => {
    const text = readFileSync(logs.plansOnly, 'utf8');
    expect(text).not.toMatch(/statement: /);
    const entries = await statements('plansOnly');
    const scans = entries.filter((e) => e.statement?.startsWith(SCAN));
    expect(scans).toHaveLength(RUNS);
    for (const e of scans) {
      expect(e.durationMs).toBe(Number(/duration: ([\d.]+) ms {2}plan:/.exec(e.text)![1]));
      expect(e.user).toBe('report');
      expect(e.plan).toMatch(/Sort Key: daily_sales\.amount DESC|Sort Key: amount DESC/);
    }
  });

  test('log_statement with log_duration: the plan between the statement and its duration joins both', async () => {
    const entries = await statements('statementFirst');
    const scans = entries.filter((e) => e.statement?.startsWith(SCAN));
    expect(scans).toHaveLength(RUNS);
    for (const e of scans) {
      expect(e.plan).toMatch(/Seq Scan on daily_sales/);
      expect(e.text).toMatch(/duration: [\d.]+ ms$/);
      expect(e.durationMs).toBe(Number(/duration: ([\d.]+) ms$/.exec(e.text)![1]));
    }
  });

  test('JSON plans: the query from "Query Text", the plan kept whole', async () => {
    const entries = await statements('jsonPlans');
    const scans = entries.filter((e) => e.statement?.startsWith(SCAN));
    expect(scans).toHaveLength(RUNS);
    for (const e of scans) expect(e.plan).toMatch(/"Node Type": "Seq Scan"/);
  });

  test("a chunk's text holds the plan, so its words find the statement", async () => {
    const text = readFileSync(logs.rds, 'utf8');
    // One chunk an entry: the SQL chunker cuts by entries, not by these limits.
    const limits = {
      maxTokens: 256,
      minTokens: 0,
      tokenizer: { countTokens: (t: string) => t.length, maxTokens: 256 },
    };
    const chunks = await sqlChunker.chunk({ path: logs.rds, text }, limits);
    const scan = chunks.find((c) => c.text.startsWith(SCAN));
    expect(scan?.text).toMatch(/\n-- plan:\n(?:--.*\n)*-- .*Seq Scan on daily_sales/);
    // What is embedded stays the statement's shape, so its vector is shared by every run.
    expect(scan?.embedText).not.toMatch(/Seq Scan/);
    expect(scan?.metadata.user).toBe('report');
  });
});
