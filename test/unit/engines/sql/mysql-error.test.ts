import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { leftOutAs } from '../../../../src/engines/sql/left-out.js';
import { readAll } from '../../../../src/engines/sql/lines.js';
import { createReader, detectKind } from '../../../../src/engines/sql/readers.js';

/** A real MariaDB 10.11 error log, from the server's start (test/fixtures/sql/live/README.md). */
const LOG = readFileSync(new URL('../../../fixtures/sql/live/mariadb-error.txt', import.meta.url), 'utf8');

describe('MariaDB/MySQL error log', () => {
  test('is told apart from the other logs of its folder, and every message is a server message', () => {
    expect(detectKind('/var/log/mysql/error.log', LOG).kind).toBe('mysql-error');
    const entries = readAll(createReader('mysql-error'), LOG);
    // One entry per timestamped message; the `Version: …` line continues `ready for connections`.
    const messages = LOG.split('\n').filter((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \d+ \[/.test(l));
    expect(entries).toHaveLength(messages.length);
    expect(entries.every((e) => e.isServerMessage && e.statement === null)).toBe(true);
    expect(entries.map((e) => leftOutAs(e))).toEqual(entries.map(() => 'server message'));
    const ready = entries.find((e) => e.text.includes('ready for connections'))!;
    expect(ready.text).toMatch(/ready for connections\.\nVersion: '10\.11/);
    // Every line is in exactly one entry.
    const lines = LOG.replace(/\n$/, '').split('\n').length;
    expect(entries.reduce((n, e) => n + e.endLine - e.startLine + 1, 0)).toBe(lines);
  });

  test("MySQL 8's message lines, and a line no message starts, which is indexed as read", () => {
    const mysql8 = [
      'stray line before any message',
      '2024-03-01T10:00:00.123456Z 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.36) starting as process 1',
      '2024-03-01T10:00:01.000000Z 0 [Warning] [MY-010068] [Server] CA certificate ca.pem is self signed.',
    ].join('\n');
    expect(detectKind('/var/log/mysql/error.log', mysql8).kind).toBe('mysql-error');
    const entries = readAll(createReader('mysql-error'), mysql8);
    expect(entries.map((e) => [e.startLine, e.isServerMessage])).toEqual([
      [1, false],
      [2, true],
      [3, true],
    ]);
  });

  test('MariaDB 10.11 before 10 a.m.: the hour padded with a space', () => {
    // The first lines of a real 10.11 error log written at 06:25.
    const early = [
      '2026-12-07  6:25:19 0 [Note] Starting MariaDB 10.11.19-MariaDB-0+deb12u1-log source revision 5843d8475120241667a7ce0f8a1abb6c9b43a273 server_uid DDZGjTOKc7Ta2YNNK5sOhfpPEGE= as process 10209',
      '2026-12-07  6:25:19 0 [Note] InnoDB: Compressed tables use zlib 1.2.13',
    ].join('\n');
    expect(detectKind('/var/log/mysql/error.log', early)).toEqual({ kind: 'mysql-error', sure: true });
    const entries = readAll(createReader('mysql-error'), early);
    expect(entries.map((e) => [e.startLine, e.isServerMessage])).toEqual([
      [1, true],
      [2, true],
    ]);
  });
});
