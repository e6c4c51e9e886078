/**
 * The one reader of dates in search parameters (`after`, `before`, and engines' `date-*`
 * filters), on the socket and the command line alike:
 * - `YYYY-MM-DD`: midnight UTC of that day;
 * - an ISO 8601 date-time with `Z` or an offset (`2024-05-01T09:30:00+02:00`); one without is
 *   refused rather than read in some time zone;
 * - an age: `7d`, `12h`, `30m` before now.
 */
const INSTANT = String.raw`\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?`;
/** Seven digits of days is 27,000 years: more is a typo, and stays within Date's range. */
const AGE = String.raw`\d{1,7}\s*[dhm]`;

/** The syntax as one regex; JSON Schema can carry it as the parameter's `pattern`. */
export const DATE_PATTERN = new RegExp(`^(?:${INSTANT}|${AGE})$`);

/** What a date parameter accepts, in words, for error messages, `--help` and docs. */
export const DATE_EXPECTS =
  'a date (2024-05-01, UTC), an ISO date-time with Z or an offset (2024-05-01T09:30:00+02:00), or an age (7d, 12h, 30m)';

const AGE_UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;

/** Epoch ms of a date parameter, relative to `now` for ages; NaN when `text` is not one. */
export function parseDate(text: string, now = Date.now()): number {
  if (!DATE_PATTERN.test(text)) return Number.NaN;
  const age = /^(\d+)\s*([dhm])$/.exec(text);
  if (age) return now - Number(age[1]) * AGE_UNIT_MS[age[2] as keyof typeof AGE_UNIT_MS];
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  // V8 reads 2024-02-31 as March 2nd; a date that is not on the calendar is refused instead.
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return Number.NaN;
  }
  return Date.parse(text);
}
