import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SqlAnalyzer } from '../../../../src/engines/sql/analyze.js';
import { detectKind } from '../../../../src/engines/sql/readers.js';
import type { AnalyzedSqlEntry } from '../../../../src/engines/sql/types.js';
import {
  findPostgres,
  PG_PREFIX_DURATION,
  PG_PREFIX_STATEMENT,
  type PgWorkload,
  runPgWorkload,
} from '../../../helpers/pg-server.js';
import { loadFamilies } from '../../../helpers/sql-families.js';
import { bare, readLogFile } from '../../../helpers/sql-read.js';

const pg = findPostgres();
if (pg.reason) console.warn(`pg-server-logs.test.ts skipped: ${pg.reason}`);

const PGBENCH_SELECT = 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;';

describe.skipIf(pg.reason !== null)('PostgreSQL logs written by a real server', () => {
  let work: PgWorkload;
  let analyzer: SqlAnalyzer;
  const fixture = loadFamilies();

  beforeAll(async () => {
    analyzer = await SqlAnalyzer.create();
    work = await runPgWorkload(pg.bin!);
  });
  afterAll(async () => {
    await work?.cleanup();
  });

  /** Every line of the file lies in exactly one entry, and each entry's range starts and ends on its own text. */
  function expectLinesAccountedFor(path: string, entries: AnalyzedSqlEntry[]): void {
    const lines = readFileSync(path, 'utf8').replace(/\n$/, '').split('\n');
    for (const e of entries) {
      const text = e.text.split('\n');
      expect(lines[e.startLine - 1]).toBe(text[0]);
      expect(lines[e.endLine - 1]).toBe(text[text.length - 1]);
      for (const t of text) {
        // The entry's lines, found at or after its start (other sessions' lines may lie between).
        const at = lines.indexOf(t, e.startLine - 1);
        expect(at).toBeGreaterThanOrEqual(e.startLine - 1);
        expect(at).toBeLessThanOrEqual(e.endLine - 1);
      }
      // Joined by backend: every line of an entry is its own session's.
      if (e.session !== null) {
        // A line that starts a report (stderr, csv) names its pid.
        for (const t of text.filter((l) => /^\d{4}-\d\d-\d\d /.test(l))) {
          expect(t).toMatch(new RegExp(`\\[${e.session}\\]|,${e.session},`));
        }
        if (e.source === 'pg-json') for (const t of text) expect(t).toContain(`"pid":${e.session},`);
      }
    }
    const textLines = entries.reduce((n, e) => n + e.text.split('\n').length, 0);
    expect(textLines).toBe(lines.length);
  }

  function expectFamilies(entries: AnalyzedSqlEntry[], withDurations: boolean): void {
    const fingerprints = new Set<string>();
    for (const family of fixture.families) {
      const found = family.spellings.map((s) => entries.find((e) => bare(e.statement) === s));
      for (const [i, e] of found.entries()) {
        expect(e, `${family.name} spelling ${i}`).toBeDefined();
        expect(e!.parseStatus).toBe('ok');
        expect(e!.fingerprintBy).toBe('libpg-query');
        expect(e!.user).toBe('postgres');
        expect(e!.database).toBe('postgres');
        expect(e!.at).toBeGreaterThan(Date.now() - 10 * 60_000);
        if (withDurations)
          expect(e!.durationMs ?? 0, `${family.name} ${i} duration ${e!.text}`).toBeGreaterThan(0);
        expect(e!.tables.length, `${family.name} ${i} tables ${e!.text}`).toBeGreaterThan(0);
      }
      const prints = new Set(found.map((e) => e!.fingerprint));
      expect(prints.size, `${family.name}: one fingerprint for all spellings`).toBe(1);
      fingerprints.add([...prints][0]!);
    }
    expect(fingerprints.size, 'different families, different fingerprints').toBe(fixture.families.length);
    const failing = entries.find((e) => bare(e.statement) === fixture.failing.postgresql);
    expect(failing?.error).toContain('no_such_table');
  }

  test('stderr with log_min_duration_statement = 0: statements, durations, $n parameters, line ranges', async () => {
    const entries = await readLogFile(analyzer, work.stderrLog, 'pg-stderr');
    expectLinesAccountedFor(work.stderrLog, entries);
    expectFamilies(entries, true);

    const selects = entries.filter((e) => e.statement === PGBENCH_SELECT && e.extra.protocol === 'execute');
    expect(work.pgbench.processed).toBe(work.pgbench.clients * work.pgbench.transactionsPerClient);
    expect(selects).toHaveLength(work.pgbench.processed);
    const literal = analyzer.analyze('select abalance from pgbench_accounts where aid = 4711', 'postgresql');
    for (const e of selects) {
      expect(e.params).toHaveLength(1);
      expect(e.params[0]).toMatch(/^\d+$/);
      expect(e.durationMs).toBeGreaterThan(0);
      expect(e.fingerprint).toBe(literal.fingerprint);
      expect(e.tables).toEqual(['pgbench_accounts']);
      expect(e.statementType).toBe('select');
    }
    // The first execute of each backend carries its parse and bind; later ones their bind.
    expect(selects.filter((e) => e.extra.parseMs !== undefined)).toHaveLength(work.pgbench.clients);
    expect(selects.every((e) => typeof e.extra.bindMs === 'number')).toBe(true);
    const updates = entries.filter(
      (e) => e.statementType === 'update' && e.tables.includes('pgbench_accounts'),
    );
    expect(updates).toHaveLength(work.pgbench.processed);
    expect(updates.every((e) => e.params.length === 2)).toBe(true);

    const multiLine = entries.find((e) => bare(e.statement) === fixture.families[0]!.spellings[2]);
    expect(multiLine!.endLine - multiLine!.startLine).toBe(4);
  });

  test('each file is recognised by its name and first lines', () => {
    const head = (path: string) => readFileSync(path, 'utf8').slice(0, 64 * 1024);
    expect(detectKind(work.stderrLog, head(work.stderrLog)).kind).toBe('pg-stderr');
    expect(detectKind(work.statementLog, head(work.statementLog)).kind).toBe('pg-stderr');
    expect(detectKind(work.csvLog, head(work.csvLog)).kind).toBe('pg-csv');
    expect(detectKind(work.jsonLog, head(work.jsonLog)).kind).toBe('pg-json');
    expect(detectKind(work.dumpFile, head(work.dumpFile)).kind).toBe('sql-file');
  });

  test('a configured log_line_prefix reads the same as the detected one', async () => {
    const detected = await readLogFile(analyzer, work.stderrLog, 'pg-stderr');
    const configured = await readLogFile(analyzer, work.stderrLog, 'pg-stderr', {
      logLinePrefix: PG_PREFIX_DURATION,
    });
    expect(configured).toEqual(detected);
  });

  test('csvlog and jsonlog give the same statements, durations and parameters as stderr', async () => {
    const key = (e: AnalyzedSqlEntry) =>
      JSON.stringify([e.statement, e.durationMs, e.params, e.session, e.fingerprint]);
    const stderr = (await readLogFile(analyzer, work.stderrLog, 'pg-stderr')).filter(
      (e) => e.statement !== null,
    );
    for (const [path, kind] of [
      [work.csvLog, 'pg-csv'],
      [work.jsonLog, 'pg-json'],
    ] as const) {
      const entries = await readLogFile(analyzer, path, kind);
      expectLinesAccountedFor(path, entries);
      expectFamilies(entries, true);
      // Sessions interleave, so entries may complete in another order; the set must match.
      const got = entries
        .filter((e) => e.statement !== null)
        .map(key)
        .sort();
      expect(got, kind).toEqual(stderr.map(key).sort());
    }
  });

  test('log_statement = all with log_duration: bare duration lines joined to their statement', async () => {
    for (const logLinePrefix of [undefined, PG_PREFIX_STATEMENT]) {
      const entries = await readLogFile(analyzer, work.statementLog, 'pg-stderr', { logLinePrefix });
      expectLinesAccountedFor(work.statementLog, entries);
      expectFamilies(entries, true);
      // No duration is left over as an entry of its own.
      expect(
        entries
          .filter((e) => e.statement === null && / duration: [\d.]+ ms$/.test(e.text))
          .map((e) => e.text),
      ).toEqual([]);
      const selects = entries.filter((e) => e.statement === PGBENCH_SELECT);
      expect(selects).toHaveLength(3);
      for (const e of selects) {
        expect(e.params).toHaveLength(1);
        expect(e.durationMs).toBeGreaterThan(0);
        expect(e.endLine).toBeGreaterThan(e.startLine);
      }
    }
  });

  test('a pg_dump file: statements split right, COPY data blocks whole, dollar-quoted bodies intact', async () => {
    const entries = await readLogFile(analyzer, work.dumpFile, 'sql-file');
    const lines = readFileSync(work.dumpFile, 'utf8').split('\n');
    for (const e of entries) {
      expect(e.text.startsWith(lines[e.startLine - 1]!.trimStart())).toBe(true);
      if (e.parseStatus !== 'not-sql') expect(e.parseStatus, e.text.slice(0, 200)).toBe('ok');
    }
    const copies = new Map(
      entries.filter((e) => e.statementType === 'copy').map((e) => [e.tables[0], e.extra.copyRows]),
    );
    expect(copies.get('public.pgbench_accounts')).toBe(100_000);
    expect(copies.get('public.pgbench_branches')).toBe(1);
    expect(copies.get('public.events')).toBe(500);
    for (const e of entries.filter((x) => x.statementType === 'copy'))
      expect(lines[e.endLine - 1]).toBe('\\.');
    const fn = entries.find((e) => e.statementType === 'create function');
    // pg_dump writes the body with `$$`; the `;` inside it (also in its comment) do not split it.
    expect(fn?.statement).toMatch(/AS \$\$ BEGIN -- one; two\n {2}RETURN i \+ 1; END; \$\$$/);
    // What pg_dump writes besides statements (its header comments) is kept as not-SQL.
    expect(entries[0]!.parseStatus).toBe('not-sql');
  });

  test('the real log damaged (binary garbage, a cut line, cut mid-statement at the end): the rest reads as before', async () => {
    const intact = await readLogFile(analyzer, work.stderrLog, 'pg-stderr');
    const text = readFileSync(work.stderrLog);
    const lines = text.toString('utf8').replace(/\n$/, '').split('\n');
    const multiLine = intact.find((e) => bare(e.statement) === fixture.families[0]!.spellings[2])!;
    // Keep everything up to the multi-line statement's second line: the file ends inside it.
    const keep = lines.slice(0, multiLine.startLine + 1);
    const damageAt = Math.floor(keep.length / 2);
    const garbage = Buffer.from(
      Array.from({ length: 5000 }, (_, k) => (k * 37 + 11) % 256).filter((b) => b !== 10),
    );
    const damaged = Buffer.concat([
      Buffer.from(`${keep.slice(0, damageAt).join('\n')}\n`),
      garbage,
      Buffer.from(`\n${keep[damageAt]!.slice(0, 40)}\n${keep.slice(damageAt + 1).join('\n')}`),
    ]);
    const path = join(work.dir, 'damaged.log');
    writeFileSync(path, damaged);
    const entries = await readLogFile(analyzer, path, 'pg-stderr');
    const strip = (e: AnalyzedSqlEntry) => ({ ...e, text: '' });
    // Entries wholly before the damage are read exactly as from the intact file.
    const before = (list: AnalyzedSqlEntry[]) => list.filter((e) => e.endLine < damageAt).map(strip);
    expect(before(entries)).toEqual(before(intact));
    const junk = entries.filter((e) => e.startLine === damageAt + 1);
    expect(junk.map((e) => e.parseStatus)).toEqual(['not-sql']);
    // The garbage line shifts every later line by one.
    const last = entries.find((e) => e.startLine === multiLine.startLine + 1);
    expect(last?.statement).toBe('SELECT id,\n       at, -- when it happened');
    expect(last?.parseStatus).toBe('truncated');
    expect(entries.reduce((n, e) => n + e.text.split('\n').length, 0)).toBe(keep.length + 1);
  });
});
