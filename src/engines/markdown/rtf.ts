import { TextDecoder } from 'node:util';
import { RagError } from '../../errors.js';
import { ConvertedLines, type ConvertedText } from './converted.js';

/**
 * Groups whose text is not the document's: tables of fonts, colours and styles, the document's
 * properties, pictures, embedded objects, running heads and feet, list definitions, and every
 * group opened by `\*` that a reader does not know.
 */
const SKIPPED = new Set(
  [
    'fonttbl colortbl stylesheet info pict object header headerl headerr headerf footer footerl',
    'footerr footerf listtable listoverridetable rsidtbl generator xmlnstbl themedata',
    'colorschememapping datastore latentstyles pgdsctbl revtbl filetbl expandedcolortbl fldinst',
    'bkmkstart bkmkend field-instruction nonshppict mmathPr',
  ]
    .join(' ')
    .split(' '),
);

/** Control words that stand for a character. */
const CHARACTERS: Record<string, string> = {
  tab: '\t',
  emdash: '—',
  endash: '–',
  bullet: '•',
  lquote: '‘',
  rquote: '’',
  ldblquote: '“',
  rdblquote: '”',
  emspace: ' ',
  enspace: ' ',
  qmspace: ' ',
  line: '\n',
};

interface Group {
  skip: boolean;
  /** How many characters stand in for each `\u` character (`\ucN`). */
  uc: number;
}

/**
 * A Rich Text document (`.rtf`, as TextEdit and WordPad save; also a `.rtfd` bundle's
 * `TXT.rtf`) as the Markdown it reads as: its paragraphs, a paragraph at an outline level
 * (Word's headings) a heading of that level, a table's cells apart on a row's line; fonts,
 * colours, styles, the document's properties, pictures and running heads left out. Characters
 * come from the document's code page (`\ansicpg`, `\'hh`) or from Unicode (`\u`). `lines[i]` is
 * the file's line where that paragraph begins, so a hit opens the file near it.
 */
export function rtfToMarkdown(source: string): ConvertedText {
  if (!/^\s*\{\\rtf/.test(source))
    throw new RagError('E_SKIPPED', 'not a Rich Text file: it does not open with {\\rtf');
  const out = new ConvertedLines();
  const stack: Group[] = [];
  let group: Group = { skip: false, uc: 1 };
  let decoder = new TextDecoder('windows-1252');
  let paragraph = '';
  let paragraphLine = 0;
  let outline: number | undefined;
  let spaced = false;
  let inTable = false;
  let bytes: number[] = [];
  /** Characters still to drop after a `\u` (its stand-ins). */
  let standIns = 0;
  let line = 0;

  const flushBytes = () => {
    if (!bytes.length) return;
    if (!group.skip) paragraph += decoder.decode(new Uint8Array(bytes));
    bytes = [];
  };
  const text = (s: string) => {
    flushBytes();
    if (group.skip) return;
    if (!paragraph.trim()) paragraphLine = line;
    paragraph += s;
  };
  const blank = () => {
    if (out.length && out.line(-1) !== '') out.push('', paragraphLine);
  };
  // A paragraph is a line. An empty one (TextEdit's blank line) or one set with space before
  // or after it (Word's paragraphs) is also a paragraph break in the Markdown.
  const endParagraph = () => {
    flushBytes();
    const parts = paragraph
      .split('\n')
      .map((part) => part.replace(/[ \t\u00a0]+/g, ' ').trim())
      .filter(Boolean);
    paragraph = '';
    if (!parts.length) return blank();
    if (outline !== undefined) {
      blank();
      out.push(`${'#'.repeat(Math.min(6, outline + 1))} ${parts.join(' ')}`, paragraphLine);
      return blank();
    }
    for (const part of parts) out.pushText(part, paragraphLine);
    if (spaced) blank();
  };

  const control =
    /\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|(\r\n|\n|\r)|([^\\{}\r\n]+)/gy;
  for (let m = control.exec(source); m; m = control.exec(source)) {
    const [, word, param, hex, symbol, brace, newline, run] = m;
    if (newline) {
      line++;
      continue;
    }
    if (hex !== undefined) {
      if (standIns > 0) {
        standIns--;
        continue;
      }
      bytes.push(Number.parseInt(hex, 16));
      continue;
    }
    if (run !== undefined) {
      let chars = run;
      if (standIns > 0) {
        const dropped = Math.min(standIns, chars.length);
        chars = chars.slice(dropped);
        standIns -= dropped;
      }
      if (chars) text(chars);
      continue;
    }
    standIns = 0;
    if (brace === '{') {
      flushBytes();
      stack.push(group);
      group = { ...group };
      continue;
    }
    if (brace === '}') {
      flushBytes();
      group = stack.pop() ?? group;
      continue;
    }
    if (symbol !== undefined) {
      if (symbol === '*') group.skip = true;
      else if (symbol === '~') text('\u00a0');
      else if (symbol === '_') text('‑');
      else if (symbol === '\\' || symbol === '{' || symbol === '}') text(symbol);
      else if (symbol === '\n' || symbol === '\r') {
        // A backslash before a line break is a paragraph break.
        line++;
        endParagraph();
      }
      continue;
    }
    if (word === undefined) continue;
    const n = param === undefined ? undefined : Number(param);
    if (SKIPPED.has(word)) {
      flushBytes();
      group.skip = true;
      continue;
    }
    switch (word) {
      case 'ansicpg':
        decoder = decoderFor(n);
        break;
      case 'bin':
        // N bytes of binary data (a picture's) follow the word as they are: none of it is text.
        control.lastIndex += Math.max(0, n ?? 0);
        break;
      case 'uc':
        group.uc = n ?? 1;
        break;
      case 'u':
        text(String.fromCharCode(n === undefined ? 0xfffd : n < 0 ? n + 65536 : n));
        standIns = group.uc;
        break;
      case 'par':
        // A paragraph inside a table's cell is part of its row's line.
        if (inTable) text(' ');
        else if (!group.skip) endParagraph();
        break;
      case 'sect':
      case 'page':
        if (!group.skip) endParagraph();
        break;
      case 'pard':
        outline = undefined;
        spaced = false;
        inTable = false;
        break;
      case 'intbl':
        inTable = true;
        break;
      case 'sa':
      case 'sb':
        spaced = (n ?? 0) > 0;
        break;
      case 'outlinelevel':
        outline = n !== undefined && n >= 0 && n < 9 ? n : undefined;
        break;
      case 'cell':
        text(' | ');
        break;
      case 'row':
        inTable = false;
        if (!group.skip) {
          paragraph = paragraph.replace(/\s*\|\s*$/, '');
          endParagraph();
        }
        break;
      default: {
        const character = CHARACTERS[word];
        if (character !== undefined) text(character);
      }
    }
  }
  endParagraph();
  return out.finish('markdown');
}

/** The decoder of a Windows code page (`\ansicpg1251`), or of 1252 when this runtime has none. */
function decoderFor(codePage: number | undefined): TextDecoder {
  const label = codePage === 65001 ? 'utf-8' : codePage === 10000 ? 'macintosh' : `windows-${codePage}`;
  try {
    return new TextDecoder(label);
  } catch {
    return new TextDecoder(codePage === 932 ? 'shift_jis' : codePage === 936 ? 'gbk' : 'windows-1252');
  }
}
