import type { Node } from 'web-tree-sitter';

/**
 * Which names a chunk holds only as parameters: a question about a function's uses (`what calls
 * nullSafe`) is not answered by `void describe(boolean nullSafe)`, which declares and reads a
 * variable of its own. Decided from the syntax tree, where `x.nullSafe()` and Java's bare
 * `nullSafe()` (a method's name, never a variable's) are told apart from the parameter.
 */

/** Leaf types that name a variable: most grammars' `identifier`, PHP's `name` (in `$name`). */
const VARIABLE_NAMES: ReadonlySet<string> = new Set(['identifier', 'name']);

/**
 * The fields holding the member a node selects or the method it calls, not a variable of the
 * scope: `a.nullSafe` (`property`, `field`, Python's `attribute`, C#'s and PHP's `name`), Java's
 * `nullSafe()` and `a.nullSafe()` (`name`), Ruby's `a.null_safe` (`method`), a keyword argument.
 */
const MEMBER_FIELDS: readonly string[] = ['property', 'field', 'attribute', 'name', 'method'];

/** Fields of a parameter that hold its name, or a declarator around it (C's `*name`, TS patterns). */
const NAME_FIELDS: readonly string[] = ['name', 'pattern', 'declarator'];

/** How deep a parameter's name may sit in its declarators (`int (*cb)(int)`, `const T& x`). */
const MAX_NAME_DEPTH = 8;

/**
 * The leaves that declare a function's parameters: `nullSafe` of `boolean nullSafe`,
 * `const char *name`, `null_safe: bool`, `$nullSafe`, `x: int = 1`. A parameter whose name is
 * not found this way (a destructuring pattern) is left out, which only keeps its chunk a use.
 */
export function parameterDeclarations(fn: Node): Node[] {
  const list = parameterList(fn);
  if (!list) return [];
  if (isVariableName(list)) return [list];
  return list.namedChildren.flatMap((param) => declaredNames(param, 0));
}

/** `(…)` of the function, or its one bare parameter (`x => x`); C's sits in its declarator. */
function parameterList(fn: Node): Node | null {
  const own = fn.childForFieldName('parameters') ?? fn.childForFieldName('parameter');
  if (own) return own;
  let declarator = fn.childForFieldName('declarator');
  for (let depth = 0; declarator && depth < MAX_NAME_DEPTH; depth++) {
    const list = declarator.childForFieldName('parameters');
    if (list) return list;
    declarator = declarator.childForFieldName('declarator');
  }
  return null;
}

/** A parameter's names: one mostly, Go's `a, b int` two. */
function declaredNames(node: Node, depth: number): Node[] {
  if (isVariableName(node)) return [node];
  if (depth >= MAX_NAME_DEPTH || node.namedChildCount === 0) return [];
  for (const field of NAME_FIELDS) {
    const inner = node.childrenForFieldName(field);
    if (inner.length > 0) return inner.flatMap((child) => declaredNames(child, depth + 1));
  }
  // Python's `x: int`, `*args`; C++'s `T& x`; PHP's `$x`: the name first, with no field. A type
  // first (Java's `String... rest`) is no variable's name, and is left alone.
  const first = node.firstNamedChild;
  const isName = first !== null && (isVariableName(first) || first.type === 'variable_name');
  return isName ? declaredNames(first, depth + 1) : [];
}

function isVariableName(node: Node): boolean {
  return node.namedChildCount === 0 && VARIABLE_NAMES.has(node.type);
}

/** Letters, digits and `_` continue a name; PHP's `$` and JS's `$` are told apart by the tree. */
const NAME_CHAR = String.raw`[\p{L}\p{N}_]`;

/**
 * The names among `declarations` that every leaf of `root` spelled alike, within `ranges`
 * (offsets, end exclusive), is a declaration of, or with `readsCount`, a plain read of (the
 * parameter in its function's body): no member (`x.nullSafe`), no method call of Java's
 * (`nullSafe()`), no string or other kind of name. A comment or a docstring that mentions one
 * is text, not code, and does not count.
 *
 * The text finds where each name is written, and the tree says what each of those is: visiting
 * every node of every function instead cost a third of the chunker's time outside tokenizing.
 */
export function namesOnlyDeclared(
  root: Node,
  declarations: readonly Node[],
  ranges: ReadonlyArray<readonly [number, number]>,
  readsCount: boolean,
): string[] {
  const declaredAt = new Set(declarations.map((d) => d.startIndex));
  const names = new Map(declarations.map((d) => [d.text, d.type]));
  const text = root.text;
  const base = root.startIndex;
  const isShown = (at: number) => ranges.some(([from, to]) => at >= from && at < to);
  return [...names].flatMap(([name, type]) => {
    const escaped = name.replace(/[$]/g, '\\$&');
    for (const match of text.matchAll(new RegExp(`(?<!${NAME_CHAR})${escaped}(?!${NAME_CHAR})`, 'gu'))) {
      const at = base + match.index;
      if (declaredAt.has(at) || !isShown(at)) continue;
      const node = root.descendantForIndex(at, at + name.length);
      // Inside a longer leaf: a comment's or a string's words, or another name (`$name` in JS).
      if (!node || node.startIndex !== at || node.endIndex !== at + name.length) continue;
      if (!readsCount || node.type !== type || isMember(node)) return [];
    }
    return [name];
  });
}

/** The node is the member a parent selects or calls (`MEMBER_FIELDS`), not a variable. */
function isMember(node: Node): boolean {
  const parent = node.parent;
  if (!parent) return false;
  return MEMBER_FIELDS.some((field) => parent.childForFieldName(field)?.startIndex === node.startIndex);
}
