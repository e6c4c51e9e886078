import type { SearchParamsSchema } from './param-specs.js';

/**
 * The `search` parameter tables of docs/PROTOCOL.md, written from the schema so the page
 * cannot drift from it: scripts/protocol-params.mjs writes them, and a test fails when the page
 * differs from what this renders.
 */

export const BEGIN_MARK =
  '<!-- search-params:begin (generated from src/search/params.ts: node scripts/protocol-params.mjs) -->';
export const END_MARK = '<!-- search-params:end -->';

const cell = (text: string) => text.replaceAll('|', '\\|');

export function renderSearchParams(schema: SearchParamsSchema): string {
  const base = schema.params.filter((p) => !p.filter);
  const fields = schema.params.filter((p) => p.filter);
  const lines = [
    '| param | value | default | |',
    '|-------|-------|---------|-|',
    ...base.map(
      (p) => `| \`${p.name}\` | ${cell(p.expects)} | ${cell(p.defaultText)} | ${cell(p.description)} |`,
    ),
    '',
    'Filter fields that engines declare (their mapper writes the column). A search that uses one',
    'runs only on the engines that have it; with `engine` set to one that lacks it, or when no',
    'engine of the index has it, the reply is an `E_USAGE` error naming the field.',
    '',
    '| param | value | filter | |',
    '|-------|-------|--------|-|',
    ...fields.map((p) => {
      const f = p.filter!;
      return `| \`${p.name}\` | ${cell(p.expects)} | ${f.kind} on \`${f.column}\` | ${cell(p.description)} |`;
    }),
  ];
  return lines.join('\n');
}

/** `doc` with the text between the marks replaced by `body`; throws when the marks are missing. */
export function replaceSearchParams(doc: string, body: string): string {
  const begin = doc.indexOf(BEGIN_MARK);
  const end = doc.indexOf(END_MARK);
  if (begin < 0 || end < begin) throw new Error(`the page lacks the marks ${BEGIN_MARK} … ${END_MARK}`);
  return `${doc.slice(0, begin + BEGIN_MARK.length)}\n${body}\n${doc.slice(end)}`;
}
