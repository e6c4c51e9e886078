import type { TokenCounter } from '../embed/types.js';
import { renderBlock } from './format.js';
import { type Candidate, isCodeChunk, isPartOf, isSplitHead } from './gather.js';
import { usedImports } from './imports.js';
import type { WireContextBlock } from './types.js';

/** Code chunks whose text is a summary, not the file's lines: they never hide nested blocks. */
const SUMMARY_KINDS: ReadonlySet<string> = new Set(['class', 'interface', 'impl', 'object', 'imports']);

/** A candidate with the text it shows: the file's lines, without the chunker's symbol line or breadcrumb. */
interface Block {
  candidate: Candidate;
  /** Order of relevance: the candidate's place in the list. */
  priority: number;
  path: string;
  startLine: number;
  endLine: number;
  lines: string[];
  /** `lines` are exactly the file's lines `startLine..endLine`, so nested blocks can be cut out. */
  isContiguous: boolean;
  /** The chunk is the header of a definition too long for one chunk (`isSplitHead`), found once. */
  isSplitHead: boolean;
}

export interface Fitted {
  blocks: WireContextBlock[];
  tokens: number;
  dropped: number;
}

/**
 * Fits candidates, most relevant first, into `budget` tokens of the rendered text: a candidate
 * that does not fit is dropped (a hit takes its parents and imports along) and smaller ones
 * after it may still go in. A block that lies inside one already shown (a nested function in
 * its enclosing function) is not repeated; an enclosing block shows one `… (lines a-b below)`
 * line where a nested block it contains is shown apart. Blocks are whole lines: only the first
 * hit, when it alone is over the budget, is cut, after its last line that fits.
 */
export function fitToBudget(candidates: readonly Candidate[], counter: TokenCounter, budget: number): Fitted {
  const count = tokenCounter(counter);
  const blocks = firstHitWhole(candidates.map(toBlock), count, budget);
  const selected: Block[] = [];
  const missingHits = new Set<number>();
  let dropped = 0;
  for (const block of blocks) {
    const role = block.candidate.role;
    if (role !== 'hit' && missingHits.has(block.candidate.hit)) {
      dropped++;
      continue;
    }
    if (isShown(block, selected)) continue;
    const trial = [...selected, block];
    if (total(layout(trial), count) <= budget) {
      selected.push(block);
      continue;
    }
    const cut = selected.length === 0 && role === 'hit' ? cutToFit(block, budget, count) : null;
    if (cut) {
      selected.push(cut);
      continue;
    }
    if (role === 'hit') missingHits.add(block.candidate.hit);
    dropped++;
  }
  const wire = layout(selected);
  return { blocks: wire, tokens: total(wire, count), dropped };
}

/**
 * The first hit's body parts come right after it when together they take at most this share of
 * the budget: the best hit read whole, where that still leaves room for its scopes, its imports
 * and the other hits (docs/BENCHMARKS.md §46 measured a quarter, a half and three quarters).
 */
const FIRST_BODY_SHARE = 0.25;

/**
 * The candidates with the first hit's body parts moved up behind it, when the hit is the
 * header of a function too long for one chunk and its body is small beside the budget; else
 * as gathered (every hit's family first, bodies with the neighbours).
 */
function firstHitWhole(blocks: Block[], count: (text: string) => number, budget: number): Block[] {
  const head = blocks[0];
  if (head?.candidate.role !== 'hit' || !head.isSplitHead) return blocks;
  const parts = blocks.filter((b) => isPartOf(b.candidate.chunk, head.candidate.chunk));
  const cost = parts.reduce((n, p) => n + count(p.lines.join('\n')), 0);
  if (cost > budget * FIRST_BODY_SHARE) return blocks;
  return [head, ...parts, ...blocks.slice(1).filter((b) => !parts.includes(b))];
}

/** Tokens of a text as it would sit inside a prompt: the model's own [CLS]/[SEP] not counted. */
function tokenCounter(counter: TokenCounter): (text: string) => number {
  const special = counter.countTokens('');
  const cache = new Map<string, number>();
  return (text) => {
    let n = cache.get(text);
    if (n === undefined) {
      n = Math.max(0, counter.countTokens(text) - special);
      cache.set(text, n);
    }
    return n;
  };
}

function total(blocks: readonly WireContextBlock[], count: (text: string) => number): number {
  // Blocks are joined by a line break: no token for WordPiece (it splits at whitespace), one
  // for a BPE encoding, which may instead merge it into its neighbour — counted as one anyway,
  // the safe side of the budget.
  let sum = blocks.length > 1 ? count('\n') * (blocks.length - 1) : 0;
  for (const b of blocks) sum += count(renderBlock(b));
  return sum;
}

function toBlock(candidate: Candidate, priority: number): Block {
  const chunk = candidate.chunk;
  const offset = typeof chunk.metadata.bodyOffset === 'number' ? chunk.metadata.bodyOffset : 0;
  const lines = chunk.text.slice(offset).split('\n');
  const kind = chunk.metadata.kind;
  const isSummary = isCodeChunk(chunk) && typeof kind === 'string' && SUMMARY_KINDS.has(kind);
  return {
    candidate,
    priority,
    path: chunk.path,
    startLine: chunk.startLine,
    endLine: chunk.endLine,
    lines,
    isContiguous: !isSummary && lines.length === chunk.endLine - chunk.startLine + 1,
    isSplitHead: isSplitHead(chunk),
  };
}

/** Every line of `block` is already on show in a selected block of the same file. */
function isShown(block: Block, selected: readonly Block[]): boolean {
  if (!block.isContiguous) return false;
  const holders = selected.filter(
    (s) =>
      s.isContiguous && s.path === block.path && s.startLine <= block.endLine && s.endLine >= block.startLine,
  );
  for (let line = block.startLine; line <= block.endLine; line++) {
    const shown = holders.some(
      (h) =>
        h.startLine <= line &&
        line <= h.endLine &&
        !nestedIn(h, selected).some(([from, to]) => from <= line && line <= to),
    );
    if (!shown) return false;
  }
  return true;
}

/** The line ranges of selected blocks inside `outer` (outermost only): shown apart, so cut out of it. */
function nestedIn(outer: Block, selected: readonly Block[]): Array<[number, number]> {
  if (!outer.isContiguous) return [];
  const inner = selected.filter(
    (s) =>
      s !== outer &&
      s.isContiguous &&
      s.path === outer.path &&
      s.startLine >= outer.startLine &&
      s.endLine <= outer.endLine &&
      (s.startLine > outer.startLine || s.endLine < outer.endLine),
  );
  const ranges = inner
    .filter(
      (s) =>
        !inner.some(
          (o) =>
            o !== s &&
            o.startLine <= s.startLine &&
            s.endLine <= o.endLine &&
            (o.startLine < s.startLine || o.endLine > s.endLine),
        ),
    )
    .map((s): [number, number] => [s.startLine, s.endLine])
    .sort((a, b) => a[0] - b[0]);
  return ranges;
}

/**
 * The selected blocks as they are shown: files in the order of their most relevant block,
 * each file's blocks in line order (an enclosing block before what it encloses), nested blocks
 * cut out of their enclosing block.
 */
function layout(picked: readonly Block[]): WireContextBlock[] {
  const selected = withUsedImports(joinParts(picked));
  const fileRank = new Map<string, number>();
  for (const b of selected) fileRank.set(b.path, Math.min(fileRank.get(b.path) ?? b.priority, b.priority));
  const ordered = [...selected].sort(
    (a, b) =>
      fileRank.get(a.path)! - fileRank.get(b.path)! ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
      a.startLine - b.startLine ||
      b.endLine - a.endLine ||
      a.priority - b.priority,
  );
  return ordered.map((b) => toWire(b, elide(b, nestedIn(b, selected))));
}

/**
 * Each import block cut to the imports named by the other blocks shown of its file
 * (`usedImports`): those blocks are what the imports are shown for.
 */
function withUsedImports(blocks: readonly Block[]): Block[] {
  const codeOf = new Map<string, string[]>();
  for (const b of blocks)
    if (b.candidate.role !== 'imports') codeOf.set(b.path, [...(codeOf.get(b.path) ?? []), ...b.lines]);
  return blocks.flatMap((b) => {
    const language = b.candidate.chunk.metadata.language;
    if (b.candidate.role !== 'imports' || typeof language !== 'string') return [b];
    const lines = usedImports(b.lines, language, (codeOf.get(b.path) ?? []).join('\n'));
    return lines === undefined ? [b] : lines.length ? [{ ...b, lines, isContiguous: false }] : [];
  });
}

/**
 * A definition too long for one chunk (a function's header, an import block's or a type's
 * first lines) and the parts after it that are shown, as one block: the definition read on, as
 * the file has it. Parts join in their order, up to the first one not shown; a header whose
 * first part is not shown shows only its own lines. The chunker leaves only blank lines
 * between a head and its parts (src/engines/code/fit.ts), so those are filled in.
 */
function joinParts(selected: readonly Block[]): Block[] {
  const joined = new Map<Block, Block>();
  const absorbed = new Set<Block>();
  for (const head of selected) {
    const chunk = head.candidate.chunk;
    // An import block's range spans imports scattered among code too: its text is then not
    // its first lines, and its parts' ranges are the whole block's; only verbatim parts join.
    const isImports = chunk.metadata.kind === 'imports' && !('part' in chunk.metadata);
    if (!head.isSplitHead && !isImports) continue;
    const parts = selected
      .filter(
        (b) =>
          b !== head && isPartOf(b.candidate.chunk, chunk) && b.lines.length === b.endLine - b.startLine + 1,
      )
      .sort((a, b) => partOf(a) - partOf(b));
    if (isImports && parts.length === 0) continue;
    let block: Block = { ...head, endLine: head.startLine + head.lines.length - 1, isContiguous: true };
    let next = 1;
    for (const part of parts) {
      if (partOf(part) !== next++ || part.startLine <= block.endLine) break;
      const blank = Array.from({ length: part.startLine - block.endLine - 1 }, () => '');
      block = { ...block, endLine: part.endLine, lines: [...block.lines, ...blank, ...part.lines] };
      // A part that is a hit (its header came as its parent) makes the whole block that hit.
      if (part.candidate.role === 'hit' && block.candidate.role !== 'hit')
        block = { ...block, candidate: part.candidate, priority: Math.min(block.priority, part.priority) };
      absorbed.add(part);
    }
    joined.set(head, block);
  }
  return selected.filter((b) => !absorbed.has(b)).map((b) => joined.get(b) ?? b);
}

const partOf = (block: Block): number => block.candidate.chunk.metadata.part as number;

/** The block's lines with each nested range replaced by one line saying where it is shown. */
function elide(block: Block, ranges: ReadonlyArray<[number, number]>): string {
  if (ranges.length === 0) return block.lines.join('\n');
  const out: string[] = [];
  let line = block.startLine;
  for (const [from, to] of ranges) {
    for (; line < from; line++) out.push(block.lines[line - block.startLine]!);
    const first = block.lines[from - block.startLine] ?? '';
    const indent = first.slice(0, first.length - first.trimStart().length);
    out.push(`${indent}… (lines ${from}-${to} below)`);
    line = to + 1;
  }
  for (; line <= block.endLine; line++) out.push(block.lines[line - block.startLine]!);
  return out.join('\n');
}

/**
 * The first hit cut after its last whole line that fits, with a line saying what was cut;
 * null when not even its first line fits.
 */
function cutToFit(block: Block, budget: number, count: (text: string) => number): Block | null {
  if (!block.isContiguous) return null;
  const fits = (kept: number) => {
    const cut: Block = { ...block, endLine: block.startLine + kept - 1, lines: withCutNote(block, kept) };
    return total(layout([cut]), count) <= budget ? cut : null;
  };
  let lo = 0;
  let hi = block.lines.length - 1;
  // Binary search for the most lines that fit: fewer lines never cost more tokens.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? fits(lo) : null;
}

function withCutNote(block: Block, kept: number): string[] {
  const from = block.startLine + kept;
  return [...block.lines.slice(0, kept), `… (lines ${from}-${block.endLine} cut: over the budget)`];
}

function toWire(block: Block, text: string): WireContextBlock {
  const c = block.candidate;
  const symbol = c.chunk.metadata.symbol;
  return {
    path: block.path,
    engine: c.chunk.engine,
    start_line: block.startLine,
    end_line: block.endLine,
    role: c.role,
    symbol: isCodeChunk(c.chunk) && typeof symbol === 'string' ? symbol : null,
    heading_path: c.chunk.headingPath,
    score: c.score,
    text,
    ...(isOutline(c) ? { outline: true as const } : {}),
  };
}

/** A class-like summary (not an import block): signatures with their bodies elided. */
function isOutline(c: Candidate): boolean {
  const kind = c.chunk.metadata.kind;
  return isCodeChunk(c.chunk) && typeof kind === 'string' && kind !== 'imports' && SUMMARY_KINDS.has(kind);
}
