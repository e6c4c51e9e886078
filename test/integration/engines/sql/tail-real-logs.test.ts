import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readTail, type TailPiece, type TailResume } from '../../../../src/engines/sql/tail.js';
import type { SqlSourceKind } from '../../../../src/engines/sql/types.js';
import { findMariadb, type MariadbWorkload, runMariadbWorkload } from '../../../helpers/mariadb-server.js';
import { findPostgres, type PgWorkload, runPgWorkload } from '../../../helpers/pg-server.js';

/**
 * Logs written by real servers, read as a live log is: in pieces cut anywhere (mid-line,
 * mid-entry, between a statement and its duration, inside a multi-line record), each read going
 * on from the last checkpoint, and once more at the end. The entries must be exactly those of
 * one read of the whole file: none twice, none lost, each with its own lines, session, database
 * and place in the numbering (which makes the chunk ids).
 */

const pg = findPostgres();
const maria = findMariadb();
if (pg.reason) console.warn(`tail-real-logs.test.ts: PostgreSQL part skipped: ${pg.reason}`);
if (maria.reason) console.warn(`tail-real-logs.test.ts: MariaDB part skipped: ${maria.reason}`);

/** Cuts per log: enough to land inside every kind of unfinished entry the logs hold. */
const CUTS = 40;

interface Seen {
  ordinal: number;
  startLine: number;
  endLine: number;
  text: string;
  session: string | null;
  database: string | null;
  durationMs: number | null;
  params: string[];
}

async function collect(pieces: AsyncIterable<TailPiece>, into: Seen[]): Promise<TailPiece['checkpoint']> {
  let last: TailPiece['checkpoint'] | undefined;
  for await (const piece of pieces) {
    for (const { entry, ordinal } of piece.entries) {
      into.push({
        ordinal,
        startLine: entry.startLine,
        endLine: entry.endLine,
        text: entry.text,
        session: entry.session,
        database: entry.database,
        durationMs: entry.durationMs,
        params: entry.params,
      });
    }
    last = piece.checkpoint;
  }
  return last!;
}

async function* bytesOf(buffer: Buffer, from: number, to: number): AsyncGenerator<Uint8Array> {
  // Small reads, as a stream delivers them: line breaks fall across reads too.
  for (let at = from; at < to; at += 4096) yield buffer.subarray(at, Math.min(to, at + 4096));
}

/** Cut points spread over the file, deterministic, most of them mid-line. */
function cuts(size: number): number[] {
  const out: number[] = [];
  for (let i = 1; i <= CUTS; i++) out.push(Math.floor((size * i) / (CUTS + 1)) + ((i * 7919) % 97));
  return out.filter((c) => c < size);
}

async function expectPiecewiseEqualsWhole(path: string, kind: SqlSourceKind): Promise<void> {
  const buffer = readFileSync(path);
  const whole: Seen[] = [];
  const end = await collect(
    readTail({ path, bytes: bytesOf(buffer, 0, buffer.length), fromOffset: 0, previous: null, final: true }),
    whole,
  );
  expect((end.resume as TailResume).kind).toBe(kind);
  expect(whole.length).toBeGreaterThan(30);
  // Nothing lost: each entry read is yielded or counted as left out (server messages, BEGIN/END).
  const omitted = Object.values(end.omitted ?? {}).reduce((a, b) => a + b, 0);
  expect(omitted).toBeGreaterThan(0);
  expect(whole.length + omitted).toBe((end.resume as TailResume).entries);

  const piecewise: Seen[] = [];
  let offset = 0;
  let previous: TailResume | null = null;
  for (const cut of cuts(buffer.length)) {
    if (cut <= offset) continue;
    const checkpoint = await collect(
      readTail({ path, bytes: bytesOf(buffer, offset, cut), fromOffset: offset, previous, final: false }),
      piecewise,
    );
    // The next read goes on from the start of the unfinished last line: unfinished entries
    // travel in the checkpoint, no whole line is read twice.
    expect(checkpoint.offset).toBeLessThanOrEqual(cut);
    expect(checkpoint.offset === 0 || buffer[checkpoint.offset - 1] === 0x0a).toBe(true);
    expect(buffer.subarray(checkpoint.offset, cut).includes(0x0a)).toBe(false);
    offset = checkpoint.offset;
    previous = checkpoint.resume as TailResume;
  }
  const last = await collect(
    readTail({
      path,
      bytes: bytesOf(buffer, offset, buffer.length),
      fromOffset: offset,
      previous,
      final: true,
    }),
    piecewise,
  );
  // Ordinals number every entry read, left-out ones too: the same numbers, whatever the cuts.
  expect(piecewise.map((e) => e.ordinal)).toEqual(whole.map((e) => e.ordinal));
  expect(last.omitted).toEqual(end.omitted);
  expect((last.resume as TailResume).entries).toBe((end.resume as TailResume).entries);
  const byStart = (list: Seen[]) =>
    [...list].sort((a, b) => a.startLine - b.startLine).map(({ ordinal: _, ...rest }) => rest);
  expect(byStart(piecewise)).toEqual(byStart(whole));
}

describe.skipIf(pg.reason !== null)('PostgreSQL logs read as they grow', () => {
  let work: PgWorkload;
  beforeAll(async () => {
    work = await runPgWorkload(pg.bin!);
  }, 180_000);
  afterAll(async () => {
    await work?.cleanup();
  });

  test('stderr, log_min_duration_statement: interleaved sessions, parse/bind/execute, multi-line', async () => {
    await expectPiecewiseEqualsWhole(work.stderrLog, 'pg-stderr');
  });
  test('stderr, log_statement = all + log_duration: statements held for their duration line', async () => {
    await expectPiecewiseEqualsWhole(work.statementLog, 'pg-stderr');
  });
  test('csvlog: records with quoted line breaks', async () => {
    await expectPiecewiseEqualsWhole(work.csvLog, 'pg-csv');
  });
  test('jsonlog', async () => {
    await expectPiecewiseEqualsWhole(work.jsonLog, 'pg-json');
  });
});

describe.skipIf(maria.reason !== null)('a MariaDB slow log read as it grows', () => {
  let work: MariadbWorkload;
  beforeAll(async () => {
    work = await runMariadbWorkload(maria.bins!);
  }, 180_000);
  afterAll(async () => {
    await work?.cleanup();
  });

  test('records end where the next begins; the database of `use` carries across reads', async () => {
    await expectPiecewiseEqualsWhole(work.slowLog, 'mysql-slow');
  });
  test("general log: multi-line queries and each connection's user and database carry across reads", async () => {
    await expectPiecewiseEqualsWhole(work.generalLog, 'mysql-general');
  });
});
