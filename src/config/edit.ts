import { isDeepStrictEqual } from 'node:util';
import { type Document, isMap, isNode, isScalar, isSeq, parseDocument, type YAMLSeq } from 'yaml';
import { ConfigError } from '../errors.js';
import { yamlSyntaxError } from './load.js';

/** What a config file written by `ragctl add` opens with, when there was none. */
const NEW_FILE_HEADER =
  'ragctl configuration. Every key is documented in config.yaml in the ragctl repository;\n' +
  'unknown keys are errors. `ragctl add <folder>` appends to `sources:`.';

/**
 * The config file's text with one more entry under `sources:`, everything else as it was:
 * comments, order, quoting, spacing and blank lines. A list of one entry a line gets the entry's
 * lines after its last; an empty, absent or flow list is edited as a YAML document.
 * `text` null: a new file. Throws ConfigError when the file is not YAML or `sources:` is not a
 * list, naming `file`; whether the new source is valid is for the caller to check.
 */
export function withSource(text: string | null, entry: SourceEntry, file: string): string {
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
  if (text !== null && isSeq(sources) && !sources.flow && sources.items.length > 0) {
    const appended = appendedAsText(text, sources, sourcesOf(doc), entry);
    if (appended !== undefined) return appended;
  }
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
  const gone: number[] = [];
  for (let i = sources.items.length - 1; i >= 0; i--) {
    const item = sources.items[i];
    const path = isMap(item) ? item.get('path') : undefined;
    if (typeof path !== 'string') continue;
    listed.unshift(path);
    if (matches(path)) gone.push(i);
  }
  if (!gone.length) return { text, removed: 0, listed };
  const kept = sourcesOf(doc).filter((_, i) => !gone.includes(i));
  // The entries' own lines cut out of the text, when the list is a block of entries.
  let cut = sources.flow ? undefined : text;
  for (const i of gone) {
    const range = rangeOf(sources.items[i]);
    if (!cut || !range) {
      cut = undefined;
      break;
    }
    const start = cut.lastIndexOf('\n', range[0] - 1) + 1;
    cut = cut.slice(0, start) + cut.slice(range[2]);
  }
  if (cut !== undefined && isDeepStrictEqual(sourcesOf(parseYaml(cut, file)), kept))
    return { text: cut, removed: gone.length, listed };
  for (const i of gone) sources.items.splice(i, 1);
  return { text: doc.toString(), removed: gone.length, listed };
}

/**
 * The file's text (whose `sources:` list reads as `listed`) with the entry's lines after the last
 * entry's, every other byte as it was
 * (the document's own printer would re-space comments and fold long lists); undefined when the
 * result would not read back as the list plus the entry.
 */
function appendedAsText(
  text: string,
  sources: YAMLSeq,
  listed: readonly unknown[],
  entry: SourceEntry,
): string | undefined {
  const first = sources.range?.[0];
  const end = rangeOf(sources.items.at(-1))?.[2];
  if (first === undefined || end === undefined) return undefined;
  const indent = ' '.repeat(first - (text.lastIndexOf('\n', first - 1) + 1));
  const list = (values: string | readonly string[]) =>
    typeof values === 'string' ? scalar(values) : `[${values.map(scalar).join(', ')}]`;
  const lines = [
    `${indent}- path: ${scalar(entry.path)}`,
    ...(entry.engine ? [`${indent}  engine: ${list(entry.engine)}`] : []),
    ...(entry.include
      ? [`${indent}  include: [${entry.include.map((g) => JSON.stringify(g)).join(', ')}]`]
      : []),
  ];
  const at = text[end - 1] === '\n' ? end : -1;
  const edited =
    at < 0
      ? `${text.slice(0, end)}\n${lines.join('\n')}${text.slice(end)}`
      : `${text.slice(0, at)}${lines.join('\n')}\n${text.slice(at)}`;
  let after: unknown[];
  try {
    after = sourcesOf(parseDocument(edited));
  } catch {
    return undefined;
  }
  const want = [...listed, entryValue(entry)];
  return isDeepStrictEqual(after, want) ? edited : undefined;
}

/** Where a parsed node lies in the text it was read from. */
function rangeOf(node: unknown): readonly [number, number, number] | undefined {
  return isNode(node) ? (node.range ?? undefined) : undefined;
}

/** A path or name as YAML reads it back as is: bare when it can be, else a JSON string. */
function scalar(value: string): string {
  return /^[\w~./@+-]+$/u.test(value) && !/^[-~]$/u.test(value) ? value : JSON.stringify(value);
}

type SourceEntry = { path: string; engine?: string | readonly string[]; include?: readonly string[] };

function entryValue(entry: SourceEntry): Record<string, unknown> {
  return {
    path: entry.path,
    ...(entry.engine ? { engine: entry.engine } : {}),
    ...(entry.include ? { include: entry.include } : {}),
  };
}

/** The `sources:` list as plain data (empty when it is not one). */
function sourcesOf(doc: Document): unknown[] {
  const value = doc.toJS() as { sources?: unknown } | null;
  return Array.isArray(value?.sources) ? value.sources : [];
}

function parseYaml(text: string, file: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length) throw yamlSyntaxError(doc.errors[0]!, file);
  return doc;
}
