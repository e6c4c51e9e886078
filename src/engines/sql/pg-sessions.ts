import { blankEntry } from './lines.js';
import type { PgReport, ReportSource } from './pg-report.js';
import type { ReaderSnapshot, SqlEntry, SqlLogReader, SqlSourceKind } from './types.js';

interface SessionsSnapshot {
  reports: unknown;
  sessions: [string, Session][];
}

/**
 * Sessions whose last statement may still get a follow-up (a bare `duration:` line, an
 * error, an `execute` for its `parse`/`bind`). Past this many the oldest is emitted as it
 * is: a server with more live backends than this is rare, and memory stays bounded.
 */
const MAX_OPEN_SESSIONS = 10_000;

/** `parse`/`bind` reports one session may hold while waiting for their `execute`. */
const MAX_PRELUDES = 64;

const STATEMENT_LINE =
  /^(?:duration: (?<ms>\d+(?:\.\d+)?) ms {2})?(?<kind>statement|parse|bind|execute(?: fetch from)?)(?: (?<name>[^:\s]+))?: (?<sql>[\s\S]*)$/;
const BARE_DURATION = /^duration: (?<ms>\d+(?:\.\d+)?) ms$/;
/** auto_explain's report of a statement it explained: its run time, then the plan. */
const PLAN_REPORT = /^duration: (?<ms>\d+(?:\.\d+)?) ms {2}plan:\n(?<plan>[\s\S]*)$/;
/**
 * A node's line of a text-format plan: `Seq Scan on orders  (cost=0.00..70.00 rows=1120 width=0)`,
 * with `log_analyze` `(actual time=…)`; or what auto_explain writes between the query and the
 * plan. The query text (which may span lines) ends before the first such line.
 */
const PLAN_START = /\((?:cost=|actual )|^Query (?:Parameters|Identifier):/;
const PARAMS = /\$(\d+) = (NULL|'(?:[^']|'')*'?)/g;

interface Session {
  /** A statement logged before it ran (`log_statement`), waiting for its duration or error. */
  held: SqlEntry | null;
  preludes: PgReport[];
}

/**
 * Joins PostgreSQL reports into statement entries by backend pid, as sessions interleave:
 * `parse`/`bind` with their `execute`, a `statement:` with the bare `duration:` that follows
 * it, an `ERROR:` with its `STATEMENT:` (and with the same statement logged before it).
 */
export class PgSessionReader implements SqlLogReader {
  readonly source: SqlSourceKind;
  #reports: ReportSource;
  #sessions = new Map<string, Session>();

  constructor(source: SqlSourceKind, reports: ReportSource) {
    this.source = source;
    this.#reports = reports;
  }

  push(line: string, lineNo: number): SqlEntry[] {
    const out: SqlEntry[] = [];
    for (const report of this.#reports.push(line, lineNo)) this.#take(report, out);
    return out;
  }

  finish(): SqlEntry[] {
    const out: SqlEntry[] = [];
    for (const report of this.#reports.finish()) this.#take(report, out);
    for (const key of [...this.#sessions.keys()]) this.#close(key, out);
    return out;
  }

  pendingFrom(): number | null {
    let first = this.#reports.pendingFrom();
    for (const s of this.#sessions.values()) {
      const starts = [s.held?.startLine, s.preludes[0]?.startLine].filter(
        (n): n is number => n !== undefined,
      );
      for (const n of starts) if (first === null || n < first) first = n;
    }
    return first;
  }

  snapshot(): ReaderSnapshot {
    // Copies: the reader goes on extending held entries after a checkpoint is taken.
    return {
      reports: this.#reports.snapshot(),
      sessions: structuredClone([...this.#sessions]),
    } satisfies SessionsSnapshot;
  }

  restore(snapshot: ReaderSnapshot): void {
    const s = snapshot as SessionsSnapshot;
    this.#reports.restore(s.reports);
    this.#sessions = new Map(structuredClone(s.sessions));
  }

  #take(report: PgReport, out: SqlEntry[]): void {
    const key = report.pid ?? '';
    if (report.severity === null) {
      out.push(this.#notSql(report, 'not a PostgreSQL log line'));
      return;
    }
    if (report.severity === 'ERROR' || report.severity === 'FATAL' || report.severity === 'PANIC') {
      this.#error(key, report, out);
      return;
    }
    const plan = PLAN_REPORT.exec(report.message)?.groups;
    if (plan) {
      this.#plan(key, report, Number(plan.ms), plan.plan!, out);
      return;
    }
    const stmt = STATEMENT_LINE.exec(report.message)?.groups;
    if (stmt) {
      this.#statement(key, report, stmt, out);
      return;
    }
    const bare = BARE_DURATION.exec(report.message)?.groups;
    const session = this.#sessions.get(key);
    if (bare && session?.held && session.held.durationMs === null) {
      merge(session.held, report);
      session.held.durationMs = Number(bare.ms);
      out.push(session.held);
      session.held = null;
      this.#forgetIfIdle(key);
      return;
    }
    if (bare) {
      // log_duration with the extended protocol: the parse and bind of the next execute log
      // bare durations before it does; that execute takes them.
      const s = this.#session(key, out);
      if (s.preludes.length >= MAX_PRELUDES) out.push(this.#fromReports([s.preludes.shift()!]));
      s.preludes.push(report);
      return;
    }
    if (report.message.startsWith('disconnection:')) this.#close(key, out);
    out.push(this.#notSql(report, null));
  }

  #statement(key: string, report: PgReport, g: Record<string, string | undefined>, out: SqlEntry[]): void {
    const kind = g.kind!;
    const session = this.#session(key, out);
    if (kind === 'parse' || kind === 'bind') {
      if (session.preludes.length >= MAX_PRELUDES) out.push(this.#fromReports([session.preludes.shift()!]));
      session.preludes.push(report);
      return;
    }
    // The plan auto_explain logged as the statement ended, before the statement's own line.
    const planned =
      session.held?.extra.planOnly && sameStatement(session.held.statement, g.sql) ? session.held : null;
    if (planned) session.held = null;
    this.#flushHeld(session, out);
    // An execute takes the parse/bind of its own statement name; others stay for theirs.
    const mine = session.preludes.filter(
      (p) => BARE_DURATION.test(p.message) || (kind !== 'statement' && preparedName(p) === (g.name ?? '')),
    );
    session.preludes = session.preludes.filter((p) => !mine.includes(p));
    const entry = this.#fromReports([...mine, report]);
    if (planned) {
      entry.plan = planned.plan;
      entry.startLine = Math.min(entry.startLine, planned.startLine);
      entry.text = `${planned.text}\n${entry.text}`;
    }
    if (g.ms !== undefined) {
      out.push(entry);
      this.#forgetIfIdle(key);
    } else {
      session.held = entry;
    }
  }

  /**
   * An auto_explain report. Its statement may have been logged before it ran (`log_statement`):
   * that entry takes the plan. Else the plan's query is the statement, held in case the
   * statement's own line follows (`log_min_duration_statement` logs it after the plan), which
   * then takes the plan instead: one entry per run either way.
   */
  #plan(key: string, report: PgReport, ms: number, plan: string, out: SqlEntry[]): void {
    const { query, nodes } = readPlan(plan);
    const session = this.#session(key, out);
    const held = session.held;
    if (held && held.plan === null && query !== null && sameStatement(held.statement, query)) {
      merge(held, report);
      held.plan = nodes;
      held.extra.planMs = ms;
      return;
    }
    this.#flushHeld(session, out);
    const entry = reportEntry(this.source, report);
    entry.plan = nodes;
    entry.durationMs = ms;
    if (query === null) {
      entry.readStatus = 'not-sql';
      entry.readNote = 'a plan without its query text';
      out.push(entry);
      this.#forgetIfIdle(key);
      return;
    }
    entry.statement = query;
    entry.extra.planOnly = 1;
    session.held = entry;
  }

  #error(key: string, report: PgReport, out: SqlEntry[]): void {
    const session = this.#sessions.get(key);
    if (report.statement !== null && session?.held && session.held.statement === report.statement) {
      merge(session.held, report);
      session.held.error = report.message;
      out.push(session.held);
      session.held = null;
      this.#forgetIfIdle(key);
      return;
    }
    if (session) this.#flushHeld(session, out);
    const entry = reportEntry(this.source, report);
    entry.error = report.message;
    entry.statement = report.statement;
    if (report.statement === null) {
      entry.readStatus = 'not-sql';
      entry.readNote = 'an error without a statement';
      // With the default log_min_error_statement (ERROR) every failed statement is logged with
      // its STATEMENT line; an error without one is the server's or a connection's (a failed
      // login, a cancelled autovacuum, a backend terminated at shutdown).
      entry.isServerMessage = true;
    } else if (report.cut) {
      entry.readStatus = 'truncated';
      entry.readNote = 'a log line was cut at its length limit';
    }
    out.push(entry);
  }

  /** One statement entry from an execute/statement report and the parse/bind reports before it. */
  #fromReports(reports: PgReport[]): SqlEntry {
    const last = reports[reports.length - 1]!;
    const entry = reportEntry(this.source, last);
    entry.startLine = reports[0]!.startLine;
    entry.text = reports.map((r) => r.raw).join('\n');
    const g = STATEMENT_LINE.exec(last.message)?.groups ?? {};
    entry.statement = g.sql ?? null;
    entry.durationMs = g.ms === undefined ? null : Number(g.ms);
    if (entry.statement === null) {
      // A bare `duration:` no execute took (log_duration without log_statement logs only these).
      entry.readStatus = 'not-sql';
      entry.readNote = 'a duration without its statement';
      entry.isServerMessage = true;
    }
    if (g.name) entry.extra.prepared = g.name;
    const kind = g.kind ?? 'statement';
    if (kind !== 'statement') entry.extra.protocol = kind;
    for (const r of reports.slice(0, -1)) {
      const p = STATEMENT_LINE.exec(r.message)?.groups;
      if (p?.ms !== undefined) entry.extra[`${p.kind}Ms`] = Number(p.ms);
      const bare = BARE_DURATION.exec(r.message)?.groups;
      if (bare) entry.extra.parseBindMs = Number(entry.extra.parseBindMs ?? 0) + Number(bare.ms);
    }
    const withParams = [...reports].reverse().find((r) => r.detail?.startsWith('parameters: '));
    if (withParams) entry.params = parseParams(withParams.detail!);
    if (reports.some((r) => r.cut)) {
      entry.readStatus = 'truncated';
      entry.readNote = 'a log line was cut at its length limit';
    }
    return entry;
  }

  #notSql(report: PgReport, note: string | null): SqlEntry {
    const entry = reportEntry(this.source, report);
    entry.readStatus = 'not-sql';
    entry.readNote = note;
    // A line the format recognised (it has a severity) that is no statement is the server's own
    // report; one it did not recognise stays searchable text, as garbage may be a statement's
    // remains and a stray `.log` read as stderr is all such lines.
    entry.isServerMessage = report.severity !== null;
    if (report.severity !== null && report.severity !== 'LOG') entry.error = report.message;
    return entry;
  }

  #session(key: string, out: SqlEntry[]): Session {
    let s = this.#sessions.get(key);
    if (!s) {
      if (this.#sessions.size >= MAX_OPEN_SESSIONS) this.#close(this.#sessions.keys().next().value!, out);
      s = { held: null, preludes: [] };
      this.#sessions.set(key, s);
    }
    return s;
  }

  #flushHeld(session: Session, out: SqlEntry[]): void {
    const held = session.held;
    if (held) {
      // Logged before it ran, explained, and no duration line after (log_duration off).
      if (held.durationMs === null && typeof held.extra.planMs === 'number')
        held.durationMs = held.extra.planMs;
      delete held.extra.planOnly;
      out.push(held);
    }
    session.held = null;
  }

  #close(key: string, out: SqlEntry[]): void {
    const s = this.#sessions.get(key);
    if (!s) return;
    this.#flushHeld(s, out);
    for (const p of s.preludes) out.push(this.#fromReports([p]));
    this.#sessions.delete(key);
  }

  #forgetIfIdle(key: string): void {
    const s = this.#sessions.get(key);
    if (s && s.held === null && s.preludes.length === 0) this.#sessions.delete(key);
  }
}

function reportEntry(source: SqlSourceKind, r: PgReport): SqlEntry {
  const entry = blankEntry(source, r.startLine, r.endLine, r.raw);
  entry.at = r.at;
  entry.session = r.pid;
  entry.user = r.user;
  entry.database = r.database;
  return entry;
}

/** A later report of the same statement (its duration, its error) extends the entry. */
function merge(entry: SqlEntry, r: PgReport): void {
  entry.endLine = Math.max(entry.endLine, r.endLine);
  entry.text += `\n${r.raw}`;
}

function preparedName(r: PgReport): string {
  return STATEMENT_LINE.exec(r.message)?.groups?.name ?? '';
}

/** Whether two texts are one statement, as a log and auto_explain write it (blanks, a final `;`). */
function sameStatement(a: string | null, b: string | null | undefined): boolean {
  if (a === null || b === null || b === undefined) return false;
  const bare = (sql: string) =>
    sql
      .replace(/\s+/g, ' ')
      .replace(/[\s;]+$/, '')
      .trim();
  return bare(a) === bare(b);
}

/**
 * An auto_explain plan read: `query` is `"Query Text"` of a JSON plan, else the text after
 * `Query Text: ` up to the plan's first node (text format; YAML's is quoted), null when the plan
 * names none (XML, or `log_verbose` off in a format this does not read); `nodes` the plan
 * without a text-format plan's `Query Text:` lines before them.
 */
function readPlan(plan: string): { query: string | null; nodes: string } {
  const trimmed = plan.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      const query = (JSON.parse(trimmed) as Record<string, unknown>)['Query Text'];
      return { query: typeof query === 'string' ? query : null, nodes: plan };
    } catch {
      return { query: null, nodes: plan };
    }
  }
  const lines = plan.split('\n');
  const first = /^Query Text: ?(.*)$/.exec(lines[0] ?? '');
  if (!first) return { query: null, nodes: plan };
  const start = planStart(lines);
  const nodes = /^Query Text: /.test(lines[0]!) ? lines.slice(start).join('\n') : plan;
  const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(first[1]!);
  if (quoted) return { query: quoted[1]!.replace(/\\(.)/g, '$1'), nodes };
  return { query: [first[1]!, ...lines.slice(1, start)].join('\n'), nodes };
}

/** Where a text-format plan's nodes start; without a node line to tell (costs off), after the first. */
function planStart(lines: readonly string[]): number {
  const at = lines.findIndex((line, i) => i > 0 && PLAN_START.test(line));
  return at < 0 ? 1 : at;
}

/** `parameters: $1 = '5', $2 = NULL` → `['5', null→'NULL']`, by position. */
export function parseParams(detail: string): string[] {
  const params: string[] = [];
  for (const m of detail.matchAll(PARAMS)) {
    const raw = m[2]!;
    const value =
      raw === 'NULL' ? 'NULL' : raw.slice(1, raw.endsWith("'") && raw.length > 1 ? -1 : undefined);
    params[Number(m[1]) - 1] = value.replaceAll("''", "'");
  }
  return Array.from(params, (p) => p ?? '');
}
