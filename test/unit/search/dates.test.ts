import { describe, expect, it } from 'vitest';
import { DATE_PATTERN, parseDate } from '../../../src/search/dates.js';

describe('parseDate (every date of every search parameter)', () => {
  const now = Date.UTC(2024, 4, 10, 12);

  it('reads dates as UTC midnight and date-times with their offset', () => {
    expect(parseDate('2024-05-01', now)).toBe(Date.UTC(2024, 4, 1));
    expect(parseDate('2024-05-01T09:30:00Z', now)).toBe(Date.UTC(2024, 4, 1, 9, 30));
    expect(parseDate('2024-05-01T09:30+02:00', now)).toBe(Date.UTC(2024, 4, 1, 7, 30));
    expect(parseDate('2024-05-01T09:30:00.250-01:00', now)).toBe(Date.UTC(2024, 4, 1, 10, 30, 0, 250));
    expect(parseDate('2024-02-29', now)).toBe(Date.UTC(2024, 1, 29));
  });

  it('reads ages back from now', () => {
    expect(parseDate('7d', now)).toBe(now - 7 * 86_400_000);
    expect(parseDate('12h', now)).toBe(now - 12 * 3_600_000);
    expect(parseDate('30m', now)).toBe(now - 30 * 60_000);
    expect(parseDate('0d', now)).toBe(now);
  });

  it('refuses what is not on the calendar, lacks a zone, or is not a date at all', () => {
    for (const text of [
      '2023-02-29',
      '2024-02-31',
      '2024-13-01',
      '2024-05-01T25:00Z',
      '2024-05-01T09:30:00',
      '2024-05-01 09:30Z',
      '1714550400000',
      'last tuesday',
      '7 weeks',
      '7y',
      '-7d',
      '',
    ]) {
      expect(parseDate(text, now), text).toBeNaN();
    }
  });

  it('has a pattern JSON Schema can carry, which admits every readable date', () => {
    for (const text of ['2024-05-01', '2024-05-01T09:30Z', '7d', '12 h']) {
      expect(DATE_PATTERN.test(text), text).toBe(true);
      expect(parseDate(text, now), text).not.toBeNaN();
    }
    // The pattern is syntax only; the calendar check is the refinement on top of it.
    expect(DATE_PATTERN.test('2024-02-31')).toBe(true);
  });
});
