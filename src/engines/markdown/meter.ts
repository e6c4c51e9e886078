import type { TokenCounter } from '../../embed/types.js';
import type { SourceText } from './source.js';
import type { Breadcrumb, Span } from './types.js';

/**
 * At most this share of the token limit goes to the heading breadcrumb; a deeper or wordier
 * path loses its outermost headings first, since the nearest heading says most.
 */
const MAX_BREADCRUMB_SHARE = 0.25;

const BREADCRUMB_SEPARATOR = ' > ';

/**
 * Measures text in tokens. Counting is the chunker's main cost (a 10 MB file is seconds of
 * tokenising), so each piece of text is counted once and sums are used after that: BERT's
 * tokenizer splits at whitespace first, so a text joined at whitespace has exactly the sum
 * of its parts' tokens. Whatever sits between two spans (a `>` line in a quote) is counted
 * when they are joined.
 */
export class Meter {
  readonly source: SourceText;
  /** Tokens the model adds to every input ([CLS], [SEP]). */
  readonly specialTokens: number;
  /** Tokens left for text in one input. */
  readonly maxContent: number;
  readonly #counter: TokenCounter;
  readonly #maxBreadcrumb: number;
  readonly #separatorTokens: number;
  readonly #breadcrumbs = new Map<string, Breadcrumb>();
  readonly #titles = new Map<string, number>();

  constructor(source: SourceText, counter: TokenCounter, maxTokens: number) {
    this.source = source;
    this.#counter = counter;
    this.specialTokens = counter.countTokens('');
    this.maxContent = maxTokens - this.specialTokens;
    this.#maxBreadcrumb = Math.floor(maxTokens * MAX_BREADCRUMB_SHARE);
    this.#separatorTokens = this.count(BREADCRUMB_SEPARATOR);
  }

  /** Tokens of `text` without the special tokens. */
  count(text: string): number {
    return this.#counter.countTokens(text) - this.specialTokens;
  }

  /** Lines [start, end) without blank lines at either end; undefined when all are blank. */
  lines(start: number, end: number): Span | undefined {
    const range = this.trimLines(start, end);
    if (!range) return undefined;
    return this.text(this.source.lineStart(range[0]), this.source.lineEnd(range[1] - 1));
  }

  /** [start, end) without blank lines at either end. */
  trimLines(start: number, end: number): [number, number] | undefined {
    let first = start;
    let last = end;
    while (first < last && this.source.isBlank(first)) first++;
    while (last > first && this.source.isBlank(last - 1)) last--;
    return first < last ? [first, last] : undefined;
  }

  /** Text between two offsets, counted. */
  text(from: number, to: number, isExact = true): Span {
    const source = this.source;
    const startLine = source.lineAt(from);
    const endLine = to <= source.lineEnd(startLine) ? startLine : source.lineAt(to - 1);
    const tokens = this.count(source.text.slice(from, to));
    return { from, to, startLine, endLine, tokens, isExact, isOversize: false };
  }

  /** The span from `a`'s start to `b`'s end: their tokens plus whatever lies between them. */
  join(a: Span, b: Span): Span {
    const gap = this.source.text.slice(a.to, b.from);
    const gapTokens = /\S/.test(gap) ? this.count(gap) : 0;
    return {
      from: a.from,
      to: b.to,
      startLine: a.startLine,
      endLine: b.endLine,
      tokens: a.tokens + gapTokens + b.tokens,
      isExact: a.isExact && b.isExact,
      isOversize: a.isOversize || b.isOversize,
    };
  }

  joinAll(spans: readonly Span[]): Span {
    let out = spans[0]!;
    for (let i = 1; i < spans.length; i++) out = this.join(out, spans[i]!);
    return out;
  }

  /**
   * The heading path as prefixed to embedded text, trimmed to its share of the limit. Sized
   * as the sum of its titles and separators, so each title is tokenised once per file.
   */
  breadcrumb(path: readonly string[]): Breadcrumb {
    const key = path.join('\0');
    let crumb = this.#breadcrumbs.get(key);
    if (crumb) return crumb;
    crumb = { prefix: '', tokens: 0 };
    const sizes = path.map((title) => this.#titleTokens(title));
    let tokens = sizes.reduce((sum, n) => sum + n, 0) + Math.max(0, path.length - 1) * this.#separatorTokens;
    for (let first = 0; first < path.length; first++) {
      if (tokens <= this.#maxBreadcrumb) {
        crumb = { prefix: `${path.slice(first).join(BREADCRUMB_SEPARATOR)}\n\n`, tokens };
        break;
      }
      tokens -= sizes[first]! + this.#separatorTokens;
    }
    this.#breadcrumbs.set(key, crumb);
    return crumb;
  }

  #titleTokens(title: string): number {
    let tokens = this.#titles.get(title);
    if (tokens === undefined) {
      tokens = this.count(title);
      this.#titles.set(title, tokens);
    }
    return tokens;
  }
}
