/**
 * Text from bytes of unknown encoding: files read for indexing (src/pipeline/read-file.ts) and
 * the lines of a log (src/engines/sql/byte-lines.ts).
 */

/**
 * A file's text. UTF-8, unless its bytes say otherwise:
 * - a byte-order mark: UTF-16 LE or BE (what Windows' Notepad calls Unicode), or UTF-8 (dropped);
 * - not valid UTF-8, and an HTML or XML declaration names its charset (`<meta charset=shift_jis>`):
 *   that charset;
 * - not valid UTF-8, and not one valid UTF-8 sequence beyond ASCII in it: a file of a legacy
 *   8-bit code page (old notes in French or German), read as windows-1252, of which Latin-1 is a
 *   part — `café`, where UTF-8 would make it `caf\uFFFD` and lose the word.
 * Otherwise invalid bytes become U+FFFD: a stray Latin-1 byte in a UTF-8 note hides nothing else.
 */
export function decodeText(bytes: Uint8Array): string {
  const bom = utf16Bom(bytes);
  if (bom) return new TextDecoder(bom).decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Not UTF-8: below.
  }
  const declared = declaredCharset(bytes);
  if (declared && !WINDOWS_1252.test(declared)) return new TextDecoder(declared).decode(bytes);
  return declared ? windows1252(bytes) : decodeNotUtf8(bytes);
}

/**
 * Bytes that are not valid UTF-8, with no byte-order mark or declaration to go by (a line of a
 * log): UTF-8 with U+FFFD for the invalid bytes when some valid sequence beyond ASCII says the
 * text is UTF-8, else windows-1252.
 */
export function decodeNotUtf8(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8').decode(bytes);
  if (/[\u0080-\uFFFC\uFFFE-\u{10FFFF}]/u.test(text)) return text;
  return windows1252(bytes);
}

/** Labels of Latin-1 and windows-1252, which the web reads as windows-1252. */
const WINDOWS_1252 = /^(?:windows-1252|cp1252|iso-8859-1|iso8859-1|latin-?1|l1|us-ascii|ascii|x-cp1252)$/i;

/**
 * windows-1252's characters at 0x80–0x9F (Latin-1's C1 controls): the euro sign, curly quotes,
 * dashes. Decoded by hand: Node's TextDecoder reads the label as plain Latin-1.
 */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';

function windows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    .toString('latin1')
    .replace(/[\u0080-\u009F]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

export function utf16Bom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** The charset an HTML page's `<meta>` or an XML declaration names in its first kB, if this runtime knows it. */
function declaredCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).toString('latin1');
  const name =
    /<meta\b[^>]*?charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1] ??
    /^\s*<\?xml\b[^>]*?encoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1];
  if (!name || /^utf-?8$/i.test(name)) return undefined;
  try {
    new TextDecoder(name);
    return name;
  } catch {
    return undefined;
  }
}

/**
 * The text with its characters composed (Unicode NFC): `é` as one character, not `e` and a
 * combining accent. Text copied from macOS (its file system and apps write decomposed), synced
 * folders and PDFs are often decomposed, while keyboards type composed: the full-text index
 * would split `He◌́le◌̀ne` at the accents and never match a typed `Hélène`. Both what is indexed
 * and what is searched for are composed. A text without combining marks or Hangul jamo is
 * returned as it is, unscanned by the normaliser.
 */
export function composed(text: string): string {
  return /[\p{M}\u1100-\u11ff]/u.test(text) ? text.normalize('NFC') : text;
}
