/**
 * The words inside identifiers, for the full-text index of code. Its tokenizer (`simple`) splits
 * `parse_args` at the underscore but keeps `parseArgs` whole, so a question that says "parse
 * the arguments" never meets a camelCase name, nor `HTMLParser`, `toJSON` or `$ref`-like names
 * glued together. These words go on a line of their own in the stored text (and so in the
 * full-text index), never into what is embedded: the vectors stay those of the source.
 */

/** Identifiers as most grammars spell them; `$` for JavaScript. */
const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*/g;

/**
 * Where a compound name breaks: lower/digit → upper (`parseArgs`), and the last capital of an
 * acronym before a lower-case letter (`HTMLParser` → `HTML` `Parser`).
 */
const CAMEL_BREAK = /(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/;

/** Parts shorter than this are noise to BM25 (`a`, `x` of `xOffset`). */
const MIN_WORD_CHARS = 2;

/**
 * The parts of every camelCase (or PascalCase-with-acronym) identifier in `text`, lower case,
 * each compound counted once: `getUserName(user); getUserName()` → `get user name`. Names the
 * tokenizer already splits (snake_case, single words) add nothing and are left out.
 */
export function identifierWords(text: string): string {
  const seen = new Set<string>();
  const words: string[] = [];
  for (const match of text.matchAll(IDENTIFIER)) {
    const name = match[0];
    if (seen.has(name)) continue;
    seen.add(name);
    const pieces = name.split(/[_$]+/);
    // A name with no inner capital is already split, or one token, to the index.
    if (!pieces.some((piece) => CAMEL_BREAK.test(piece))) continue;
    const parts = pieces
      .flatMap((piece) => piece.split(CAMEL_BREAK))
      .filter((part) => part.length >= MIN_WORD_CHARS);
    if (parts.length < 2) continue;
    for (const part of parts) words.push(part.toLowerCase());
  }
  return words.join(' ');
}
