import { type Document, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { yamlSyntaxError } from './load.js';

/** What a config file written by `ragctl add` opens with, when there was none. */
const NEW_FILE_HEADER =
  'ragctl configuration. Every key is documented in config.yaml in the ragctl repository;\n' +
  'unknown keys are errors. `ragctl add <folder>` appends to `sources:`.';

/**
 * The config file's text with one more entry under `sources:`, everything else as it was:
 * comments, order, quoting and blank lines (the YAML is edited as a document, not re-dumped).
 * `text` null: a new file. Throws ConfigError when the file is not YAML or `sources:` is not a
 * list, naming `file`; whether the new source is valid is for the caller to check.
 */
export function withSource(
  text: string | null,
  entry: { path: string; engine?: string | readonly string[]; include?: readonly string[] },
  file: string,
): string {
  const doc = parseYaml(text ?? '', file);
  if (text === null || doc.contents === null) {
    if (text === null) doc.commentBefore = ` ${NEW_FILE_HEADER.replaceAll('\n', '\n ')}`;
    doc.contents = doc.createNode({}) as typeof doc.contents;
  }
  if (!isMap(doc.contents)) throw new ConfigError('', 'the top level must be a mapping', file);
  const value = doc.createNode({
    path: entry.path,
    ...(entry.engine ? { engine: entry.engine } : {}),
    ...(entry.include ? { include: entry.include } : {}),
  });
  // Several engines, or globs, on the entry's own line: `engine: [code, md]`.
  for (const key of ['engine', 'include']) {
    const list = value.get(key, true);
    if (isSeq(list)) list.flow = true;
  }
  const sources = doc.get('sources', true);
  if (sources === undefined || (isScalar(sources) && sources.value === null)) {
    // Absent, or `sources:` with nothing after it.
    doc.set('sources', doc.createNode([value]));
  } else if (isSeq(sources)) {
    // `sources: []` is a flow list; one entry per line reads better, as the shipped config writes it.
    if (sources.items.length === 0) sources.flow = false;
    sources.add(value);
  } else {
    throw new ConfigError('sources', 'must be a list, so a folder can be added to it', file);
  }
  return doc.toString();
}

/**
 * The config file's text without the `sources:` entries whose `path` (as written) `matches`
 * says to remove, everything else as it was, and the paths of every entry as written. The other
 * sources need not load (a folder that is gone is what one removes), so nothing else is checked.
 */
export function withoutSource(
  text: string,
  matches: (path: string) => boolean,
  file: string,
): { text: string; removed: number; listed: string[] } {
  const doc = parseYaml(text, file);
  const sources = doc.get('sources', true);
  if (!isSeq(sources)) return { text, removed: 0, listed: [] };
  const listed: string[] = [];
  let removed = 0;
  for (let i = sources.items.length - 1; i >= 0; i--) {
    const item = sources.items[i];
    const path = isMap(item) ? item.get('path') : undefined;
    if (typeof path !== 'string') continue;
    listed.unshift(path);
    if (matches(path)) {
      sources.items.splice(i, 1);
      removed++;
    }
  }
  return { text: doc.toString(), removed, listed };
}

function parseYaml(text: string, file: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length) throw yamlSyntaxError(doc.errors[0]!, file);
  return doc;
}
