import { appendAll } from '../../arrays.js';
import type { TokenCounter } from '../../embed/types.js';
import type { SourceText } from '../markdown/source.js';
import { evenly } from './evenly.js';
import type { Unit } from './types.js';

/**
 * Makes every unit fit the token budget. A unit that fits is left alone. A function too long
 * is cut between the statements of its body: its own chunk keeps the header (decorators, doc
 * comment, signature, docstring) and each part points at it. Module code and plain text become
 * independent windows of lines; anything else keeps its first window and the rest point at it.
 */
export class UnitFitter {
  /** Tokens of text in one chunk: the limit less the model's special tokens. */
  readonly budget: number;
  readonly #source: SourceText;
  readonly #counter: TokenCounter;
  readonly #specialTokens: number;

  constructor(source: SourceText, counter: TokenCounter, maxTokens: number) {
    this.#source = source;
    this.#counter = counter;
    this.#specialTokens = counter.countTokens('');
    this.budget = maxTokens - this.#specialTokens;
  }

  count(text: string): number {
    return this.#counter.countTokens(text) - this.#specialTokens;
  }

  fit(unit: Unit): Unit[] {
    if (!isSurelyOver(unit.text, this.budget) && this.count(unit.text) <= this.budget) return [unit];
    if (unit.statements && unit.headEndLine !== undefined) {
      const head = this.#lines(unit.startLine, unit.headEndLine);
      if (this.count(head) <= this.budget) return [Object.assign(unit, { text: head }), ...this.#cut(unit)];
    }
    const lineOf = unit.isContiguous
      ? (i: number) => unit.startLine + i
      : unit.lineMap && ((i: number) => unit.lineMap![i]!);
    const windows = this.#windows(unit.text, lineOf);
    const isIndependent = unit.kind === 'module' || unit.kind === 'text';
    return windows.map((window, i) => {
      if (i === 0 && !isIndependent) return Object.assign(unit, { text: window.text });
      const piece: Unit = {
        ...unit,
        text: window.text,
        isCutLine: window.isCutLine || undefined,
        startLine: window.startLine ?? unit.startLine,
        endLine: window.endLine ?? unit.endLine,
        statements: undefined,
        headEndLine: undefined,
        embedText: undefined,
        lineMap: undefined,
      };
      if (!isIndependent) Object.assign(piece, { parent: unit, part: i });
      return piece;
    });
  }

  /**
   * The body's statements cut into parts (`evenly`: as few as packing to the budget needs,
   * sized alike). A statement alone over the budget is cut by lines, and those lines are packed
   * with the statements around it: as parts of their own, the short statements beside a long
   * `if`/`match` were chunks of a line or two (`int p = peeked;`) that matched little but their
   * symbol line.
   */
  #cut(unit: Unit): Unit[] {
    const statements = unit.statements!;
    // Only blank lines lie between statements (comments are statements here), so a statement
    // costs its own lines, and one that shares a line with the one before costs what it adds.
    const items: Group[] = [];
    statements.forEach(([start, end], i) => {
      const from = Math.max(start, i === 0 ? start : statements[i - 1]![1] + 1);
      const tokens = this.count(this.#lines(from, end));
      if (tokens <= this.budget) items.push({ start, end, tokens, isOver: false });
      else
        for (let line = from; line <= end; line++) {
          const text = this.#lines(line, line);
          items.push({
            start: line,
            end: line,
            tokens: text.trim() === '' ? 0 : this.count(text),
            isOver: false,
          });
        }
    });
    const groups = evenly(
      items.map((item) => item.tokens),
      this.budget,
    ).map(({ first, last, tokens }): Group => {
      let start = items[first]!.start;
      let end = items[last - 1]!.end;
      // A cut inside a long statement may fall next to one of its blank lines.
      while (start < end && this.#source.isBlank(start)) start++;
      while (end > start && this.#source.isBlank(end)) end--;
      return { start, end, tokens, isOver: tokens > this.budget };
    });
    // The lines after the last statement (a closing brace) go with the last part when they fit,
    // so that the header and the parts are the whole definition; never a part of their own.
    const last = groups.at(-1);
    const lastEnd = statements.at(-1)![1];
    if (last && !last.isOver && last.end === lastEnd && unit.endLine > lastEnd) {
      const tail = this.#lines(lastEnd + 1, unit.endLine);
      const added = tail.trim() === '' ? undefined : this.count(tail);
      if (added !== undefined && last.tokens + added <= this.budget)
        Object.assign(last, { end: unit.endLine, tokens: last.tokens + added });
    }
    const parts: Unit[] = [];
    const push = (text: string, startLine: number, endLine: number, isCutLine = false): void => {
      const part: Unit = {
        kind: unit.kind,
        name: unit.name,
        startLine,
        endLine,
        text,
        parent: unit,
        isContiguous: true,
      };
      part.part = parts.length + 1;
      if (isCutLine) part.isCutLine = true;
      if (unit.hasSyntaxError) part.hasSyntaxError = true;
      if (unit.isTest) part.isTest = true;
      if (unit.parameterNames) part.parameterNames = unit.parameterNames;
      parts.push(part);
    };
    for (const group of groups) {
      if (!group.isOver) push(this.#lines(group.start, group.end), group.start, group.end);
      else
        for (const window of this.#windows(this.#lines(group.start, group.end), (i) => group.start + i))
          push(window.text, window.startLine!, window.endLine!, window.isCutLine);
    }
    return parts;
  }

  /**
   * Lines cut into windows of the budget (`evenly`: as few as packing needs, sized alike),
   * blank lines trimmed at the edges of each window; a line alone over the budget is cut in
   * halves (at a space near the middle when there is one) until each piece fits. With
   * `lineOf` (the file line of each line of the text), windows carry their lines in the file.
   */
  #windows(text: string, lineOf?: (line: number) => number): Window[] {
    const lines = text.split('\n');
    const counts = lines.map((line) => (line.trim() === '' ? 0 : this.count(line)));
    const windows: Window[] = [];
    for (let { first, last, tokens } of evenly(counts, this.budget)) {
      if (tokens > this.budget) {
        const line = lineOf?.(first);
        for (const piece of this.#cutLine(lines[first]!))
          windows.push({ text: piece, startLine: line, endLine: line, isCutLine: true });
        continue;
      }
      while (first < last && lines[first]!.trim() === '') first++;
      while (last > first && lines[last - 1]!.trim() === '') last--;
      if (first < last) appendAll(windows, this.#checked(lines, first, last, lineOf, tokens));
    }
    return windows;
  }

  /**
   * Sums of line counts are exact for a WordPiece tokenizer (it splits at whitespace first), so
   * only a window within a few tokens of the limit is counted whole, and halved if a tokenizer
   * does not add up.
   */
  #checked(
    lines: readonly string[],
    first: number,
    last: number,
    lineOf?: (line: number) => number,
    sum?: number,
  ): Window[] {
    const text = lines.slice(first, last).join('\n');
    const isSure = sum !== undefined && sum <= this.budget - SUM_SLACK_TOKENS;
    if (!isSure && last - first > 1 && this.count(text) > this.budget) {
      const middle = first + Math.floor((last - first) / 2);
      return [...this.#checked(lines, first, middle, lineOf), ...this.#checked(lines, middle, last, lineOf)];
    }
    if (!lineOf) return [{ text, isCutLine: false }];
    return [{ text, startLine: lineOf(first), endLine: lineOf(last - 1), isCutLine: false }];
  }

  #cutLine(line: string): string[] {
    if (line.length <= 1 || this.count(line) <= this.budget) return [line];
    const middle = line.length >> 1;
    const space = line.lastIndexOf(' ', middle);
    let at = space > middle / 2 ? space + 1 : middle;
    // Never between the two halves of a surrogate pair.
    if (at > 0 && isHighSurrogate(line.charCodeAt(at - 1))) at++;
    return [...this.#cutLine(line.slice(0, at)), ...this.#cutLine(line.slice(at))];
  }

  #lines(start: number, end: number): string {
    return this.#source.text.slice(this.#source.lineStart(start), this.#source.lineEnd(end));
  }
}

/**
 * A WordPiece token is rarely over 8 characters, so text longer than 8 characters per token of
 * budget is split without being counted whole; splitting a text that would have fit costs only
 * an extra chunk, while counting it costs a pass of the tokenizer, the chunker's main cost.
 */
const SURELY_OVER_CHARS_PER_TOKEN = 8;

/** A window whose summed count is this close to the limit is counted whole to be sure. */
const SUM_SLACK_TOKENS = 2;

function isSurelyOver(text: string, budget: number): boolean {
  return text.length > budget * SURELY_OVER_CHARS_PER_TOKEN;
}

/** Statements to be one part (lines, inclusive). */
interface Group {
  start: number;
  end: number;
  tokens: number;
  /** One statement over the budget: cut by lines. */
  isOver: boolean;
}

interface Window {
  text: string;
  /** Lines in the file, when those of the text being cut are known. */
  startLine?: number;
  endLine?: number;
  isCutLine: boolean;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
