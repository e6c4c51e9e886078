import type { TokenCounter } from '../../embed/types.js';
import type { SourceText } from '../markdown/source.js';
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
    const windows = this.#windows(unit.text, unit.isContiguous ? unit.startLine : undefined);
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
      };
      if (!isIndependent) Object.assign(piece, { parent: unit, part: i });
      return piece;
    });
  }

  /** The body's statements packed greedily into parts; a statement alone over the budget is cut by lines. */
  #cut(unit: Unit): Unit[] {
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
      parts.push(part);
    };
    // Parts are sized by sums of the statements' counts, so each line is tokenised about once.
    let group: { start: number; end: number; tokens: number } | undefined;
    const flush = (): void => {
      if (group) push(this.#lines(group.start, group.end), group.start, group.end);
      group = undefined;
    };
    const statements = unit.statements!;
    for (const [start, end] of statements) {
      // Only blank lines lie between statements (comments are statements here), so the lines
      // added to a group are counted once and, when they do not fit, start the next group.
      let added: number | undefined;
      if (group) {
        added = this.count(this.#lines(group.end + 1, end));
        if (group.tokens + added <= this.budget) {
          Object.assign(group, { end, tokens: group.tokens + added });
          continue;
        }
        if (start <= group.end) added = undefined;
      }
      flush();
      const tokens = added ?? this.count(this.#lines(start, end));
      if (tokens <= this.budget) {
        group = { start, end, tokens };
        continue;
      }
      for (const window of this.#windows(this.#lines(start, end), start)) {
        push(window.text, window.startLine!, window.endLine!, window.isCutLine);
      }
    }
    // The lines after the last statement (a closing brace) go with the last part when they fit,
    // so that the header and the parts are the whole definition; never a part of their own.
    const lastEnd = statements.at(-1)![1];
    if (group && group.end === lastEnd && unit.endLine > lastEnd) {
      const tail = this.#lines(lastEnd + 1, unit.endLine);
      const added = tail.trim() === '' ? undefined : this.count(tail);
      if (added !== undefined && group.tokens + added <= this.budget)
        Object.assign(group, { end: unit.endLine, tokens: group.tokens + added });
    }
    flush();
    return parts;
  }

  /**
   * Lines packed greedily up to the budget, blank lines trimmed at the edges of each window;
   * a line alone over the budget is cut in halves (at a space near the middle when there is
   * one) until each piece fits. With `firstLine`, windows carry their lines in the file.
   */
  #windows(text: string, firstLine?: number): Window[] {
    const lines = text.split('\n');
    const counts = lines.map((line) => (line.trim() === '' ? 0 : this.count(line)));
    const windows: Window[] = [];
    let start = 0;
    let tokens = 0;
    const flush = (end: number): void => {
      let first = start;
      let last = end;
      while (first < last && lines[first]!.trim() === '') first++;
      while (last > first && lines[last - 1]!.trim() === '') last--;
      if (first < last) windows.push(...this.#checked(lines, first, last, firstLine, tokens));
      start = end;
      tokens = 0;
    };
    for (let i = 0; i < lines.length; i++) {
      const cost = counts[i]!;
      if (cost > this.budget) {
        flush(i);
        for (const piece of this.#cutLine(lines[i]!)) {
          const line = firstLine === undefined ? undefined : firstLine + i;
          windows.push({ text: piece, startLine: line, endLine: line, isCutLine: true });
        }
        start = i + 1;
        continue;
      }
      if (tokens + cost > this.budget) flush(i);
      tokens += cost;
    }
    flush(lines.length);
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
    firstLine?: number,
    sum?: number,
  ): Window[] {
    const text = lines.slice(first, last).join('\n');
    const isSure = sum !== undefined && sum <= this.budget - SUM_SLACK_TOKENS;
    if (!isSure && last - first > 1 && this.count(text) > this.budget) {
      const middle = first + Math.floor((last - first) / 2);
      return [
        ...this.#checked(lines, first, middle, firstLine),
        ...this.#checked(lines, middle, last, firstLine),
      ];
    }
    if (firstLine === undefined) return [{ text, isCutLine: false }];
    return [{ text, startLine: firstLine + first, endLine: firstLine + last - 1, isCutLine: false }];
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

interface Window {
  text: string;
  /** Lines in the file, when the text being cut is the file's own lines. */
  startLine?: number;
  endLine?: number;
  isCutLine: boolean;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
