import { parseDocument } from 'yaml';
import type { SourceText } from './source.js';
import type { MarkdownChunkMetadata } from './types.js';

/** Jekyll/Hugo convention: `---` opens front matter on the first line; `---` or `...` closes it. */
const OPEN_FENCE = /^---[ \t]*$/;
const CLOSE_FENCE = /^(?:---|\.\.\.)[ \t]*$/;

/**
 * A YAML mapping key opening the block (`title:`, `"tags":`). Tells broken front matter (kept
 * raw) from a document that merely starts with a `---` rule and has another one later, whose
 * lines are markdown and must stay searchable.
 */
const KEY_LINE = /^["']?[\w.-]+["']?[ \t]*:(?:\s|$)/;

/**
 * Aliases a front matter may expand: a few are normal, thousands are a "billion laughs"
 * document meant to exhaust memory.
 */
const MAX_YAML_ALIASES = 100;

/**
 * Front matter keys whose values name what a note is about, or other names for it: Obsidian's
 * `tags` and `aliases`, Jekyll's and Hugo's `categories` and `keywords`. Matched whatever their case.
 */
const KEYWORD_KEYS = new Set(['tags', 'tag', 'aliases', 'alias', 'keywords', 'categories', 'category']);

/** A front matter is the user's, but one with thousands of tags must not swell every chunk. */
const MAX_KEYWORDS = 64;
const MAX_KEYWORD_CHARS = 100;

/**
 * Keys whose values steer a site generator or an editor (Jekyll, Hugo, Docusaurus, MkDocs,
 * Obsidian) rather than say anything about the note: not searchable words.
 */
const MACHINERY_KEYS = new Set([
  'layout',
  'template',
  'permalink',
  'slug',
  'url',
  'weight',
  'draft',
  'type',
  'menu',
  'nav_order',
  'sidebar_position',
  'cssclass',
  'cssclasses',
  'id',
  'uuid',
]);
/** Properties past these bounds are data, not a note's properties: the rest are left out. */
const MAX_PROPERTIES = 32;
const MAX_PROPERTY_CHARS = 500;

export interface FrontMatter {
  /** First line of the markdown body (0-based); 0 when there is no front matter. */
  bodyStart: number;
  metadata: Pick<MarkdownChunkMetadata, 'frontMatter' | 'frontMatterRaw'>;
  /** `title:` when it is a non-empty string. */
  title: string | undefined;
  /** The values of its tags, aliases, keywords and categories, in order, each once, without a leading `#`. */
  keywords: readonly string[];
  /**
   * Its other properties with text or numbers for values, as `key: value` (a list's items joined
   * by commas): an Obsidian note's `status: in-progress`, a docs page's `description`.
   */
  properties: readonly string[];
}

/**
 * Reads YAML front matter from the top of the file. Never throws: a block that starts like
 * YAML (`key:`) but does not parse to a mapping is still front matter, kept as raw text.
 * Otherwise a `---` on the first line is a thematic break and what follows is markdown, left
 * to the chunker so that it stays searchable: when there is no closing fence, when the block
 * is neither a mapping nor starts with a key, or when it holds nothing but `#` lines (YAML
 * would read them as comments, but they are far likelier headings).
 */
export function readFrontMatter(source: SourceText, pageProperties = false): FrontMatter {
  const none: FrontMatter = { bodyStart: 0, metadata: {}, title: undefined, keywords: [], properties: [] };
  if (pageProperties && !OPEN_FENCE.test(source.line(0))) return readPageProperties(source) ?? none;
  if (source.lineCount < 2 || !OPEN_FENCE.test(source.line(0))) return none;
  let close = 1;
  while (close < source.lineCount && !CLOSE_FENCE.test(source.line(close))) close++;
  if (close >= source.lineCount) return none;

  const raw = close > 1 ? source.text.slice(source.lineStart(1), source.lineEnd(close - 1)) : '';
  const firstLine = raw.split('\n').find((line) => /\S/.test(line) && !/^\s*#/.test(line));
  const value = parseYaml(raw);
  if (value === undefined) {
    if (firstLine === undefined || !KEY_LINE.test(firstLine)) return none;
    return {
      bodyStart: close + 1,
      metadata: { frontMatterRaw: raw },
      title: undefined,
      keywords: [],
      properties: [],
    };
  }
  if (firstLine === undefined && /\S/.test(raw)) return none;
  return fromMapping(value, close + 1);
}

/** What a front matter's mapping says, YAML's or Logseq's; the body starts at `bodyStart`. */
function fromMapping(value: Record<string, unknown>, bodyStart: number): FrontMatter {
  const title = typeof value.title === 'string' && value.title.trim() ? value.title.trim() : undefined;
  return {
    bodyStart,
    metadata: { frontMatter: value },
    title,
    keywords: keywordsOf(value),
    properties: propertiesOf(value),
  };
}

/** A Logseq page property, `tags:: project, finance`: its key and value. */
const PAGE_PROPERTY = /^([A-Za-z][\w-]*)::[ \t]+(\S.*?)[ \t]*$/;

/**
 * Logseq's page properties, the note's front matter in its own form: the file's first lines,
 * each `key:: value`, up to a blank line or the first block (`- `). Comma-separated values are
 * lists (`tags:: a, b`), as Logseq reads them. Undefined when the file does not open so.
 */
function readPageProperties(source: SourceText): FrontMatter | undefined {
  const value: Record<string, unknown> = {};
  let line = 0;
  for (; line < source.lineCount; line++) {
    const m = PAGE_PROPERTY.exec(source.line(line));
    if (!m) break;
    const [, key, text] = m as unknown as [string, string, string];
    const items = text.split(',').map((item) => item.trim().replace(/^\[\[(.*)\]\]$/, '$1'));
    value[key] = key === 'title' ? text : items.length > 1 ? items : items[0];
  }
  if (line === 0 || (line < source.lineCount && !/^\s*(?:$|[-*] )/.test(source.line(line)))) return undefined;
  return fromMapping(value, line);
}

/** `tags: [a, b]`, `tags: a`, `aliases: ["Other name"]`: strings and numbers, other values ignored. */
function keywordsOf(value: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const [key, v] of Object.entries(value)) {
    if (!KEYWORD_KEYS.has(key.toLowerCase())) continue;
    for (const item of Array.isArray(v) ? v : [v]) {
      if (typeof item !== 'string' && typeof item !== 'number') continue;
      const word = clip(
        String(item).replace(/^#+/, '').replace(/\s+/g, ' ').trim(),
        MAX_KEYWORD_CHARS,
      ).trim();
      if (word) out.add(word);
      if (out.size >= MAX_KEYWORDS) return [...out];
    }
  }
  return [...out];
}

/**
 * `key: value` for each property other than the title, the keywords and a site generator's
 * settings, whose value is text or a number, or a list of them; true/false flags and nested
 * mappings say nothing a search would ask for.
 */
function propertiesOf(value: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const k = key.toLowerCase();
    if (k === 'title' || KEYWORD_KEYS.has(k) || MACHINERY_KEYS.has(k)) continue;
    const items = (Array.isArray(v) ? v : [v]).filter(
      (item): item is string | number =>
        (typeof item === 'string' && /[\p{L}\p{N}]/u.test(item)) ||
        (typeof item === 'number' && Number.isFinite(item)),
    );
    if (!items.length) continue;
    const text = `${key}: ${items.map((item) => String(item).replace(/\s+/g, ' ').trim()).join(', ')}`;
    out.push(clip(text, MAX_PROPERTY_CHARS));
    if (out.length >= MAX_PROPERTIES) break;
  }
  return out;
}

/** The first `max` characters of `text`, by code point, so that a cut never leaves half of a surrogate pair. */
function clip(text: string, max: number): string {
  return [...text].slice(0, max).join('');
}

/** A mapping, `{}` for an empty block, or undefined when the YAML is invalid or not a mapping. */
function parseYaml(raw: string): Record<string, unknown> | undefined {
  // A template's `date: {{date}}` has a mapping as a key: read as text, without yaml's warning on stderr.
  const doc = parseDocument(raw, { logLevel: 'error' });
  if (doc.errors.length > 0) return undefined;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch {
    // toJS throws for alias bombs past the limit: kept as raw text, like any invalid YAML.
    return undefined;
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}
