/**
 * PostgreSQL stderr lines: `<log_line_prefix><SEVERITY>:  <message>`. The prefix is either
 * given (the server's `log_line_prefix`, compiled to a pattern) or read by heuristics that
 * know the common escapes' shapes (`%m`/`%t` times, `[%p]`, `user=%u`, `db=%d`, `%u@%d`).
 */

export interface PrefixFields {
  at: number | null;
  pid: string | null;
  user: string | null;
  database: string | null;
}

export interface PgLine extends PrefixFields {
  severity: string;
  message: string;
}

const SEVERITIES =
  'LOG|ERROR|WARNING|FATAL|PANIC|DETAIL|HINT|STATEMENT|CONTEXT|NOTICE|INFO|DEBUG[1-5]?|QUERY|LOCATION';

/**
 * A prefix longer than this is not a prefix: it keeps the lazy scan for the severity word
 * from running across a long garbage line.
 */
const MAX_PREFIX_CHARS = 400;

const HEURISTIC = new RegExp(`^(.{0,${MAX_PREFIX_CHARS}}?)\\b(${SEVERITIES}):  ?(.*)$`, 's');

const TIME = String.raw`\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?(?: ?(?:[A-Za-z]{1,5}(?![A-Za-z])|[+-]\d\d(?::?\d\d)?))?`;

/** What each escape of log_line_prefix can look like, with the field it fills. */
const ESCAPES: Record<string, string> = {
  a: '.*?',
  u: '(?<user>[^\\s]*?)',
  d: '(?<database>[^\\s]*?)',
  r: '\\S*?',
  h: '\\S*?',
  b: '.*?',
  p: '(?<pid>\\d+)',
  P: '\\d*',
  t: `(?<at>${TIME})`,
  m: `(?<at>${TIME})`,
  n: '(?<epoch>\\d+(?:\\.\\d+)?)',
  i: '.*?',
  e: '[0-9A-Z]{5}',
  c: '[0-9a-f]+\\.[0-9a-f]+',
  l: '\\d+',
  s: TIME,
  v: '[^\\s]*?',
  x: '\\d+',
  Q: '-?\\d+',
};

/** Compiles a `log_line_prefix` setting to a pattern for whole lines. */
export function compilePrefix(prefix: string): RegExp {
  let pattern = '';
  let optionalOpen = false;
  const seen = new Set<string>();
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix[i]!;
    if (ch !== '%') {
      pattern += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    // Padding (`%-10u`) only adds spaces around the value.
    let j = i + 1;
    while (j < prefix.length && /[-\d]/.test(prefix[j]!)) j++;
    const esc = prefix[j] ?? '';
    const padded = j > i + 1;
    i = j;
    if (padded) pattern += ' *';
    if (esc === '%') pattern += '%';
    else if (esc === 'q') {
      // Non-session processes (checkpointer, postmaster) stop the prefix here.
      pattern += '(?:';
      optionalOpen = true;
    } else {
      let piece = ESCAPES[esc] ?? '.*?';
      // A named group may appear once per pattern; later repeats only need to match.
      piece = piece.replace(/\(\?<(\w+)>/g, (m, name: string) => {
        if (seen.has(name)) return '(?:';
        seen.add(name);
        return m;
      });
      pattern += `${piece} *`;
    }
  }
  if (optionalOpen) pattern += ')?';
  return new RegExp(`^${pattern}(?<severity>${SEVERITIES}):  ?(?<message>.*)$`, 's');
}

/**
 * The abbreviations tzdata gives the zones PostgreSQL writes `log_timezone` in (initdb copies the
 * system's zone, so a laptop's log says EST, IST or AEDT): minutes east of UTC. Where one names
 * several (IST: India, Israel, Ireland's summer), the first is the likelier and the machine's own
 * zone decides (`zoneOffset`). Zones tzdata names by number (`+03`, `-0330`) need no entry.
 */
const ZONES: Readonly<Record<string, readonly number[]>> = Object.freeze({
  UTC: [0],
  UT: [0],
  GMT: [0],
  Z: [0],
  WET: [0],
  WEST: [60],
  BST: [60],
  IST: [330, 120, 60],
  CET: [60],
  CEST: [120],
  MET: [60],
  MEST: [120],
  EET: [120],
  EEST: [180],
  MSK: [180],
  WAT: [60],
  CAT: [120],
  SAST: [120],
  EAT: [180],
  IDT: [180],
  PKT: [300],
  WIB: [420],
  WITA: [480],
  WIT: [540],
  HKT: [480],
  AWST: [480],
  JST: [540],
  KST: [540],
  ACST: [570],
  ACDT: [630],
  AEST: [600],
  AEDT: [660],
  CHST: [600],
  NZST: [720],
  NZDT: [780],
  SST: [-660],
  HST: [-600],
  HDT: [-540],
  AKST: [-540],
  AKDT: [-480],
  PST: [-480, 480],
  PDT: [-420],
  MST: [-420],
  MDT: [-360],
  CST: [-360, 480, -300],
  CDT: [-300, -240],
  EST: [-300],
  EDT: [-240],
  AST: [-240],
  ADT: [-180],
  NST: [-210],
  NDT: [-150],
});

/** `2026-12-07T03:59:46` read at `minutes` east of UTC. */
function atOffset(wall: string, minutes: number): number {
  return Date.parse(`${wall}Z`) - minutes * 60_000;
}

/** Whether this machine's own zone is `minutes` east of UTC at that wall time. */
function isLocalOffset(wall: string, minutes: number): boolean {
  return -new Date(atOffset(wall, minutes)).getTimezoneOffset() === minutes;
}

/**
 * Minutes east of UTC for an abbreviation: the one it names, or of those it may name the one
 * this machine's zone has then; an abbreviation tzdata does not use here is this machine's zone
 * (the server that wrote the log is most often the machine reading it).
 */
function zoneOffset(wall: string, abbreviation: string): number {
  const offsets = ZONES[abbreviation.toUpperCase()];
  if (offsets?.length === 1) return offsets[0]!;
  const local = -new Date(Date.parse(wall)).getTimezoneOffset();
  if (!offsets) return local;
  return offsets.find((minutes) => isLocalOffset(wall, minutes)) ?? offsets[0]!;
}

/**
 * A log time as milliseconds since the epoch: at its numeric offset or zone abbreviation, and
 * with neither (a server writing its local time) in this machine's zone.
 */
export function parseLogTime(text: string): number | null {
  const m =
    /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(?: ?([A-Za-z]{1,5}(?![A-Za-z])|[+-]\d\d(?::?\d\d)?))?/.exec(
      text,
    );
  if (!m) return null;
  const wall = `${m[1]}T${m[2]}`;
  const z = m[3];
  if (Number.isNaN(Date.parse(`${wall}Z`))) return null;
  if (!z) return Date.parse(wall);
  if (/^[+-]/.test(z)) {
    const zone = z.length === 3 ? `${z}:00` : z.includes(':') ? z : `${z.slice(0, 3)}:${z.slice(3)}`;
    const ms = Date.parse(`${wall}${zone}`);
    return Number.isNaN(ms) ? null : ms;
  }
  return atOffset(wall, zoneOffset(wall, z));
}

function unknownToNull(value: string | undefined): string | null {
  if (value === undefined || value === '' || value === '[unknown]') return null;
  return value;
}

/** Reads one line with a configured prefix pattern; null when the line is not a log line. */
export function matchConfigured(pattern: RegExp, line: string): PgLine | null {
  const m = pattern.exec(line);
  if (!m?.groups) return null;
  const g = m.groups;
  const at = g.at ? parseLogTime(g.at) : g.epoch ? Math.round(Number(g.epoch) * 1000) : null;
  return {
    at,
    pid: unknownToNull(g.pid),
    user: unknownToNull(g.user),
    database: unknownToNull(g.database),
    severity: g.severity!,
    message: g.message ?? '',
  };
}

/**
 * `%u@%d` in a prefix, between the separators prefixes put around escapes: spaces (`%m [%p]
 * %u@%d `), colons (Amazon RDS's `%t:%r:%u@%d:[%p]:`, whose `%r` is `host(port)`) and brackets.
 */
const USER_AT_DB = /(?:^|[\s:\]])([^\s:@[\]()]+)@([^\s:@[\]()]+)(?=[\s:[]|$)/;

/** Reads one line whose prefix is unknown, by the shapes of the common escapes. */
export function matchHeuristic(line: string): PgLine | null {
  const m = HEURISTIC.exec(line);
  if (!m) return null;
  const prefix = m[1]!;
  const fields: PrefixFields = { at: null, pid: null, user: null, database: null };
  const time = new RegExp(TIME).exec(prefix);
  if (time) fields.at = parseLogTime(time[0]);
  const pid = /\[(\d+)(?:-\d+)?\]/.exec(prefix) ?? /\bpid=(\d+)/.exec(prefix);
  if (pid) fields.pid = pid[1]!;
  const user = /\buser=([^,\s]+)/.exec(prefix);
  const db = /\b(?:db|database)=([^,\s]+)/.exec(prefix);
  if (user || db) {
    fields.user = unknownToNull(user?.[1]);
    fields.database = unknownToNull(db?.[1]);
  } else {
    const at = USER_AT_DB.exec(prefix);
    if (at) {
      fields.user = unknownToNull(at[1]);
      fields.database = unknownToNull(at[2]);
    }
  }
  return { ...fields, severity: m[2]!, message: m[3]! };
}
