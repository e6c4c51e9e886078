import { MatchQuery, Operator, type Table, type VectorQuery } from '@lancedb/lancedb';
import type { Table as ArrowTable, Vector } from 'apache-arrow';
import { RagError } from '../errors.js';
import { definesOrInPackage, type ExactOrder, exactExplanation, withExactFirst } from './exact-first.js';
import { withFileEvidence } from './file-evidence.js';
import { withRankDown } from './rank-down.js';
import type { StoreTuning } from './tuning.js';
import {
  CHUNK_COLUMNS as C,
  type Collapse,
  type ExactTerm,
  type FusionExplanation,
  type HitExplanation,
  type LegTimings,
  MAX_CHUNKS_READ,
  type SearchHit,
  type SearchRequest,
  type StoredChunk,
} from './types.js';
import {
  and,
  fieldWhere,
  filterWhere,
  MEMBER_NAME,
  nameWhere,
  not,
  sqlString,
  UNSPACED_SCRIPTS,
} from './where.js';

/** What a hit is made of; the vector and hashes stay on disk. */
const HIT_COLUMNS = [
  C.id,
  C.path,
  C.root,
  C.engine,
  C.headingPath,
  C.startLine,
  C.endLine,
  C.text,
  C.mtimeMs,
  C.metadata,
];

/**
 * With an IVF_PQ index, this many times k candidates are re-ranked by exact cosine
 * distance: PQ distances are approximate, and the score we report must be the real one.
 */
const REFINE_FACTOR = 10;

/**
 * Rounds a collapsed search runs at most. Each leaves out every value found so far, so a log
 * where one statement shape fills a round's candidates gives way to the next shapes in the next.
 */
const COLLAPSE_ROUNDS = 4;

/**
 * Reads of one search before its answer is taken as it is: commits land seconds apart, so a
 * second read all but always sees one version; a third covers a burst of small ones.
 */
const CONSISTENT_READ_ATTEMPTS = 3;

export interface SearchTarget {
  table: Table;
  dimension: number;
  tuning: StoreTuning;
  /** Whether an ANN index exists (then candidates are refined). */
  vectorIndexed: boolean;
}

/**
 * One search over one chunk table. Filters go into each leg's `where`, which LanceDB
 * applies before ranking (prefilter), so k matching rows come back even when rows that the
 * filter excludes would rank higher. In hybrid mode the full-text leg also leaves out the rows
 * its table's mapper names (`hybridTextSkip`: the code table's class summaries, module code and
 * imports), and the rows its mapper ranks down (`hybridRankDown`: test files) lose a share of
 * their fused score.
 */
export async function searchChunks(target: SearchTarget, request: SearchRequest): Promise<SearchHit[]> {
  const { k } = request;
  if (!Number.isInteger(k) || k < 1)
    throw new RagError('E_USAGE', `search: k must be a positive integer, got ${k}`);
  const once = () =>
    request.collapse ? searchCollapsed(target, request, request.collapse) : searchOnce(target, request);
  // Each of a search's reads sees the table's latest version when it starts. A commit landing
  // between them (a file renamed: its new rows in, its old rows out) would let one leg find the
  // old name and another the new: one search showing both. Read again when the version moved;
  // every read between two equal versions saw that version.
  for (let attempt = 1; ; attempt++) {
    const version = await target.table.version();
    const hits = await once();
    if (attempt === CONSISTENT_READ_ATTEMPTS || (await target.table.version()) === version) return hits;
  }
}

/**
 * Rounds of search that fold the rows of one `collapse` value into its best hit, until k
 * distinct hits are found. A round asks for as many candidates as hybrid's pool (one-leg modes
 * too), so that a value repeated more often than k does not fill the list alone; each later round
 * leaves out the values and rows already found, and its hits rank below the earlier rounds' (its
 * rows were in neither leg's candidates before). A round that finds nothing new ends the search.
 */
async function searchCollapsed(
  target: SearchTarget,
  request: SearchRequest,
  collapse: Collapse,
): Promise<SearchHit[]> {
  const { k, mode } = request;
  const pool = Math.max(k * target.tuning.candidateFactor, target.tuning.candidateMinimum);
  const kept: SearchHit[] = [];
  const byValue = new Map<string, SearchHit>();
  const loneIds: string[] = [];
  for (let round = 0; round < COLLAPSE_ROUNDS && kept.length < k; round++) {
    const found = [
      { column: collapse.column, values: [...byValue.keys()] },
      { column: C.id, values: loneIds },
    ];
    const hits = await searchOnce(target, {
      ...request,
      // Hybrid ranks its whole pool when asked for every candidate; one leg ranks what it is asked for.
      k: mode === 'hybrid' ? k : pool,
      candidates: mode === 'hybrid' || request.candidates,
      filter: { ...request.filter, notAmong: [...(request.filter?.notAmong ?? []), ...found] },
    });
    const floor = kept.at(-1)?.score ?? Number.POSITIVE_INFINITY;
    const before = kept.length;
    for (const hit of hits) {
      const raw = hit.metadata[collapse.key];
      const value = typeof raw === 'string' && raw !== '' ? raw : undefined;
      const first = value === undefined ? undefined : byValue.get(value);
      if (first) {
        first.repeats = { count: (first.repeats?.count ?? 0) + 1, filter: collapse.filter, value: value! };
        if (round === 0) foldLegs(first, hit);
        continue;
      }
      // A later round's scores are normalised over its own candidates: kept below the earlier ones'.
      const ranked = round > 0 ? deeper(hit, floor, round * pool) : { ...hit };
      if (value === undefined) loneIds.push(hit.id);
      else byValue.set(value, ranked);
      kept.push(ranked);
    }
    if (kept.length === before) break;
  }
  if (request.candidates) return kept;
  const top = kept.slice(0, k);
  return request.explain ? top : top.map(({ explain: _explain, ...hit }) => hit);
}

/**
 * A row folded into the hit that shows its value: each leg of the hit's explanation becomes the
 * nearer of the two, so that it tells where the value stood in that leg, as a merge of engines
 * reads it (a log's many runs of one statement tie, and which of them is shown is arbitrary).
 */
function foldLegs(shown: SearchHit, folded: SearchHit): void {
  const [e, f] = [shown.explain, folded.explain];
  if (!e || !f) return;
  const vector = f.vector && (!e.vector || f.vector.rank < e.vector.rank) ? f.vector : e.vector;
  const text = f.text && (!e.text || f.text.rank < e.text.rank) ? f.text : e.text;
  shown.explain = { ...e, vector, text };
}

/**
 * A hit of a later round of `searchCollapsed`: at most `floor`, and its legs' ranks past the
 * `earlier` candidates of each leg that the earlier rounds read, all of which were nearer
 * (a merge of engines takes the ranks past a table's scale as nothing, as the table did).
 */
function deeper(hit: SearchHit, floor: number, earlier: number): SearchHit {
  const e = hit.explain;
  const explain = e && {
    ...e,
    vector: e.vector && { ...e.vector, rank: e.vector.rank + earlier },
    text: e.text && { ...e.text, rank: e.text.rank + earlier },
  };
  return { ...hit, score: Math.min(hit.score, floor), ...(explain ? { explain } : {}) };
}

async function searchOnce(target: SearchTarget, request: SearchRequest): Promise<SearchHit[]> {
  const { k, mode } = request;
  const wanted = k + (request.spare ?? 0);
  const where = filterWhere(request.filter);
  const text = request.query.trim();
  // Every candidate goes back for a merge across tables, which fuses them again from each
  // leg's raw score (`explain`), so it needs both.
  const explain = request.explain === true || request.candidates === true;

  const timed = legTimer(request.timings);
  const exact = request.exact;
  if (mode === 'text') {
    const found = text === '' ? [] : await timed('textMs', textLeg(target.table, text, where, wanted));
    const { hits, ...order } = withExactFirst(found, exact);
    const filters = { where, textWhere: where, exact, order };
    return explain ? explained(hits, { text: found }, filters) : hits;
  }

  if (!request.vector) throw new RagError('E_USAGE', `search: ${mode} mode needs the query's embedding`);
  const vector = request.vector;
  if (mode === 'vector') {
    const checked = checkVector(await vector, target.dimension);
    const hits = await timed('vectorMs', vectorLeg(target, checked, where, wanted));
    return explain ? explained(hits, { vector: hits }, { where, textWhere: where }) : hits;
  }

  const pool = Math.max(k * target.tuning.candidateFactor, target.tuning.candidateMinimum);
  const skip = request.hybridTextSkip;
  const textWhere = skip ? and(where, not(fieldWhere(skip))) : where;
  // Both legs end before either's failure is thrown: nothing keeps reading after the search failed.
  const [byVector, byText] = await bothLegs(
    Promise.resolve(vector).then((v) =>
      timed('vectorMs', vectorLeg(target, checkVector(v, target.dimension), where, pool)),
    ),
    text === '' ? Promise.resolve([]) : timed('textMs', textLeg(target.table, text, textWhere, pool)),
  );
  const vectorWeight = request.vectorWeight ?? target.tuning.hybridVectorWeight;
  const fileWeight = target.tuning.fileEvidenceWeight;
  // Each leg's first `depth` set its scale, whatever k; a text leg shorter than that holds every
  // chunk that matches: below its last is BM25's 0.
  const depth = target.tuning.candidateMinimum;
  const scale = {
    textFloor: byText.length < depth ? 0 : undefined,
    vectorScale: byVector.slice(0, depth),
    textScale: byText.slice(0, depth),
  };
  const fused = fuseRelativeScores(byVector, byText, vectorWeight, Number.POSITIVE_INFINITY, scale);
  const rankDown = request.hybridRankDown;
  const lowered = withRankDown(fused, rankDown, text);
  const { hits: evidenced, evidence } = withFileEvidence(lowered, fileWeight);
  const ranked = await withNamed(target.table, evidenced, request, where);
  // Candidates for a merge of engines are put in order there, over all tables at once.
  const named = request.candidates ? undefined : exact;
  const { hits: ordered, ...order } = withExactFirst(ranked, named);
  const hits = request.candidates ? ordered : ordered.slice(0, wanted);
  if (!explain) return hits;
  const normalized = {
    vector: normalizedScores(byVector, undefined, scale.vectorScale),
    text: normalizedScores(byText, scale.textFloor, scale.textScale),
  };
  const fusedScores = new Map(evidenced.map((h) => [h.id, h.score]));
  const filters = { where, textWhere, exact: named, order };
  return explained(hits, { vector: byVector, text: byText }, filters, (hit) => ({
    method: 'relative-score',
    weights: { vector: vectorWeight, text: 1 - vectorWeight },
    normalized: {
      vector: normalized.vector.get(hit.id) ?? null,
      text: normalized.text.get(hit.id) ?? null,
    },
    file: { weight: fileWeight, evidence: evidence.get(hit.id) ?? 0 },
    pool,
    scale: depth,
    ...(hit.rankedDown !== undefined
      ? { rankDown: hit.rankedDown, rankDownFor: hit.rankedDownFor ?? [] }
      : {}),
    ...capped(fusedScores.get(hit.id), hit.score),
  }));
}

/** `FusionExplanation.capped`, where the hit's place kept its score below what fusion gave it. */
function capped(fused: number | undefined, score: number): { capped?: number } {
  return fused !== undefined && fused > score ? { capped: fused } : {};
}

/** Rows read for one identifier by their qualified name (`nameWhere`), at most. */
const NAMED_ROWS = 20;

/**
 * A one-identifier (or one-word) query's fused candidates, and before them the rows defining it
 * that neither leg found, read by their qualified name (`SearchRequest.nameColumn`):
 * `withExactFirst` puts the definers first. Without them a class summary, which the full-text leg
 * leaves out, was a candidate only when its vector was near the bare name, and a type one of
 * dozens of rows sharing its name's words (Rust's `struct Span` among every `span()`), not even then.
 */
async function withNamed(
  table: Table,
  fused: SearchHit[],
  request: SearchRequest,
  where: string | undefined,
): Promise<SearchHit[]> {
  const exact = request.exact;
  if (!exact || exact.phrase || !request.nameColumn) return fused;
  // One word may be only a word: what defines it as typed (`Span`, `session`), not `span`.
  const [rows, outlines] = await Promise.all([
    table
      .query()
      .where(and(where, nameWhere(request.nameColumn, exact.term, exact.soft))!)
      .select([...HIT_COLUMNS])
      .limit(NAMED_ROWS)
      .toArrow(),
    exact.soft ? undefined : outlinesHolding(table, exact.term, request.hybridTextSkip, where),
  ]);
  // The definition the query asks for: at the best candidate's score, so that the definers put
  // first do not pull every later hit's score down with them. One the legs found too, deep in
  // them (a larger k reads deeper), scores no less: its place must not depend on k.
  const best = fused[0]?.score ?? 0;
  const read = [rows, ...(outlines ? [outlines] : [])].flatMap((t) => hitsFrom(t, () => () => best));
  const named = new Map(
    read.filter((h) => definesOrInPackage(h, exact.term)).map((h) => [h.id, { ...h, named: true as const }]),
  );
  if (!named.size) return fused;
  const lifted = fused.map((h) => {
    const found = named.get(h.id);
    if (!found) return h;
    named.delete(h.id);
    return { ...h, named: true as const, score: Math.max(h.score, best) };
  });
  return [...named.values(), ...lifted];
}

/**
 * The rows hybrid's full-text leg leaves out (`hybridTextSkip`: the code table's class and enum
 * outlines) that hold an unqualified identifier, by the full-text index: an enum's member
 * (`BEGIN_ARRAY` in Java's `enum JsonToken`) is written nowhere else it is defined, and an
 * outline reached the search through its vector only, which is seldom near one constant's name.
 */
async function outlinesHolding(
  table: Table,
  term: string,
  skip: SearchRequest['hybridTextSkip'],
  where: string | undefined,
): Promise<ArrowTable | undefined> {
  if (!skip || !MEMBER_NAME.test(term)) return undefined;
  return (
    table
      .query()
      // Every word of it (`END_OBJECT` is `end` and `object` to the index), as the line will hold it.
      .fullTextSearch(new MatchQuery(term, C.text, { operator: Operator.And }))
      .where(and(where, fieldWhere(skip))!)
      .select([...HIT_COLUMNS, '_score'])
      .limit(OUTLINE_ROWS)
      .toArrow()
  );
}

/** Outlines read for one unqualified identifier (`outlinesHolding`), at most. */
const OUTLINE_ROWS = 10;

/** Both legs' hits; a failure is thrown only once both have ended. */
async function bothLegs(
  byVector: Promise<SearchHit[]>,
  byText: Promise<SearchHit[]>,
): Promise<[SearchHit[], SearchHit[]]> {
  const [v, t] = await Promise.allSettled([byVector, byText]);
  if (v.status === 'rejected') throw v.reason;
  if (t.status === 'rejected') throw t.reason;
  return [v.value, t.value];
}

/** Adds how long a leg took to `timings`, when the caller asked for them. */
function legTimer(timings: LegTimings | undefined) {
  return async <T>(leg: keyof LegTimings, work: Promise<T>): Promise<T> => {
    if (!timings) return work;
    const started = performance.now();
    try {
      return await work;
    } finally {
      timings[leg] += performance.now() - started;
    }
  };
}

/**
 * The hits with `explain` attached: each leg's rank and raw score of the hit (from the legs'
 * candidate lists, so nothing is asked of LanceDB again), the fusion's inputs, and the filters
 * (`textWhere`: the full-text leg's, said only where it is not `where`).
 */
function explained(
  hits: readonly SearchHit[],
  legs: { vector?: readonly SearchHit[]; text?: readonly SearchHit[] },
  filters: {
    where: string | undefined;
    textWhere: string | undefined;
    exact?: ExactTerm | undefined;
    order?: Omit<ExactOrder, 'hits'>;
  },
  fusion: (hit: SearchHit) => FusionExplanation | null = () => null,
): SearchHit[] {
  const { where, textWhere, exact, order } = filters;
  const ranks = (list: readonly SearchHit[] | undefined) =>
    new Map((list ?? []).map((h, i) => [h.id, { rank: i + 1, score: h.score }]));
  const byVector = ranks(legs.vector);
  const byText = ranks(legs.text);
  return hits.map((hit) => {
    const v = byVector.get(hit.id);
    const t = byText.get(hit.id);
    const explain: HitExplanation = {
      // The vector leg's score is 1 − cosine distance (see `vectorLeg`).
      vector: v ? { rank: v.rank, distance: 1 - v.score } : null,
      text: t ? { rank: t.rank, bm25: t.score } : null,
      fusion: fusion(hit),
      where: where ?? null,
      ...(textWhere !== where && textWhere !== undefined ? { textWhere } : {}),
      score: hit.score,
      ...(exact ? { exact: exactExplanation(exact, hit.id, order ?? {}) } : {}),
    };
    return { ...hit, explain };
  });
}

/** Rows matching `where`, read as hits without a score (see `ChunkTableReader.chunks`). */
export async function readChunks(
  table: Table,
  where: string | undefined,
  limit: number,
): Promise<StoredChunk[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CHUNKS_READ)
    throw new RagError(
      'E_USAGE',
      `chunks: limit must be an integer from 1 to ${MAX_CHUNKS_READ}, got ${limit}`,
    );
  let query = table.query().select(HIT_COLUMNS).limit(limit);
  if (where) query = query.where(where);
  return hitsFrom(await query.toArrow(), () => () => 0).map(({ score: _score, ...chunk }) => chunk);
}

function checkVector(vector: Float32Array, dimension: number): Float32Array {
  if (vector.length !== dimension) {
    throw new RagError(
      'E_SCHEMA',
      `search: query vector has ${vector.length} values, the table holds ${dimension}`,
    );
  }
  return vector;
}

/**
 * The vector leg's LanceDB query. Without an ANN index LanceDB compares the query with every
 * row, and its cosine kernel computes each row's norm again on every query, several times the
 * work of its dot product (docs/BENCHMARKS.md, idle search latency). Every embedder writes
 * L2-normalised rows (`Embedder.embed`) and the query comes from the same embedder, so
 * LanceDB's dot distance (1 − q·v) is the cosine distance up to float rounding: the same hits
 * in the same order, save rows that tie within that rounding. An IVF_PQ index was built for
 * cosine, and its query must name the same distance.
 */
export function vectorQuery(
  target: SearchTarget,
  vector: Float32Array,
  where: string | undefined,
  limit: number,
): VectorQuery {
  let query = target.table
    .vectorSearch(vector)
    .column(C.vector)
    .distanceType(target.vectorIndexed ? 'cosine' : 'dot')
    .select([...HIT_COLUMNS, '_distance'])
    .limit(limit);
  if (where) query = query.where(where);
  if (target.vectorIndexed) query = query.refineFactor(REFINE_FACTOR);
  return query;
}

async function vectorLeg(
  target: SearchTarget,
  vector: Float32Array,
  where: string | undefined,
  limit: number,
) {
  const query = vectorQuery(target, vector, where, limit);
  const distance = (t: ArrowTable) => t.getChild('_distance');
  return hitsFrom(await query.toArrow(), (t) => {
    const d = distance(t);
    return (i) => 1 - Number(d?.get(i));
  });
}

async function textLeg(table: Table, text: string, where: string | undefined, limit: number) {
  // A MatchQuery tokenizes the user's text like the indexed text; no query syntax, so
  // quotes, colons or `AND` in a query are just words.
  let query = table
    .query()
    .fullTextSearch(new MatchQuery(text, C.text))
    .select([...HIT_COLUMNS, '_score'])
    .limit(limit);
  if (where) query = query.where(where);
  const matched = hitsFrom(await query.toArrow(), (t) => {
    const s = t.getChild('_score');
    return (i) => Number(s?.get(i));
  });
  const words = unspacedWords(text);
  return words.length
    ? withHolders(matched, await holdersOf(table, words, where, limit), words, limit)
    : matched;
}

/**
 * Chinese, Japanese and Korean write words without spaces between them, and the full-text
 * index splits text at spaces and punctuation only: 新幹線 inside 新幹線の切符は… is part of one
 * long token and never matched. A query's runs of those scripts that are word-sized (up to
 * MAX_UNSPACED_CHARS characters) are looked for in the text itself.
 */
const UNSPACED = new RegExp(`[${UNSPACED_SCRIPTS}ー々]+`, 'gu');
/** Longer runs are sentences (a question), which no chunk holds as written: left to the other legs. */
const MAX_UNSPACED_CHARS = 8;

function unspacedWords(text: string): string[] {
  return [...new Set(text.match(UNSPACED) ?? [])].filter((w) => [...w].length <= MAX_UNSPACED_CHARS);
}

/** Rows whose text holds any of `words`, as written (at most `limit`). */
async function holdersOf(table: Table, words: readonly string[], where: string | undefined, limit: number) {
  const holds = words.map((w) => `strpos(${C.text}, ${sqlString(w)}) > 0`).join(' OR ');
  const rows = await table
    .query()
    .where(and(where, `(${holds})`)!)
    .select(HIT_COLUMNS)
    .limit(limit)
    .toArrow();
  return hitsFrom(rows, () => () => 0);
}

/**
 * The full-text leg with the rows that hold the query's unspaced words: one the index also
 * matched keeps its BM25; another takes the leg's best score (1 without one) times the share of
 * the words it holds, so that holding them counts as matching.
 */
function withHolders(
  matched: SearchHit[],
  holders: SearchHit[],
  words: readonly string[],
  limit: number,
): SearchHit[] {
  const best = matched.reduce((m, h) => Math.max(m, h.score), 0) || 1;
  const seen = new Set(matched.map((h) => h.id));
  const added = holders
    .filter((h) => !seen.has(h.id))
    .map((h) => ({ ...h, score: (best * words.filter((w) => h.text.includes(w)).length) / words.length }));
  return [...matched, ...added].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, limit);
}

/**
 * What sets a leg's min-max scale (`fuseRelativeScores`): `textFloor`, where the text leg holds
 * every chunk that matches (fewer than it sets the scale with), is the score its worst
 * normalises from (BM25's 0 for no match), not to 0: a rare word in two notes gives the second
 * one its share, not none. `vectorScale` / `textScale`: the candidates that set each leg's
 * scale, the leg's whole list when absent.
 */
export interface FusionScale {
  textFloor?: number | undefined;
  vectorScale?: readonly SearchHit[] | undefined;
  textScale?: readonly SearchHit[] | undefined;
}

/**
 * Relative score fusion of one table's two legs: each leg's scores are min-max normalised over
 * the candidates that set its scale (best 1, worst 0; a lone or all-equal candidate 1; a
 * candidate not among them 0, as if the leg had missed it), then
 * `vectorWeight × vector + (1 − vectorWeight) × text`, a leg that missed the hit adding 0.
 *
 * Why a scale of fixed depth: the legs read more candidates for a larger k, and a scale set by
 * all of them moved every score, so `-k 20` ordered the first five hits otherwise than `-k 5`.
 * Candidates tied at 0 (below the scale in both legs) keep the order of their unclamped sums.
 *
 * Why not RRF here: with rrfK 60 and 50 candidates a leg, 1/(60 + rank) hardly changes over the
 * list, so any chunk both legs return — even 50th in both (2/110) — outranks one that a single
 * leg ranks first (1/61). For a question in other words than the docs', the text leg's top is
 * common-word noise, and RRF let that noise push the vector leg's answer down
 * (docs/bench-quality.md: section-level MRR on paraphrases 0.586 vs 0.743 for vector alone).
 * Scores keep the margin: a clear vector winner stays ahead of a chunk middling in both.
 */
export function fuseRelativeScores(
  byVector: readonly SearchHit[],
  byText: readonly SearchHit[],
  vectorWeight: number,
  k: number,
  scale: FusionScale = {},
): SearchHit[] {
  const fused = new Map<string, SearchHit>();
  const unclamped = new Map<string, number>();
  const add = (list: readonly SearchHit[], weight: number, by: readonly SearchHit[], floor?: number) => {
    const { lo, hi } = scaleOf(by, floor);
    const counts = memberOf(list, by);
    for (const hit of list) {
      const raw = scaled(hit.score, lo, hi);
      const contribution = counts(hit) ? weight * Math.max(0, raw) : 0;
      unclamped.set(hit.id, (unclamped.get(hit.id) ?? 0) + weight * raw);
      const seen = fused.get(hit.id);
      if (seen) seen.score += contribution;
      else fused.set(hit.id, { ...hit, score: contribution });
    }
  };
  add(byVector, vectorWeight, scale.vectorScale ?? byVector);
  add(byText, 1 - vectorWeight, scale.textScale ?? byText, scale.textFloor);
  return [...fused.values()]
    .sort(
      (a, b) => b.score - a.score || unclamped.get(b.id)! - unclamped.get(a.id)! || (a.id < b.id ? -1 : 1),
    )
    .slice(0, k);
}

/**
 * A leg's scores min-max normalised as `fuseRelativeScores` does: over `by` (the candidates that
 * set its scale, default all of them), best 1, worst 0 (or from `floor` when given, below the
 * worst), a lone or all-equal candidate 1, a candidate below the scale 0.
 */
export function normalizedScores(
  list: readonly SearchHit[],
  floor?: number,
  by: readonly SearchHit[] = list,
): Map<string, number> {
  const { lo, hi } = scaleOf(by, floor);
  const counts = memberOf(list, by);
  return new Map(list.map((h) => [h.id, counts(h) ? Math.max(0, scaled(h.score, lo, hi)) : 0]));
}

/**
 * Whether a candidate of `list` is among those that set its scale (`by`), all of them when `by`
 * is the list. One past them adds nothing, even tied with the worst of them (a log's runs of one
 * statement, a file of near-identical functions): how many such ties a leg returns depends on k.
 */
function memberOf(list: readonly SearchHit[], by: readonly SearchHit[]): (hit: SearchHit) => boolean {
  if (by === list) return () => true;
  const ids = new Set(by.map((h) => h.id));
  return (hit) => ids.has(hit.id);
}

/**
 * A score on its leg's scale, before the fusion's clamp at 0. A scale of one value (a lone
 * candidate, or a leg whose first candidates all tie, as a log's repeats of one statement do)
 * puts that value at 1 and anything below it at 0.
 */
function scaled(score: number, lo: number, hi: number): number {
  if (hi > lo) return (score - lo) / (hi - lo);
  return score >= hi ? 1 : 0;
}

function scaleOf(by: readonly SearchHit[], floor: number | undefined): { lo: number; hi: number } {
  let lo = floor ?? Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const h of by) {
    lo = Math.min(lo, h.score);
    hi = Math.max(hi, h.score);
  }
  return { lo, hi };
}

/** Reciprocal rank fusion: Σ 1/(rrfK + rank), rank 1-based in each list. */
export function fuseRrf(lists: readonly (readonly SearchHit[])[], rrfK: number, k: number): SearchHit[] {
  const fused = new Map<string, SearchHit>();
  for (const list of lists) {
    list.forEach((hit, index) => {
      const contribution = 1 / (rrfK + index + 1);
      const seen = fused.get(hit.id);
      if (seen) seen.score += contribution;
      else fused.set(hit.id, { ...hit, score: contribution });
    });
  }
  // Ties (a hit first in one list only vs another's) break by id, so results are stable.
  return [...fused.values()].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, k);
}

function hitsFrom(table: ArrowTable, scoreReader: (t: ArrowTable) => (i: number) => number): SearchHit[] {
  // LanceDB returns a table without columns when nothing matched.
  if (table.numRows === 0) return [];
  const col = (name: string) => {
    const c = table.getChild(name);
    if (!c) throw new RagError('E_STORE', `search result lacks column ${name}`);
    return c;
  };
  const [id, path, root, engine, headings, start, end, text, mtime, metadata] = HIT_COLUMNS.map(col) as [
    Vector,
    Vector,
    Vector,
    Vector,
    Vector,
    Vector,
    Vector,
    Vector,
    Vector,
    Vector,
  ];
  const score = scoreReader(table);
  const hits: SearchHit[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    hits[i] = {
      id: id.get(i),
      path: path.get(i),
      root: root.get(i),
      engine: engine.get(i),
      startLine: start.get(i),
      endLine: end.get(i),
      headingPath: Array.from(headings.get(i) as Iterable<string>),
      text: text.get(i),
      score: score(i),
      mtimeMs: mtime.get(i),
      metadata: parseMetadata(metadata.get(i)),
    };
  }
  return hits;
}

function parseMetadata(raw: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch (err) {
    // Mappers write JSON.stringify output, so this is damage on disk; one bad row must not
    // fail the whole search, and the raw text keeps the damage visible.
    return { unparsed: raw, error: String(err) };
  }
}
