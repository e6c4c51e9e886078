import { type Node, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import { RagError } from '../../errors.js';
import { lineFinder } from './converted.js';

/**
 * A JSON document a reader takes apart (a notebook, a canvas), as a tree with each value's
 * offset, and the 0-based line of an offset: a reader maps what it writes to the file's lines.
 * Invalid JSON, or JSON that is not an object, is skipped, saying what it is not (`a Jupyter
 * notebook`) and where the JSON breaks.
 */
export function readJsonObject(
  json: string,
  what: string,
): { root: Node; lineAt: (offset: number) => number } {
  const errors: ParseError[] = [];
  const root = parseTree(json, errors, { disallowComments: true, allowTrailingComma: false });
  const lineAt = lineFinder(json);
  const error = errors[0];
  if (error) {
    const why = printParseErrorCode(error.error)
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase();
    throw new RagError('E_SKIPPED', `not ${what}: invalid JSON at line ${lineAt(error.offset) + 1} (${why})`);
  }
  if (root?.type !== 'object') throw new RagError('E_SKIPPED', `not ${what}: it is not a JSON object`);
  return { root, lineAt };
}

/** The value of `key` in an object node, or undefined. */
export function property(node: Node | undefined, key: string): Node | undefined {
  if (node?.type !== 'object') return undefined;
  const pair = node.children?.find((p) => p.children?.[0]?.value === key);
  return pair?.children?.[1];
}
