import type { Embedder } from '../embed/types.js';
import { BUILTIN_ENGINES, engineOfExtension } from '../engines/default-includes.js';
import type { FilterField, StoreMapper } from '../engines/types.js';
import { isRagError, RagError } from '../errors.js';
import { holdsOrDefines, withExactFirst } from '../store/exact-first.js';
import type {
  ChunkTableReader,
  Collapse,
  ExactTerm,
  FieldFilter,
  Passage,
  RankDown,
  SearchFilter,
  SearchHit,
  SearchMode,
  SearchRequest,
  StoredChunk,
} from '../store/types.js';
import { phraseWords } from '../store/where.js';
import { composed } from '../text-decode.js';
import { FOLD_WINDOW, foldCopies } from './copies.js';
import { parseDate } from './dates.js';
import { identifierOf, oneWordOf, usageOf } from './identifier.js';
import { mergeEngines } from './merge.js';
import { checkSearchParams, describeProblem, type SearchParamsSchema } from './param-specs.js';
import { type FilterValue, type SearchParams, searchParamsSchema } from './params.js';
import { quotedPhrases } from './phrases.js';
import { rerankLate } from './rerank.js';
import type { SearchResult, SearchTimings } from './types.js';

export interface SearchTable {
  engine: string;
  /** Only searched: a reader's read-only table will do. */
  table: ChunkTableReader;
  embedder: Embedder;
  /** The filter fields its mapper declares, beyond those every table has. */
  filters?: readonly FilterField[] | undefined;
  /** The column `after`/`before` read (its mapper's `timeColumn`); default `mtime_ms`. */
  timeColumn?: string | undefined;
  /** Rows its hybrid searches' full-text leg leaves out (its mapper's `hybridTextSkip`). */
  hybridTextSkip?: FieldFilter | undefined;
  /** The column of each row's qualified name (its mapper's `nameColumn`). */
  nameColumn?: string | undefined;
  /** Rows its hybrid searches rank down (its mapper's `hybridRankDown`). */
  hybridRankDown?: readonly RankDown[] | undefined;
  /** Rows its searches show as one hit per value (its mapper's `collapse`). */
  collapse?: Collapse | undefined;
  /** Its hybrid hits may be re-ranked by late interaction (its mapper's `rerank`). */
  rerank?: boolean | undefined;
  /** The passage a row belongs to, shown once (its mapper's `passageOf`). */
  passageOf?: ((row: StoredChunk) => Passage | undefined) | undefined;
}

/** An engine's table to search, with what its mapper declares about searching it. */
export function searchTable(
  engine: string,
  table: ChunkTableReader,
  embedder: Embedder,
  mapper: StoreMapper,
): SearchTable {
  return {
    engine,
    table,
    embedder,
    filters: mapper.filters,
    timeColumn: mapper.timeColumn,
    hybridTextSkip: mapper.hybridTextSkip,
    nameColumn: mapper.nameColumn,
    hybridRankDown: mapper.hybridRankDown,
    collapse: mapper.collapse,
    rerank: mapper.rerank,
    passageOf: mapper.passageOf?.bind(mapper),
  };
}

/**
 * An oversize chunk longer than this is not re-ranked: the late re-ranking reads about 1 kB of
 * it. Oversize code examples below it are, which the held-out corpora measured as better.
 */
const UNREAD_CHUNK_CHARS = 8 * 1024;

/** Words a query needs to be taken as text copied from where it is written (`verbatimOf`). */
const VERBATIM_WORDS = 4;

/**
 * What copied text has and a question in words seldom does: code's punctuation (`Execute()`,
 * `key: value`, quotes, a path) or a name shaped like an identifier (`nil_command`, `getUser`,
 * `os.path`). A sentence of plain words ("lowercases a title and joins its words with dashes")
 * is a description, and a test that restates it word for word must not jump the code it tests.
 */
const PASTED = /[()[\]{}<>:;=/\\"'`@#$%*|~]|[\p{L}\p{N}]_[\p{L}\p{N}]|\p{Ll}\p{Lu}|\p{L}\.\p{L}/u;

/**
 * A sentence as a program prints it, capital first and its full stop kept (`Missing dependencies
 * for SOCKS support.`): people do not end what they type into a search box with a full stop, and
 * an error message without code's punctuation is otherwise only words.
 */
const PRINTED_SENTENCE = /^\p{Lu}[^\n]*[^.][.!]$/u;

/**
 * Past this share of a query's word pieces unknown to the model's vocabulary ([UNK]), re-reading
 * hits against it token by token compares mostly [UNK] with [UNK]: the English model's
 * vocabulary lacks most Chinese characters, and a Chinese word's only exact hit went from first
 * to ninth. Such a query keeps the fused order, where the full-text leg read its words.
 */
const MAX_UNKNOWN_SHARE = 1 / 3;

/**
 * The query as a phrase to find as written, when it looks copied from where it is written
 * (`PASTED`), has several words (fewer are too common side by side to say anything), and is
 * short enough to be a line of text.
 */
function verbatimOf(words: string): string | undefined {
  const text = words.trim();
  const shaped = PASTED.test(text) || PRINTED_SENTENCE.test(text);
  const copied = text.length <= 300 && shaped && phraseWords(text).length >= VERBATIM_WORDS;
  return copied ? text : undefined;
}

/**
 * The one date of a query, as notes name their days and months (`2024-03-12`, `2024-03`): the
 * chunks holding it come first (as a phrase: `2024-03` holds `2024-03-12`), where the index alone
 * would match its numbers anywhere (the 3rd of every month for `2024-03`).
 */
function dateOf(words: string): string | undefined {
  const dates =
    words.match(/(?<![\d-])\d{4}-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?(?![\d-])/gu) ?? [];
  return dates.length === 1 ? dates[0] : undefined;
}

/** Spare hits a table is asked for at most, when folding a passage's rows leaves fewer than k. */
const MAX_SPARE = 200;

/** The config's `search` settings the service reads. */
export interface SearchDefaults {
  k: number;
  rrfK: number;
  /** Rank the chunks holding a one-identifier query first (default true). */
  identifierFirst?: boolean;
  /** Hybrid's first this many hits re-ranked by late interaction (`rerankLate`); 0 or absent: none. */
  rerank?: number;
}

/**
 * Answers searches over one or more engines' tables: embeds the query once per model (as a
 * query, ahead of indexing work) while the tables' full-text legs already run, pushes filters
 * down into each table, and merges the tables' hits by their evidence when several engines answer
 * (`mergeEngines`).
 *
 * Parameters are checked with the same schema as the socket's and the CLI's (`params`: by
 * default the tables' own filter fields; the app passes every registered mapper's, as the
 * socket does), so a search refused here is refused there with the same words. A filter on a
 * field only some engines have narrows the search to those engines.
 */
export class SearchService {
  readonly #tables: readonly SearchTable[];
  readonly #defaults: SearchDefaults;
  readonly #params: SearchParamsSchema;

  constructor(
    tables: readonly SearchTable[],
    defaults: SearchDefaults,
    params: SearchParamsSchema = searchParamsSchema(tables.flatMap((t) => t.filters ?? [])),
  ) {
    this.#tables = tables;
    this.#defaults = defaults;
    this.#params = params;
  }

  /**
   * `options.passages: false` keeps each row of a passage its own hit (the context assembler
   * gathers a hit's section and parts itself); `every: true` does that and keeps copies too.
   */
  async search(
    input: SearchParams,
    signal?: AbortSignal,
    options: { passages?: boolean } = {},
  ): Promise<SearchResult> {
    const started = performance.now();
    const checked = checkSearchParams(this.#params, input);
    if (!checked.ok) throw new RagError('E_USAGE', describeProblem(checked.problem, checked.problem.param));
    const q = checked.params;
    const timings: SearchTimings = {
      checkMs: 0,
      embedMs: 0,
      tablesMs: 0,
      vectorMs: 0,
      textMs: 0,
      mergeMs: 0,
      rerankMs: 0,
    };
    let mark = performance.now();
    timings.checkMs = mark - started;
    // As the indexed text is: `é` typed, or pasted decomposed from a Mac, is one character.
    const query = composed(q.query.trim());
    const { words, phrases } = quotedPhrases(query);
    // A query that is one identifier asks where that name is written (a quoted one is a phrase
    // already); one word may be a name (`Session`, `jsonify`) or only a word: its definitions alone move.
    const named = !phrases.length && this.#defaults.identifierFirst !== false;
    // A question about where a name is used (`what calls rebuild_auth`) is about that name too.
    const usage = named ? usageOf(words) : undefined;
    const identifier = named ? (identifierOf(words) ?? usage) : undefined;
    const word = named && !identifier ? oneWordOf(words) : undefined;
    // Several words, unquoted, may be text copied from where it is written (an error message, a
    // log line, a sentence remembered): the chunks holding them as written come first.
    const verbatim = named && !identifier && !word ? verbatimOf(words) : undefined;
    // A date as notes write it (`2024-03-12`, `2024-03`), which the full-text index splits into numbers.
    const date = named && !identifier && !word && !verbatim ? dateOf(words) : undefined;
    const exact: ExactTerm | undefined = identifier
      ? { term: identifier, soft: false, ...(usage ? { usages: true } : {}) }
      : word
        ? { term: word, soft: true }
        : verbatim || date
          ? { term: (verbatim ?? date)!, soft: false, phrase: true }
          : undefined;
    const mode = q.mode ?? 'hybrid';
    const k = q.k ?? this.#defaults.k;
    // A one-identifier query has its own order (definers, then holders): nothing to re-read.
    const rerankDepth = q.rerank === false || identifier ? 0 : (this.#defaults.rerank ?? 0);
    const now = Date.now();
    const given = this.#params.filters.filter((f) => q[f.name] !== undefined);
    const common: SearchFilter = {
      pathGlob: q.path,
      afterMs: q.after === undefined ? undefined : parseDate(q.after, now),
      beforeMs: q.before === undefined ? undefined : parseDate(q.before, now),
    };
    if (common.afterMs !== undefined && common.beforeMs !== undefined && common.afterMs >= common.beforeMs)
      throw new RagError(
        'E_USAGE',
        `after ${q.after} is not before ${q.before}: no time is in both (after is the start, before the end)`,
        { fix: 'swap the two dates' },
      );
    const targets = this.#targets(q.engine, given);
    const several = targets.length > 1;
    // Tables of one model are merged by their evidence; only then does hybrid need every candidate.
    const comparable = several && oneModel(targets);
    // Copies of one passage in several files are one hit (src/search/copies.ts), and so are the
    // rows of one passage of a file, so k hits are k answers; the tables return spare hits to
    // fold from. Rows an engine collapses by its own key (a log's runs of one statement) are that
    // engine's to fold.
    const folds = (t: SearchTable) => !q.every && !t.collapse;
    const foldedEngines = new Set(targets.filter(folds).map((t) => t.engine));
    // What a passage is, each engine's mapper says (a long section's chunks, a function's parts).
    const passageOf = new Map(
      options.passages === false
        ? []
        : targets.filter((t) => t.passageOf).map((t) => [t.engine, t.passageOf!] as const),
    );
    // Spare hits to fold from; more when one passage's rows took them all (a class of 30 parts).
    // At least the rows that decide which hits are shown (`FOLD_WINDOW`), whatever k.
    let spare = foldedEngines.size ? Math.max(2 * k, FOLD_WINDOW - k) : 0;
    // The engines whose hits may be re-ranked, by the embedder that scores them (one with token
    // vectors: a remote embedder has none, and its engine's search stays as fused).
    const late = rerankDepth ? targets.filter((t) => t.rerank && t.embedder.lateScores) : [];
    // Of the query's word pieces, the share each such engine's model does not know (MAX_UNKNOWN_SHARE).
    const unknown = new Map(late.map((t) => [t.engine, t.embedder.tokenizer.unknownShare?.(words) ?? 0]));
    const scorers = new Map(
      late.filter((t) => unknown.get(t.engine)! < MAX_UNKNOWN_SHARE).map((t) => [t.engine, t.embedder]),
    );
    const reranks = (ranked: SearchMode) => ranked === 'hybrid' && scorers.size > 0;
    // Hits the tables return before folding: k, or as many as are re-ranked.
    const wanted = (ranked: SearchMode) => (reranks(ranked) ? Math.max(k, rerankDepth) : k);
    const request = (
      t: SearchTable,
      ranked: SearchMode,
      required: readonly string[],
      vector?: Promise<Float32Array>,
    ): SearchRequest => ({
      query: words,
      vector,
      k: wanted(ranked),
      mode: ranked,
      // Each table reads a field through its own mapper's declaration (its column).
      filter: {
        ...common,
        timeColumn: t.timeColumn,
        fields: given.map((f) => fieldFilter(declared(t, f.name)!, q[f.name] as FilterValue, now)),
        phrases: required,
      },
      exact,
      hybridTextSkip: t.hybridTextSkip,
      nameColumn: t.nameColumn,
      hybridRankDown: t.hybridRankDown,
      // Listing one value's rows (its own filter given) or asking for every row: nothing to fold.
      collapse: q.every || (t.collapse && q[t.collapse.filter] !== undefined) ? undefined : t.collapse,
      explain: q.explain,
      // Several tables' hybrid candidates are fused again as one pool (`mergeEngines`).
      candidates: comparable && ranked === 'hybrid',
      spare: folds(t) ? spare : 0,
      timings,
    });
    let note: string | undefined;
    const unread = late.find((t) => !scorers.has(t.engine));
    if (unread && q.explain && mode === 'hybrid') {
      const share = Math.round(100 * unknown.get(unread.engine)!);
      note = `not re-ranked: ${share}% of the query's word pieces are unknown to the model, so the fused order stands`;
    }
    let ranked: SearchMode = mode;
    // The tables start at once: their full-text legs run while the query is being embedded.
    const vectors = mode === 'text' ? undefined : this.#embedQuery(targets, words, timings, signal);
    // A search asked again for more spare hits finds the same first ones: they are re-read once.
    let reread: { ids: string; hits: SearchHit[] } | undefined;
    const rerank = async (hits: SearchHit[]): Promise<SearchHit[]> => {
      const started = performance.now();
      const ids = hits
        .slice(0, rerankDepth)
        .map((h) => `${h.engine}\0${h.id}`)
        .join('\n');
      if (reread?.ids === ids) return [...reread.hits, ...hits.slice(reread.hits.length)];
      try {
        // A chunk many times what the model reads (a window of a pasted log) would have a match
        // past its first word pieces scored as a miss: it keeps its fused place.
        const scorerOf = (hit: SearchHit) =>
          hit.metadata.oversize === true && hit.text.length > UNREAD_CHUNK_CHARS
            ? undefined
            : scorers.get(hit.engine);
        const reordered = await rerankLate(hits, words, rerankDepth, scorerOf, {
          explain: q.explain === true,
          signal,
        });
        reread = { ids, hits: reordered.slice(0, rerankDepth) };
        return reordered;
      } catch (err) {
        if (isRagError(err) && err.code === 'E_ABORTED') throw err;
        // The fused order is a good answer already: a worker that cannot score now must not fail the search.
        const why = `the first hits could not be re-ranked (${isRagError(err) ? err.message : String(err)}): hybrid's fused order`;
        note = note ? `${note}; ${why}` : why;
        return hits;
      } finally {
        timings.rerankMs += performance.now() - started;
      }
    };
    const run = async (required: readonly string[]): Promise<SearchHit[]> => {
      mark = performance.now();
      let lists: SearchHit[][];
      if (ranked === 'text' || !vectors) {
        lists = await searchAll(targets.map((t) => t.table.search(request(t, 'text', required))));
      } else {
        try {
          lists = await searchAll(
            targets.map((t) => t.table.search(request(t, ranked, required, vectors.get(t.embedder)))),
          );
        } catch (err) {
          // A remote embedding server that is down must not take search with it: the words still match.
          if (!isRagError(err) || err.code !== 'E_EMBED_UNAVAILABLE') throw err;
          note = `${ranked} search needs the query embedded, which failed (${err.message}): these are full-text results only`;
          ranked = 'text';
          lists = await searchAll(targets.map((t) => t.table.search(request(t, ranked, required))));
        }
      }
      timings.tablesMs += performance.now() - mark;
      mark = performance.now();
      const merged = several
        ? mergeEngines(lists, {
            mode: ranked,
            k: wanted(ranked),
            rrfK: this.#defaults.rrfK,
            oneModel: comparable,
            explain: q.explain === true,
            spare,
            exact,
          })
        : lists[0]!;
      timings.mergeMs += performance.now() - mark;
      // Re-reading a one-word query's hits may move its definitions down: they go first again.
      const ranking = reranks(ranked)
        ? exact?.soft || exact?.phrase
          ? withExactFirst(await rerank(merged), exact).hits
          : await rerank(merged)
        : merged;
      mark = performance.now();
      const folded = foldCopies(ranking, k, {
        folds: (hit) => foldedEngines.has(hit.engine),
        passageOf: (hit) => passageOf.get(hit.engine)?.(hit),
      });
      // Fewer than k left after folding, and the tables had more to give: ask again with more.
      const cut = merged.length >= wanted(ranked) + spare;
      if (folded.length >= k || !cut || !spare || spare >= MAX_SPARE) return folded;
      spare = Math.min(MAX_SPARE, spare * 4);
      timings.mergeMs += performance.now() - mark;
      return run(required);
    };
    let results = await run(phrases);
    if (phrases.length && !results.length) {
      // Quotes are often loose (pasted text, an agent's query): say so, and rank by the words alone.
      results = await run([]);
      const quoted = phrases.map((p) => `"${p}"`).join(' and ');
      const loose = `nothing indexed holds ${quoted} as written: these results are ranked by its words alone`;
      note = note ? `${note}; ${loose}` : loose;
    }
    if (
      identifier &&
      ranked !== 'vector' &&
      results.length &&
      !results.some((h) => holdsOrDefines(h, identifier))
    ) {
      // The hits' order says nothing of whether the name is anywhere: an error code that was
      // never indexed gets its nearest neighbours, which must not pass for matches. (Vector
      // mode asks for meaning, not for the name.)
      const nearest =
        ranked === 'text' ? 'the best matches of its parts' : 'the nearest in meaning and words';
      const none = `no result holds ${identifier} as written: these are ${nearest}`;
      note = note ? `${note}; ${none}` : none;
    }
    if (word && ranked === 'hybrid' && results.length && !results.some((h) => holdsOrDefines(h, word))) {
      // A word that is in no chunk at all (a code name of letters only, a misspelling): its
      // nearest in meaning must not pass for matches. Asked of the full-text index only when
      // no hit holds it as typed; a word found there in another form (stemmed) needs no note.
      const anywhere = await searchAll(targets.map((t) => t.table.search(request(t, 'text', []))));
      if (anywhere.every((list) => list.length === 0)) {
        const none = `no result holds ${word}: these are the nearest in meaning`;
        note = note ? `${note}; ${none}` : none;
      }
    }
    if (ranked !== 'vector' && !/[\p{L}\p{N}]/u.test(query)) {
      const shown = query.trim().replace(/^["“](.*)["”]$/u, '$1');
      // An operator (`<<-`, `@>`, `...`): the full-text index holds words only, so the hits are
      // the vector leg's neighbours of a few symbols, which must not pass for matches.
      const none =
        ranked === 'text'
          ? `full-text search reads words of letters and digits, and "${shown}" has none: search for a word that comes with it`
          : `full-text search reads words of letters and digits, and "${shown}" has none: these are the nearest in meaning`;
      note = note ? `${note}; ${none}` : none;
    }
    if (!results.length && ranked !== 'text') {
      // Nearest neighbours are found whatever the words, so none means no chunk passes the filters.
      const filters = [
        ...(q.path !== undefined ? [`path ${JSON.stringify(q.path)}`] : []),
        ...(q.after !== undefined ? [`after ${q.after}`] : []),
        ...(q.before !== undefined ? [`before ${q.before}`] : []),
        ...given.map((f) => `${f.name} ${JSON.stringify(q[f.name])}`),
      ];
      if (filters.length) {
        const none = `no indexed chunk passes ${filters.length === 1 ? 'the filter' : 'the filters'} ${filters.join(', ')}, whatever its words`;
        note = note ? `${note}; ${none}` : none;
      }
    }
    timings.mergeMs += performance.now() - mark;
    return {
      query,
      mode: ranked,
      k,
      results,
      tookMs: performance.now() - started,
      ...(note ? { note } : {}),
      timings,
    };
  }

  /**
   * The query embedded once per model, each as a query (ahead of index work), all at once;
   * `timings.embedMs` is when the last one landed. Each promise is awaited by the tables'
   * searches, and marked handled here so that a table failing first leaves no unhandled rejection.
   */
  #embedQuery(
    targets: readonly SearchTable[],
    query: string,
    timings: SearchTimings,
    signal: AbortSignal | undefined,
  ): Map<Embedder, Promise<Float32Array>> {
    const started = performance.now();
    const vectors = new Map<Embedder, Promise<Float32Array>>();
    for (const t of targets) {
      if (vectors.has(t.embedder)) continue;
      const vector = t.embedder.embed([query], { priority: 'query', signal });
      vector.then(
        () => {
          timings.embedMs = performance.now() - started;
        },
        () => undefined,
      );
      vectors.set(t.embedder, vector);
    }
    return vectors;
  }

  /** The named engine's table, or all; with engine filters, only the tables that have every one. */
  #targets(engine: string | undefined, given: readonly FilterField[]): SearchTable[] {
    const names = this.#tables.map((t) => t.engine).join(', ') || 'none';
    const tables = engine ? this.#tables.filter((t) => t.engine === engine) : [...this.#tables];
    if (engine && !tables.length) {
      // A source without `engine:` is read by the Markdown engine, so a folder of code or SQL
      // given as a plain source lands here: say how to have the engine, not only that it is missing.
      // `--engine pdf`: a kind of file, which the Markdown engine reads among others.
      const ext = engine.replace(/^\./, '').toLowerCase();
      const kind = engineOfExtension(ext) ? ext : undefined;
      throw new RagError('E_USAGE', `no engine '${engine}' (engines: ${names})`, {
        fix: Object.hasOwn(BUILTIN_ENGINES, engine)
          ? `add \`engine: ${engine}\` to the sources in your config that hold its files (it is built in), then run \`ragctl index\``
          : kind
            ? `to search .${kind} files only, use \`--path '**/*.${kind}'\`; an engine is what reads a source (${names})`
            : `define it under \`engines:\` in your config and put \`engine: ${engine}\` on the sources it reads, then run \`ragctl index\``,
      });
    }
    const having = tables.filter((t) => given.every((f) => declared(t, f.name)));
    if (having.length) return having;
    if (!given.length) return tables;
    const owners = (f: FilterField) =>
      this.#tables
        .filter((t) => declared(t, f.name))
        .map((t) => t.engine)
        .join(', ') || 'none';
    const which = given.map((f) => `${f.name} (engines with it: ${owners(f)})`).join(', ');
    throw new RagError(
      'E_USAGE',
      engine
        ? `engine '${engine}' has no field for ${which}`
        : `no engine of this index has ${given.length > 1 ? 'all of ' : ''}${which} (engines: ${names})`,
    );
  }
}

/** Every table's hits, in order; the first failure once all have ended (no search left running). */
async function searchAll(searches: readonly Promise<SearchHit[]>[]): Promise<SearchHit[][]> {
  const settled = await Promise.allSettled(searches);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<SearchHit[]>).value);
}

/** Whether the tables' vectors are comparable: the same model, the same dimension. */
function oneModel(targets: readonly SearchTable[]): boolean {
  const [first, ...rest] = targets.map((t) => t.table);
  return rest.every((t) => t.modelId === first!.modelId && t.dimension === first!.dimension);
}

function declared(table: SearchTable, name: string): FilterField | undefined {
  return table.filters?.find((f) => f.name === name);
}

/** A validated filter value for the store: dates read once, against the request's `now`. */
function fieldFilter(field: FilterField, value: FilterValue, now: number): FieldFilter {
  const column = field.column;
  switch (field.kind) {
    case 'date-after':
    case 'date-before':
      return { kind: field.kind, column, value: parseDate(value as string, now) };
    case 'number-min':
    case 'number-max':
      return { kind: field.kind, column, value: value as number };
    case 'string-in':
      return { kind: field.kind, column, value: value as string[] };
    default:
      return { kind: field.kind, column, value: value as string };
  }
}
