import { afterEach, describe, expect, it } from 'vitest';
import { parseSlowTime } from '../../../../src/engines/sql/mysql-slow.js';
import { parseLogTime } from '../../../../src/engines/sql/pg-prefix.js';

/**
 * Log times in the zone the server wrote them in. PostgreSQL writes `log_timezone`'s
 * abbreviation, which initdb copies from the system's zone; MariaDB's logs and a PostgreSQL time
 * without a zone are the server's local time, read in this machine's zone. Node reads `TZ` again
 * whenever it is set, so each case sets the machine's zone it describes.
 */
const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

/** One instant, written as four real PostgreSQL 15 servers in four zones logged it. */
const INSTANT = Date.parse('2026-12-07T03:59:46.317Z');

describe('PostgreSQL log times', () => {
  it('reads the zone abbreviations tzdata gives common zones at their offsets', () => {
    process.env.TZ = 'UTC';
    expect(parseLogTime('2026-12-06 22:59:46.317 EST')).toBe(INSTANT);
    expect(parseLogTime('2026-12-07 14:29:46.317 ACDT')).toBe(INSTANT);
    expect(parseLogTime('2026-12-07 12:59:46.317 JST')).toBe(INSTANT);
    expect(parseLogTime('2026-12-07 04:59:46.317 CET')).toBe(INSTANT);
    expect(parseLogTime('2026-12-06 19:59:46.317 PST')).toBe(INSTANT);
    expect(parseLogTime('2026-12-07 06:59:46.317 +03')).toBe(INSTANT);
    expect(parseLogTime('2026-12-07 09:29:46.317 +0530')).toBe(INSTANT);
    expect(parseLogTime('2026-12-07 03:59:46.317 UTC')).toBe(INSTANT);
    // Summer: the daylight abbreviation names its own offset.
    expect(parseLogTime('2026-07-01 12:00:00 EDT')).toBe(Date.parse('2026-07-01T16:00:00Z'));
    expect(parseLogTime('2026-07-01 12:00:00 BST')).toBe(Date.parse('2026-07-01T11:00:00Z'));
  });

  it('reads an abbreviation of several zones as the one this machine is in, else the likelier', () => {
    process.env.TZ = 'UTC';
    expect(parseLogTime('2026-12-07 09:29:46.317 IST')).toBe(INSTANT); // India
    expect(parseLogTime('2026-12-06 21:59:46.317 CST')).toBe(INSTANT); // US Central
    process.env.TZ = 'Asia/Jerusalem';
    expect(parseLogTime('2026-12-07 05:59:46.317 IST')).toBe(INSTANT);
    process.env.TZ = 'Europe/Dublin';
    expect(parseLogTime('2026-07-01 13:00:00 IST')).toBe(Date.parse('2026-07-01T12:00:00Z'));
    process.env.TZ = 'Asia/Shanghai';
    expect(parseLogTime('2026-12-07 11:59:46.317 CST')).toBe(INSTANT);
    process.env.TZ = 'Asia/Manila';
    expect(parseLogTime('2026-12-07 11:59:46.317 PST')).toBe(INSTANT);
  });

  it("reads an unknown abbreviation, or none, in this machine's zone", () => {
    process.env.TZ = 'America/Sao_Paulo';
    expect(parseLogTime('2026-12-07 00:59:46.317 XYZT')).toBe(INSTANT);
    expect(parseLogTime('2026-12-07 00:59:46.317')).toBe(INSTANT);
    // A word after the time is not a zone.
    expect(parseLogTime('2026-12-07 00:59:46.317 postgres@shop')).toBe(INSTANT);
    expect(parseLogTime('2026-13-07 00:59:46')).toBeNull();
  });
});

describe('MariaDB log times', () => {
  it("reads the old format in this machine's zone, and MySQL's UTC times as UTC", () => {
    process.env.TZ = 'America/New_York';
    expect(parseSlowTime('261206 22:59:46')).toBe(Date.parse('2026-12-07T03:59:46Z'));
    expect(parseSlowTime('260701  8:00:00')).toBe(Date.parse('2026-07-01T12:00:00Z'));
    expect(parseSlowTime('2026-12-07T03:59:46.317000Z')).toBe(INSTANT);
  });
});
