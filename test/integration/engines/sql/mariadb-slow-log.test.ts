import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SqlAnalyzer } from '../../../../src/engines/sql/analyze.js';
import { detectKind } from '../../../../src/engines/sql/readers.js';
import type { AnalyzedSqlEntry } from '../../../../src/engines/sql/types.js';
import { findMariadb, type MariadbWorkload, runMariadbWorkload } from '../../../helpers/mariadb-server.js';
import { forMysql, loadFamilies } from '../../../helpers/sql-families.js';
import { bare, readLogFile } from '../../../helpers/sql-read.js';

const maria = findMariadb();
if (maria.reason) console.warn(`mariadb-slow-log.test.ts skipped: ${maria.reason}`);

describe.skipIf(maria.reason !== null).each([
  { verbosity: undefined, label: 'long_query_time = 0' },
  // Each record's EXPLAIN as `# explain:` header lines between bare `#` lines.
  {
    verbosity: 'query_plan,explain',
    label: "long_query_time = 0, log_slow_verbosity = 'query_plan,explain'",
  },
])('MariaDB slow log written by a real server ($label)', ({ verbosity }) => {
  let work: MariadbWorkload;
  let analyzer: SqlAnalyzer;
  let entries: AnalyzedSqlEntry[];
  const fixture = loadFamilies();

  beforeAll(async () => {
    analyzer = await SqlAnalyzer.create();
    work = await runMariadbWorkload(maria.bins!, { slowVerbosity: verbosity });
    entries = await readLogFile(analyzer, work.slowLog, 'mysql-slow');
  });
  afterAll(async () => {
    await work?.cleanup();
  });

  test('every line of the log is in exactly one entry, whose range starts and ends on its own lines', () => {
    const lines = readFileSync(work.slowLog, 'utf8').replace(/\n$/, '').split('\n');
    let next = 1;
    for (const e of entries) {
      expect(e.startLine).toBe(next);
      expect(lines.slice(e.startLine - 1, e.endLine).join('\n')).toBe(e.text);
      next = e.endLine + 1;
    }
    expect(next - 1).toBe(lines.length);
    expect(detectKind(work.slowLog, lines.slice(0, 50).join('\n')).kind).toBe('mysql-slow');
    // The server's start banner is kept, as not-SQL.
    expect(entries[0]!.parseStatus).toBe('not-sql');
    expect(entries[0]!.text).toMatch(/started with:/);
  });

  test('the point lookups: one entry each, with duration, time, user, schema and row counts', () => {
    const lookups = entries.filter((e) => /^SELECT kind FROM events WHERE id = \d+$/.test(e.statement ?? ''));
    expect(lookups).toHaveLength(work.lookups);
    const ids = lookups.map((e) => Number(/\d+$/.exec(e.statement!)![0]));
    expect(ids).toEqual(Array.from({ length: work.lookups }, (_, i) => i + 1));
    const prints = new Set(lookups.map((e) => e.fingerprint));
    expect(prints.size).toBe(1);
    for (const e of lookups) {
      expect(e.durationMs).toBeGreaterThan(0);
      expect(e.at).toBeGreaterThan(Date.now() - 10 * 60_000);
      expect(e.user).toBe('root');
      expect(e.database).toBe('test');
      expect(e.session).toMatch(/^\d+$/);
      expect(e.extra.rowsSent).toBe(1);
      expect(e.extra.rowsExamined).toBe(1);
      expect(e.parseStatus).toBe('ok');
      expect(e.fingerprintBy).toBe('node-sql-parser');
      expect(e.tables).toEqual(['events']);
      expect(e.statementType).toBe('select');
      // The statement alone: no `SET timestamp`, no explain rows in what is fingerprinted.
      expect(e.normalized?.replaceAll('`', '')).toMatch(/^SELECT kind FROM events WHERE id = \?$/);
      if (verbosity)
        expect(e.plan).toMatch(/^id\tselect_type\ttable\t[^\n]*\n1\tSIMPLE\tevents\tconst\tPRIMARY/);
      else expect(e.plan).toBeNull();
    }
  });

  test('a session with no default database has none, not the last one named', () => {
    const e = entries.find((x) => bare(x.statement) === work.withoutDatabase);
    expect(e?.text).toMatch(/Schema: {2,}QC_hit/);
    expect(e?.database).toBeNull();
    expect(e?.tables).toEqual(['test.events']);
  });

  test("the error log beside it is the server's messages: counted, none indexed", async () => {
    const head = readFileSync(work.errorLog, 'utf8');
    expect(detectKind(work.errorLog, head)).toEqual({ kind: 'mysql-error', sure: true });
    const messages = await readLogFile(analyzer, work.errorLog, 'mysql-error');
    expect(messages.length).toBeGreaterThan(5);
    expect(messages.every((m) => m.isServerMessage)).toBe(true);
  });

  test('query families: each spelling found, one fingerprint per family, distinct across families', () => {
    const fingerprints = new Set<string>();
    for (const family of fixture.families) {
      const found = family.spellings.map((s) => entries.find((e) => bare(e.statement) === forMysql(s)));
      for (const [i, e] of found.entries()) {
        expect(e, `${family.name} spelling ${i}`).toBeDefined();
        expect(['ok', 'partial']).toContain(e!.parseStatus);
        expect(e!.durationMs).toBeGreaterThan(0);
        expect(e!.tables.length, `${family.name} ${i}`).toBeGreaterThan(0);
      }
      const prints = new Set(found.map((e) => e!.fingerprint));
      expect(prints.size, `${family.name}: ${found.map((e) => e!.normalized).join(' | ')}`).toBe(1);
      fingerprints.add([...prints][0]!);
    }
    expect(fingerprints.size).toBe(fixture.families.length);
    // The gap in node-sql-parser's grammar is bridged on purpose, and said so.
    const fetch = entries.find((e) => /fetch first 10 rows only/i.test(e.statement ?? ''));
    expect(fetch!.parseStatus).toBe('partial');
    expect(fetch!.parseNote).toMatch(/FETCH FIRST/);
  });

  test('the real log cut inside a multi-line statement: that record is truncated, the ones before read as before', async () => {
    const multi = entries.find((e) => bare(e.statement) === forMysql(fixture.families[0]!.spellings[2]!))!;
    const lines = readFileSync(work.slowLog, 'utf8').split('\n');
    const path = join(work.dir, 'cut.log');
    writeFileSync(path, lines.slice(0, multi.endLine - 2).join('\n'));
    const cut = await readLogFile(analyzer, path, 'mysql-slow');
    expect(cut.slice(0, -1)).toEqual(entries.filter((e) => e.endLine < multi.startLine));
    expect(cut.at(-1)).toMatchObject({
      startLine: multi.startLine,
      parseStatus: 'truncated',
      durationMs: multi.durationMs,
    });
  });
});
