import { appendAll } from '../../arrays.js';
import type { Meter } from './meter.js';
import type { MdNode, Span } from './types.js';

/**
 * Code longer than this is not counted at all: it is never split, and tokenising megabytes of
 * a pasted log only to learn that it is over the limit is the biggest waste there could be.
 */
const LARGE_TEXT_CHARS = 64 * 1024;

/**
 * A code block over LARGE_TEXT_CHARS (a log or a dump pasted into a note) is cut into windows of
 * lines of at most this many characters: one chunk of megabytes was returned whole by every
 * search that found it, and full-text search weighed its one matching line against all of it.
 */
const PASTE_WINDOW_CHARS = 16 * 1024;

/**
 * Prose is not counted whole when it has more than this many characters per token of budget:
 * English runs at 4–5 characters a token, code at 3, CJK at 1, so such text is over the budget
 * and would be counted twice (whole, then in parts). Guessing wrong costs nothing but a count:
 * packing joins the parts again.
 */
const SURELY_OVER_CHARS_PER_TOKEN = 8;

/** Words counted together when a sentence is too long: few calls, and exact sums at spaces. */
const WORDS_PER_GROUP = 32;

/**
 * Where a sentence ends: terminal punctuation (plus closing quotes or brackets) before
 * whitespace, or CJK terminal punctuation, which needs no space after it.
 */
const SENTENCE_END = /[.!?…]+["'’”)\]]*(?=\s)|[。！？]+/g;

/**
 * Cuts a block into spans of at most `budget` tokens, at the coarsest boundaries that work:
 * a container's children (list items, table rows, a quote's paragraphs, a list item's
 * blocks), then lines, then sentences, then words, then characters. Code blocks are not
 * cut: one over the budget comes back whole, marked `isOversize`; only one over
 * LARGE_TEXT_CHARS, pasted text, comes back as windows of lines, each marked so.
 */
export function splitNode(node: MdNode, budget: number, meter: Meter): Span[] {
  if (node.kind !== 'code' && node.children && node.children.length > 0)
    return splitContainer(node, budget, meter);
  return splitLeaf(node, budget, meter);
}

function splitContainer(node: MdNode, budget: number, meter: Meter): Span[] {
  const children = node.children!;
  const parts: Span[] = [];
  // Lines of the container before its first child or after its last one (a bare `>` line,
  // an empty item's marker) are read as leaves, so every non-blank line is in some span.
  const head = meter.trimLines(node.start, children[0]!.start);
  if (head) appendAll(parts, splitLeaf({ kind: 'other', start: head[0], end: head[1] }, budget, meter));
  for (const child of children) appendAll(parts, splitNode(child, budget, meter));
  const tail = meter.trimLines(children.at(-1)!.end, node.end);
  if (tail) appendAll(parts, splitLeaf({ kind: 'other', start: tail[0], end: tail[1] }, budget, meter));
  if (parts.length <= 1) return parts;
  const whole = meter.joinAll(parts);
  return whole.isOversize || whole.tokens > budget ? parts : [whole];
}

function splitLeaf(node: MdNode, budget: number, meter: Meter): Span[] {
  const range = meter.trimLines(node.start, node.end);
  if (!range) return [];
  const [start, end] = range;
  const source = meter.source;
  if (node.kind === 'code') {
    if (source.lineStart(end) - source.lineStart(start) > LARGE_TEXT_CHARS) {
      // A pasted log or dump: windows of lines, each read whole by full-text search and by its
      // start by the embedder, as one code block is; never counted, since each is over anyway.
      const spans: Span[] = [];
      for (let first = start; first < end; ) {
        let last = first;
        while (last + 1 < end && source.lineEnd(last + 1) - source.lineStart(first) <= PASTE_WINDOW_CHARS)
          last++;
        const from = source.lineStart(first);
        const to = source.lineEnd(last);
        spans.push({
          from,
          to,
          startLine: first,
          endLine: last,
          tokens: budget + 1,
          isExact: false,
          isOversize: true,
        });
        first = last + 1;
      }
      return spans;
    }
    const span = meter.lines(start, end)!;
    return [{ ...span, isOversize: span.tokens > budget }];
  }
  if (end - start === 1) return splitLine(start, budget, meter);
  if (source.lineStart(end) - source.lineStart(start) <= budget * SURELY_OVER_CHARS_PER_TOKEN) {
    const span = meter.lines(start, end)!;
    if (span.tokens <= budget) return [span];
  }
  const parts: Span[] = [];
  for (let line = start; line < end; line++)
    if (!source.isBlank(line)) appendAll(parts, splitLine(line, budget, meter));
  return parts;
}

function splitLine(line: number, budget: number, meter: Meter): Span[] {
  const source = meter.source;
  const [from, to] = trimmed(source.text, source.lineStart(line), source.lineEnd(line));
  if (from >= to) return [];
  if (to - from <= budget * SURELY_OVER_CHARS_PER_TOKEN) {
    const span = meter.text(from, to);
    if (span.tokens <= budget) return [span];
  }
  const parts: Span[] = [];
  for (const [a, b] of sentences(source.text, from, to)) {
    if (b - a <= budget * SURELY_OVER_CHARS_PER_TOKEN) {
      const span = meter.text(a, b);
      if (span.tokens <= budget) {
        parts.push(span);
        continue;
      }
    }
    appendAll(parts, splitWords(a, b, budget, meter));
  }
  return parts;
}

/** Words in groups (one count per group); a group over budget is taken word by word. */
function splitWords(from: number, to: number, budget: number, meter: Meter): Span[] {
  const words = [...spansOf(meter.source.text, from, to, /\S+/g)];
  const parts: Span[] = [];
  for (let i = 0; i < words.length; i += WORDS_PER_GROUP) {
    const group = words.slice(i, i + WORDS_PER_GROUP);
    const a = group[0]![0];
    const b = group.at(-1)![1];
    if (b - a <= budget * SURELY_OVER_CHARS_PER_TOKEN) {
      const span = meter.text(a, b);
      if (span.tokens <= budget) {
        parts.push(span);
        continue;
      }
    }
    for (const [wa, wb] of group) {
      const span = wb - wa <= budget * SURELY_OVER_CHARS_PER_TOKEN ? meter.text(wa, wb) : undefined;
      if (span && span.tokens <= budget) parts.push(span);
      else appendAll(parts, cutWord(wa, wb, budget, meter));
    }
  }
  return parts;
}

/**
 * The last resort, for a "word" over the budget (CJK text has no spaces; a minified line may
 * have none): windows of characters. A BERT token never covers less than one character, so a
 * window of `budget` characters fits; the loop still checks, for tokenizers that differ.
 */
function cutWord(from: number, to: number, budget: number, meter: Meter): Span[] {
  const text = meter.source.text;
  const parts: Span[] = [];
  let width = Math.max(1, budget);
  for (let at = from; at < to; ) {
    let end = Math.min(to, at + width);
    // Never between the halves of a surrogate pair (an emoji, a rare CJK character).
    if (end < to && end - at > 1 && isLowSurrogate(text.charCodeAt(end))) end--;
    const span = meter.text(at, end, false);
    if (span.tokens > budget && end - at > 1) {
      width = Math.max(1, Math.floor((end - at) / 2));
      continue;
    }
    parts.push(span);
    at = end;
  }
  return parts;
}

function* sentences(text: string, from: number, to: number): Generator<[number, number]> {
  const re = new RegExp(SENTENCE_END.source, 'g');
  re.lastIndex = from;
  let start = from;
  for (let m = re.exec(text); m && m.index < to; m = re.exec(text)) {
    const end = Math.min(to, m.index + m[0].length);
    const [a, b] = trimmed(text, start, end);
    if (a < b) yield [a, b];
    start = end;
  }
  const [a, b] = trimmed(text, start, to);
  if (a < b) yield [a, b];
}

function* spansOf(text: string, from: number, to: number, pattern: RegExp): Generator<[number, number]> {
  const re = new RegExp(pattern.source, 'g');
  re.lastIndex = from;
  for (let m = re.exec(text); m && m.index < to; m = re.exec(text))
    yield [m.index, Math.min(to, m.index + m[0].length)];
}

/** [from, to) without whitespace at either end. */
function trimmed(text: string, from: number, to: number): [number, number] {
  let a = from;
  let b = to;
  while (a < b && isSpace(text.charCodeAt(a))) a++;
  while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
  return [a, b];
}

function isSpace(code: number): boolean {
  return (
    code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 11 || code === 0xa0
  );
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
