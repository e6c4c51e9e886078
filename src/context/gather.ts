import type { SearchHit, StoredChunk } from '../store/types.js';
import type { BlockRole, ContextStore } from './types.js';

/** A chunk the context may show, why, and which hit brought it. */
export interface Candidate {
  chunk: StoredChunk;
  role: BlockRole;
  /** The hit's score, or the score of the hit that brought it. */
  score: number;
  /** The rank (0-based) of the hit that brought it: a hit that does not fit takes its family along. */
  hit: number;
}

/**
 * How far up `parent_scope` is followed: a method in a class in a function in a class is 3.
 * Ids point up only, so a cycle means damage on disk; this ends the walk all the same.
 */
const MAX_SCOPE_DEPTH = 16;

/**
 * Lines searched on each side of a document hit for its neighbouring sections. A section
 * longer than this beside the hit is not found: a neighbour that long would not fit a budget
 * beside the hit anyway.
 */
const NEIGHBOUR_REACH_LINES = 200;

/** A code chunk says what encloses it (`parentScope`, null at the top); other engines' chunks do not. */
export function isCodeChunk(chunk: StoredChunk): boolean {
  return Object.hasOwn(chunk.metadata, 'parentScope');
}

/** A document chunk (markdown): it has a body offset after its heading breadcrumb, and no scope. */
function isDocumentChunk(chunk: StoredChunk): boolean {
  return !isCodeChunk(chunk) && typeof chunk.metadata.bodyOffset === 'number';
}

function parentOf(chunk: StoredChunk): string | null {
  const parent = chunk.metadata.parentScope;
  return typeof parent === 'string' && parent !== '' ? parent : null;
}

/**
 * Every block the context may show, most relevant first, each chunk once: hit 1, its enclosing
 * scopes (nearest first) and its file's imports; hit 2 and its family; … then, as neighbours
 * that only fill what the budget leaves, the documents' neighbouring sections and the body
 * parts of a function hit too long for one chunk (that hit is its header, or one of its parts;
 * the fit may move the first hit's parts up, `firstHitWhole`). A chunk that is a hit and also
 * another hit's parent keeps its first place and is shown as a hit.
 */
export async function gatherCandidates(
  hits: readonly SearchHit[],
  store: ContextStore,
  signal?: AbortSignal,
): Promise<Candidate[]> {
  const parents = await parentChains(hits, store, signal);
  const imports = new Map<string, StoredChunk[]>();
  for (const hit of hits) {
    const key = `${hit.engine}\0${hit.path}`;
    if (isCodeChunk(hit) && !imports.has(key)) {
      signal?.throwIfAborted();
      const found = await store.imports(hit.engine, hit.path);
      imports.set(
        key,
        found.sort((a, b) => a.startLine - b.startLine),
      );
    }
  }
  const byId = new Map<string, Candidate>();
  const add = (chunk: StoredChunk, role: BlockRole, score: number, hit: number) => {
    const key = `${chunk.engine}\0${chunk.id}`;
    const seen = byId.get(key);
    if (!seen) byId.set(key, { chunk, role, score, hit });
    else if (role === 'hit' && seen.role !== 'hit') Object.assign(seen, { role, score });
  };
  hits.forEach((hit, rank) => {
    add(hit, 'hit', hit.score, rank);
    for (const parent of parents[rank] ?? []) add(parent, 'parent', hit.score, rank);
    for (const block of imports.get(`${hit.engine}\0${hit.path}`) ?? [])
      add(block, 'imports', hit.score, rank);
  });
  for (const [rank, hit] of hits.entries()) {
    if (isDocumentChunk(hit)) {
      signal?.throwIfAborted();
      for (const n of await neighbours(hit, store)) add(n, 'neighbour', hit.score, rank);
    } else {
      // The header of a split definition, or one of its parts (the header came as its parent):
      // the parts of its body, so that the whole may be shown where the budget has room.
      const head = isSplitHead(hit) ? hit : parents[rank]?.[0];
      if (head && (head === hit || (isPartOf(hit, head) && isSplitHead(head)))) {
        signal?.throwIfAborted();
        for (const part of await bodyParts(head, store)) add(part, 'neighbour', hit.score, rank);
      }
    }
  }
  return [...byId.values()];
}

/** Each hit's enclosing chunks, nearest first, read one level at a time for all hits together. */
async function parentChains(
  hits: readonly SearchHit[],
  store: ContextStore,
  signal?: AbortSignal,
): Promise<StoredChunk[][]> {
  const chains: StoredChunk[][] = hits.map(() => []);
  const known = new Map<string, StoredChunk>();
  let pending = hits.map((hit, rank) => ({ rank, engine: hit.engine, id: parentOf(hit) }));
  for (let depth = 0; depth < MAX_SCOPE_DEPTH; depth++) {
    pending = pending.filter((p) => p.id !== null);
    if (pending.length === 0) break;
    signal?.throwIfAborted();
    const wanted = new Map<string, Set<string>>();
    for (const p of pending) {
      if (known.has(`${p.engine}\0${p.id}`)) continue;
      const set = wanted.get(p.engine) ?? new Set<string>();
      set.add(p.id!);
      wanted.set(p.engine, set);
    }
    for (const [engine, ids] of wanted)
      for (const chunk of await store.byIds(engine, [...ids])) known.set(`${engine}\0${chunk.id}`, chunk);
    pending = pending.map((p) => {
      const parent = known.get(`${p.engine}\0${p.id}`);
      // A parent with no row (its file changed between the search and this read) ends the chain.
      if (!parent || chains[p.rank]!.includes(parent)) return { ...p, id: null };
      chains[p.rank]!.push(parent);
      return { ...p, id: parentOf(parent) };
    });
  }
  return chains;
}

/** Code kinds whose chunk, when too long, is split into its first lines and parts of the rest. */
const VERBATIM_SPLIT_KINDS: ReadonlySet<unknown> = new Set(['function', 'method', 'type']);

/**
 * A function (or type) too long for one chunk is a head (a function's header; a type's first
 * lines), spanning the whole definition, and parts of the rest that point at it: the head's
 * text is the first of its lines, fewer than its range.
 */
export function isSplitHead(chunk: StoredChunk): boolean {
  if (!isCodeChunk(chunk) || !VERBATIM_SPLIT_KINDS.has(chunk.metadata.kind) || 'part' in chunk.metadata)
    return false;
  const offset = typeof chunk.metadata.bodyOffset === 'number' ? chunk.metadata.bodyOffset : 0;
  return chunk.text.slice(offset).split('\n').length < chunk.endLine - chunk.startLine + 1;
}

/** `chunk` is a body part of the split function whose header is `head`. */
export function isPartOf(chunk: StoredChunk, head: StoredChunk): boolean {
  return (
    chunk.engine === head.engine &&
    chunk.metadata.parentScope === head.id &&
    typeof chunk.metadata.part === 'number'
  );
}

/** The body of a split function: its parts, in line order (they are the lines after its header). */
async function bodyParts(head: StoredChunk, store: ContextStore): Promise<StoredChunk[]> {
  const inside = await store.inRange(head.engine, head.path, head.startLine, head.endLine);
  return inside.filter((c) => isPartOf(c, head)).sort((a, b) => a.startLine - b.startLine);
}

/** The sections just before and just after a document hit in its file, where there are any. */
async function neighbours(hit: SearchHit, store: ContextStore): Promise<StoredChunk[]> {
  const near = await store.inRange(
    hit.engine,
    hit.path,
    Math.max(1, hit.startLine - NEIGHBOUR_REACH_LINES),
    hit.endLine + NEIGHBOUR_REACH_LINES,
  );
  let before: StoredChunk | undefined;
  let after: StoredChunk | undefined;
  for (const c of near) {
    if (c.endLine < hit.startLine && (!before || c.endLine > before.endLine)) before = c;
    if (c.startLine > hit.endLine && (!after || c.startLine < after.startLine)) after = c;
  }
  return [before, after].filter((c): c is StoredChunk => c !== undefined);
}
