import { composed } from '../../text-decode.js';

/** U+FEFF at the very start: a byte-order mark some editors write; it is not content. */
const BOM = '\uFEFF';

/**
 * `\r\n` and a lone `\r` end a line, like `\n`. markdown-it normalises them the same way, so
 * its line numbers and ours agree, and the same text saved with either ending hashes the same.
 */
const LINE_BREAK = /\r\n?/g;

/**
 * The file's text with line endings normalised to `\n`, its characters composed (`composed`)
 * and the BOM dropped, plus the offset
 * of every line, so that any line range can be sliced without splitting the text into lines.
 */
export class SourceText {
  readonly text: string;
  readonly lineCount: number;
  /** `lineStarts[i]` is the offset of line i; one extra entry marks the end of the text. */
  readonly #lineStarts: number[];

  constructor(raw: string) {
    const unmarked = raw.startsWith(BOM) ? raw.slice(BOM.length) : raw;
    this.text = composed(unmarked.replace(LINE_BREAK, '\n'));
    const starts = [0];
    for (let at = this.text.indexOf('\n'); at !== -1; at = this.text.indexOf('\n', at + 1))
      starts.push(at + 1);
    this.lineCount = starts.length;
    starts.push(this.text.length + 1);
    this.#lineStarts = starts;
  }

  lineStart(line: number): number {
    return this.#lineStarts[line]!;
  }

  /** Offset just past the line's last character (before its `\n`). */
  lineEnd(line: number): number {
    return this.#lineStarts[line + 1]! - 1;
  }

  line(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  isBlank(line: number): boolean {
    return !/\S/.test(this.line(line));
  }

  /** Lines [start, end) as one string, for markdown-it. */
  slice(start: number, end: number): string {
    return this.text.slice(
      this.lineStart(start),
      end >= this.lineCount ? this.text.length : this.lineStart(end),
    );
  }

  /** The line containing `offset`. */
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.lineCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/**
 * An inline `data:` URI's base64 payload (an image a Markdown editor pasted into the note:
 * `![](data:image/png;base64,iVBOR…)`), at least this long. Shorter ones (an icon) are left.
 */
const DATA_PAYLOAD = /(data:[a-z]+\/[\w.+-]+(?:;[\w.+-]+=[\w.+-]+)*;base64,)[A-Za-z0-9+/]{256,}={0,2}/gi;

/**
 * The text with each long `data:` URI's payload made `…`: a pasted screenshot is hundreds of
 * kilobytes of base64 that no one searches, and would otherwise be hundreds of chunks to embed.
 * Lines stay where they are, so a chunk's line numbers are still the file's.
 */
export function withoutDataPayloads(text: string): string {
  return text.replace(DATA_PAYLOAD, '$1…');
}
