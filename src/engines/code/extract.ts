import type { Node } from 'web-tree-sitter';
import type { SourceText } from '../markdown/source.js';
import { namesOnlyDeclared, parameterDeclarations } from './parameters.js';
import type { CodeKind, LanguageSpec, Unit } from './types.js';

/** A doc comment's tag that says it documents the whole file, not what follows it. */
const FILE_DOC_TAG = /@(?:file|fileoverview|overview|module|license|copyright|packageDocumentation)\b/;

/** A definition found in the tree: what it is, its name and where its body is. */
interface Definition {
  kind: 'function' | 'container' | 'type';
  containerKind?: 'class' | 'interface' | 'impl' | 'object';
  /** An object literal's arrow member is a function, not a method: it has no `this` of the object. */
  isArrowMember?: boolean;
  name: string;
  /** The node that has the body (the function of `const f = () => …`, not the declaration). */
  node: Node;
  body: Node | null;
  /**
   * Go: the receiver's type, which makes a function a method of that type; C++: the class a
   * definition outside it names (`Cart` of `void Cart::add()`).
   */
  receiver?: string;
}

/** A sibling in a list of statements or members, with the comments and decorators it owns. */
interface Item {
  /** Offsets of the item including what leads it. */
  from: number;
  to: number;
  startLine: number;
  endLine: number;
  node: Node;
  definition: Definition | null;
  isImport: boolean;
  /** Only comments (or other leading nodes that led into nothing). */
  isLeadingOnly: boolean;
}

/**
 * Walks a parsed file and lists its units in file order: the import block, runs of module-level
 * code, and each definition (classes as their header plus member signatures, then their members).
 */
export class UnitExtractor {
  readonly #source: SourceText;
  readonly #spec: LanguageSpec;
  readonly #units: Unit[] = [];

  constructor(source: SourceText, spec: LanguageSpec) {
    this.#source = source;
    this.#spec = spec;
  }

  extract(root: Node): Unit[] {
    const items = this.#items(root.namedChildren);
    const imports = items.filter((item) => item.isImport);
    const isImportBlock = imports.length > 0 && this.#isImportBlock(items, imports);
    let hasImportsUnit = false;
    let run: Item[] = [];
    const flushRun = (): void => {
      if (run.length > 0) this.#units.push(this.#linesUnit('module', '', run[0]!, run.at(-1)!, null));
      run = [];
    };
    const typesByName = new Map<string, Unit>();
    for (const item of items) {
      if (item.isImport || (isImportBlock && this.#isInsideImportBlock(item, imports))) {
        flushRun();
        if (!hasImportsUnit) this.#importsUnit(imports, isImportBlock);
        hasImportsUnit = true;
        continue;
      }
      if (!item.definition) {
        run.push(item);
        continue;
      }
      flushRun();
      const unit = this.#definition(item, item.definition, null, '', false);
      if (unit.kind !== 'function' && unit.kind !== 'method') typesByName.set(unit.name, unit);
    }
    flushRun();
    this.#attachReceivers(typesByName);
    // Stable: a parent and its children keep their order when they start on the same line.
    return this.#units.sort((a, b) => a.startLine - b.startLine);
  }

  /** Comments between imports belong to the block, so it stays one piece of the file. */
  #isInsideImportBlock(item: Item, imports: readonly Item[]): boolean {
    return item.isLeadingOnly && item.from > imports[0]!.from && item.to < imports.at(-1)!.to;
  }

  /**
   * One chunk for the import block. When only comments lie between the imports it is that
   * stretch of the file; imports scattered among code are gathered, each with its own lines.
   */
  /** Only comments lie between the first import and the last. */
  #isImportBlock(items: readonly Item[], imports: readonly Item[]): boolean {
    const first = imports[0]!;
    const last = imports.at(-1)!;
    return items.every(
      (item) => item.to <= first.from || item.from >= last.to || item.isImport || item.isLeadingOnly,
    );
  }

  #importsUnit(imports: readonly Item[], isContiguous: boolean): void {
    const first = imports[0]!;
    const last = imports.at(-1)!;
    const unit: Unit = isContiguous
      ? this.#linesUnit('imports', '', first, last, null)
      : {
          kind: 'imports',
          name: '',
          startLine: first.startLine,
          endLine: last.endLine,
          ...joinMapped(imports.map((item) => this.#mapped(item.startLine, item.endLine))),
          parent: null,
          isContiguous: false,
        };
    this.#units.push(unit);
  }

  /** Go methods live beside their type: the type's chunk is their parent when it is in the file. */
  #attachReceivers(typesByName: Map<string, Unit>): void {
    for (const unit of this.#units) {
      const receiver = unit.kind === 'method' && unit.parent === null ? unit.name.split('.')[0] : undefined;
      if (receiver !== undefined) unit.parent = typesByName.get(receiver) ?? null;
    }
  }

  #definition(item: Item, def: Definition, parent: Unit | null, prefix: string, isMember: boolean): Unit {
    const name = joinName(prefix, def.receiver ? `${def.receiver}.${def.name}` : def.name);
    let unit: Unit;
    if (def.kind === 'container') {
      unit = {
        kind: def.containerKind!,
        name,
        startLine: item.startLine,
        endLine: item.endLine,
        ...this.#summary(item, def),
        parent,
        isContiguous: false,
      };
    } else {
      const isMethod = (isMember && !def.isArrowMember) || def.receiver !== undefined;
      const kind: CodeKind = def.kind === 'type' ? 'type' : isMethod ? 'method' : 'function';
      unit = this.#linesUnit(kind, name, item, item, parent);
      if (def.kind === 'function' && def.body) this.#markStatements(unit, def.body);
      if (def.kind === 'function') {
        const span = [[item.node.startIndex, item.node.endIndex] as const];
        const names = namesOnlyDeclared(item.node, parameterDeclarations(def.node), span, true);
        if (names.length > 0) unit.parameterNames = names;
      }
    }
    if (item.node.hasError) unit.hasSyntaxError = true;
    if (parent?.isTest || (def.kind === 'container' && this.#isTestScope(item))) unit.isTest = true;
    // Kept by the parts a long one is cut in (fit.ts), which do not say `enum` themselves.
    if (def.kind !== 'function' && this.#isEnum(def.node)) unit.isEnum = true;
    this.#units.push(unit);
    // A class written on one line is a chunk by itself: its members would repeat that line.
    const isOneLine = def.kind === 'container' && unit.startLine === unit.endLine;
    if (def.body && def.kind !== 'type' && !isOneLine) {
      // Members of a class are methods; definitions inside a function body are nested functions,
      // and those in a module (Rust's `mod`, a namespace) what they would be at the top of a file.
      const isClassBody = def.kind === 'container' && !this.#spec.modules?.has(def.node.type);
      for (const member of this.#items(this.#members(def.body))) {
        if (member.definition) this.#definition(member, member.definition, unit, name, isClassBody);
      }
    }
    return unit;
  }

  /** An enum by its node type, or a class by its base (`LanguageSpec.enums`, `enumBases`). */
  #isEnum(node: Node): boolean {
    if (this.#spec.enums?.has(node.type)) return true;
    const bases = this.#spec.enumBases;
    const superclasses = bases ? node.childForFieldName('superclasses') : null;
    // `enum.IntEnum` by its last name; a keyword (`metaclass=…`) is no base.
    const names = superclasses?.namedChildren.map(
      (base) => base.childForFieldName('attribute')?.text ?? base.text,
    );
    return names?.some((name) => bases!.test(name)) === true;
  }

  /** What leads the container (its attributes) says it holds tests (`LanguageSpec.testScope`). */
  #isTestScope(item: Item): boolean {
    return this.#spec.testScope?.test(this.#source.text.slice(item.from, item.node.startIndex)) === true;
  }

  /** Where a long function may be cut: after its header, between the statements of its body. */
  #markStatements(unit: Unit, body: Node): void {
    const lists = this.#spec.statementLists;
    const children = lists
      ? body.namedChildren.flatMap((child) => (lists.has(child.type) ? child.namedChildren : [child]))
      : body.namedChildren;
    const statements = this.#items(children);
    if (statements.length === 0) return;
    let first = 0;
    // A docstring belongs to the header, like a doc comment above the function.
    if (this.#spec.hasDocstrings && isDocstring(statements[0]!.node)) first = 1;
    const headEnd = first === 0 ? statements[0]!.startLine - 1 : statements[0]!.endLine;
    if (headEnd < unit.startLine || first >= statements.length) return;
    unit.headEndLine = headEnd;
    unit.statements = statements.slice(first).map((s) => [s.startLine, s.endLine]);
  }

  /**
   * A class as its header, its docstring and fields, and each member's signature with the body
   * elided: what a reader needs to place a method, without repeating the methods' chunks.
   *
   * What is embedded for it (`embedText`) lists the members by name only. With their signatures
   * the summary's vector sat close to every method's, so for a question about one method the
   * class came first in both legs and pushed the method down (docs/BENCHMARKS.md §18).
   */
  #summary(
    item: Item,
    def: Definition,
  ): { text: string; lineMap?: readonly number[]; embedText?: string; parameterNames?: string[] } {
    const body = def.body;
    if (!body) return { text: this.#lines(item.startLine, item.endLine) };
    const source = this.#source;
    const bodyLine = source.lineAt(body.startIndex);
    // A class on one line is its own summary.
    if (source.lineAt(body.endIndex - 1) === bodyLine)
      return { text: this.#lines(item.startLine, item.endLine) };
    // Python's body starts on a line of its own; a brace body opens on the header's last line.
    const opensOwnLine = source.text.slice(source.lineStart(bodyLine), body.startIndex).trim() === '';
    let lastLine = opensOwnLine ? bodyLine - 1 : bodyLine;
    const parts = [this.#mapped(item.startLine, lastLine)];
    const brief = [parts[0]!.text];
    const names: string[] = [];
    // What the summary shows of the tree, for the names its signatures hold only as parameters.
    const shown: Array<readonly [number, number]> = [[item.node.startIndex, body.startIndex]];
    const parameters: Node[] = [];
    for (const member of this.#items(this.#members(body))) {
      const memberBody = member.definition?.body;
      if (memberBody) {
        const signature = source.text
          .slice(source.lineStart(member.startLine), memberBody.startIndex)
          .trimEnd();
        parts.push({ text: `${signature} ${this.#spec.elision}`, first: member.startLine });
        names.push(member.definition!.name);
        shown.push([member.from, memberBody.startIndex]);
        parameters.push(...parameterDeclarations(member.definition!.node));
      } else {
        shown.push([member.from, member.to]);
        const lines = this.#mapped(Math.max(member.startLine, lastLine + 1), member.endLine);
        parts.push(lines);
        brief.push(lines.text);
      }
      lastLine = member.endLine;
    }
    if (item.endLine > lastLine) parts.push(this.#mapped(item.endLine, item.endLine));
    const summary = joinMapped(parts.filter((part) => part.text.trim() !== ''));
    const declared = namesOnlyDeclared(item.node, parameters, shown, false);
    const withNames = declared.length > 0 ? { ...summary, parameterNames: declared } : summary;
    if (names.length === 0) return withNames;
    brief.push(`members: ${names.join(', ')}`);
    return { ...withNames, embedText: brief.filter((part) => part.trim() !== '').join('\n') };
  }

  /** A body's members; Java enums keep theirs one level down, after the constants. */
  #members(body: Node): Node[] {
    return body.namedChildren.flatMap((child) =>
      child.type === 'enum_body_declarations' ? child.namedChildren : [child],
    );
  }

  #linesUnit(kind: CodeKind, name: string, first: Item, last: Item, parent: Unit | null): Unit {
    return {
      kind,
      name,
      startLine: first.startLine,
      endLine: last.endLine,
      text: this.#lines(first.startLine, last.endLine),
      parent,
      isContiguous: true,
    };
  }

  #lines(start: number, end: number): string {
    return this.#source.text.slice(this.#source.lineStart(start), this.#source.lineEnd(end));
  }

  #mapped(start: number, end: number): Mapped {
    return { text: this.#lines(start, end), first: start };
  }

  /**
   * Siblings as items: leading nodes (comments, decorators, overload signatures) with no blank
   * line between them and a definition (or an import) belong to it, and so does a doc comment
   * (`/** … *\/`) one blank line above it (`docAcrossBlank`); a comment on the line where the
   * previous item ends belongs to that item.
   */
  #items(nodes: readonly Node[]): Item[] {
    const items: Item[] = [];
    let pending: Node[] = [];
    const flush = (): void => {
      for (const node of pending) items.push(this.#item(node, node, null, true));
      pending = [];
    };
    for (const node of nodes) {
      if (this.#isLeading(node)) {
        const previous = items.at(-1);
        if (pending.length === 0 && previous && this.#startLine(node) === previous.endLine) {
          previous.to = node.endIndex;
          continue;
        }
        if (pending.length > 0 && this.#startLine(node) > this.#endLine(pending.at(-1)!) + 1) flush();
        pending.push(node);
        continue;
      }
      const definition = this.#definitionOf(node);
      const canLead =
        definition !== null || (this.#isImport(node) && !this.#spec.packageClauses?.has(node.type));
      const adjacent = pending.length > 0 && this.#startLine(node) <= this.#endLine(pending.at(-1)!) + 1;
      if (canLead && pending.length > 0 && (adjacent || this.#docAcrossBlank(pending.at(-1)!, node))) {
        items.push(this.#item(pending[0]!, node, definition, false));
        pending = [];
        continue;
      }
      flush();
      items.push(this.#item(node, node, definition, false));
    }
    flush();
    return items;
  }

  /**
   * A doc comment with one blank line between it and what it documents, as Express and much
   * JavaScript writes them: it is that definition's, or it would be a hit of its own that names
   * nothing, and the definition would lose the words that describe it. Not a file's header
   * (`@file`, `@module`, `@license`), which documents the file.
   */
  #docAcrossBlank(comment: Node, node: Node): boolean {
    if (this.#startLine(node) !== this.#endLine(comment) + 2) return false;
    const text = comment.text;
    return text.startsWith('/**') && !FILE_DOC_TAG.test(text);
  }

  #item(first: Node, node: Node, definition: Definition | null, isLeadingOnly: boolean): Item {
    return {
      from: first.startIndex,
      to: node.endIndex,
      startLine: this.#startLine(first),
      endLine: this.#endLine(node),
      node,
      definition,
      isImport: !isLeadingOnly && this.#isImport(node),
      isLeadingOnly,
    };
  }

  #isLeading(node: Node): boolean {
    if (this.#spec.leading.has(node.type)) return true;
    const inner = this.#wrapped(node);
    return inner !== null && this.#spec.leading.has(inner.type);
  }

  /** Import statements, and re-exports (`export { a } from './a'`), which read like imports. */
  #isImport(node: Node): boolean {
    if (this.#spec.imports.has(node.type)) return !this.#isBodiedContainer(node);
    return this.#spec.wrappers.has(node.type) && node.childForFieldName('source') !== null;
  }

  /**
   * A node type that is both an import and a container (PHP's `namespace`) is a container only
   * with a body (`namespace A { … }`); `namespace A;` is an import line.
   */
  #isBodiedContainer(node: Node): boolean {
    return this.#spec.containers.has(node.type) && bodyOf(node) !== null;
  }

  #wrapped(node: Node): Node | null {
    if (!this.#spec.wrappers.has(node.type)) return null;
    return node.childForFieldName('declaration') ?? node.childForFieldName('definition');
  }

  #definitionOf(node: Node): Definition | null {
    const spec = this.#spec;
    const inner = this.#wrapped(node);
    if (inner) return this.#definitionOf(inner);
    const type = node.type;
    if (spec.wrappers.has(type)) return this.#defaultExport(node);
    if (spec.functions.has(type)) {
      const receiver = node.childForFieldName('receiver');
      const definition: Definition = { kind: 'function', name: nameOf(node), node, body: bodyOf(node) };
      if (receiver) definition.receiver = receiverType(receiver);
      else Object.assign(definition, ownerOf(node));
      return definition;
    }
    const containerKind = spec.containers.get(type);
    if (containerKind && (!spec.imports.has(type) || this.#isBodiedContainer(node))) {
      const name = containerKind === 'impl' ? implName(node) : nameOf(node);
      return { kind: 'container', containerKind, name, node, body: bodyOf(node) };
    }
    if (spec.types.has(type)) return { kind: 'type', name: typeName(node), node, body: null };
    if (spec.variables.has(type)) return this.#functionVariable(node);
    if (spec.assignments.has(type)) return this.#functionAssignment(node);
    if (type === 'pair') return this.#functionPair(node);
    return null;
  }

  /** `validate: function () {…}` and `check: (x) => …` in an object literal, named by their key. */
  #functionPair(node: Node): Definition | null {
    const key = node.childForFieldName('key');
    const value = node.childForFieldName('value');
    if (!key || !value || !this.#spec.functionValues.has(value.type)) return null;
    const name = key.type === 'string' ? key.text.slice(1, -1) : key.text;
    const definition: Definition = { kind: 'function', name, node: value, body: statementBody(value) };
    if (value.type === 'arrow_function') definition.isArrowMember = true;
    return definition;
  }

  /**
   * An object literal holding functions (`const def = { code(cxt) {…}, keyword: 'x' }`, a plugin or
   * keyword definition, a handler table) is a container as a class is: its members get qualified
   * names (`def.code`) instead of vanishing into module code. One without functions stays data.
   */
  #objectContainer(name: string, value: Node): Definition | null {
    const object = unwrapTypeAssertion(value);
    if (object.type !== 'object') return null;
    const hasFunction = object.namedChildren.some(
      (member) =>
        this.#spec.functions.has(member.type) ||
        (member.type === 'pair' && this.#functionPair(member) !== null),
    );
    if (!hasFunction) return null;
    return { kind: 'container', containerKind: 'object', name, node: object, body: object };
  }

  /** `module.exports.parse = function () {…}` is a function named `module.exports.parse`. */
  #functionAssignment(node: Node): Definition | null {
    const assignment = node.firstNamedChild;
    if (assignment?.type !== 'assignment_expression') return null;
    const target = assignment.childForFieldName('left');
    const value = assignment.childForFieldName('right');
    if (!target || !value) return null;
    if (!this.#spec.functionValues.has(value.type)) return this.#objectContainer(target.text, value);
    return { kind: 'function', name: target.text, node: value, body: statementBody(value) };
  }

  /** `export default function () {…}` and `export default class {…}` are named `default`. */
  #defaultExport(node: Node): Definition | null {
    const value = node.childForFieldName('value');
    if (!value) return null;
    if (this.#spec.functionValues.has(value.type)) {
      return { kind: 'function', name: 'default', node: value, body: statementBody(value) };
    }
    if (value.type !== 'class') return this.#objectContainer('default', value);
    return { kind: 'container', containerKind: 'class', name: 'default', node: value, body: bodyOf(value) };
  }

  /** `const f = () => …` and `handler = function () {…}` class fields are functions named `f`. */
  #functionVariable(node: Node): Definition | null {
    const declarators = node.namedChildren.filter((child) => child.type === 'variable_declarator');
    const holder = declarators.length === 0 ? node : declarators.length === 1 ? declarators[0]! : null;
    const value = holder?.childForFieldName('value');
    if (!holder || !value) return null;
    if (!this.#spec.functionValues.has(value.type)) return this.#objectContainer(nameOf(holder), value);
    return { kind: 'function', name: nameOf(holder), node: value, body: statementBody(value) };
  }

  #startLine(node: Node): number {
    return this.#source.lineAt(node.startIndex);
  }

  /** The line of the node's last character: a node ending in a newline ends on the line before. */
  #endLine(node: Node): number {
    return this.#source.lineAt(Math.max(node.startIndex, node.endIndex - 1));
  }
}

function joinName(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function nameOf(node: Node): string {
  const name = node.childForFieldName('name') ?? declaratorName(node);
  if (!name) return isDefaultExport(node) ? 'default' : '<anonymous>';
  // C++'s `Cart::add`, defined outside its class, is the class's method `Cart.add`; the
  // namespace `a::b` is `a.b`, as a namespace nested in another is named.
  const isQualified = name.type === 'qualified_identifier' || name.type === 'nested_namespace_specifier';
  return isQualified ? name.text.replaceAll('::', '.') : name.text;
}

/**
 * C++'s `void Cart::add()` is defined outside its class, which it names as a Go method names its
 * receiver: `{ receiver: 'Cart', name: 'add' }`. The grammar cannot tell a class from a namespace
 * there (`ns::helper`); a definition outside its scope is most often a member function's.
 */
function ownerOf(node: Node): { receiver: string; name: string } | undefined {
  if (declaratorName(node)?.type !== 'qualified_identifier') return undefined;
  const name = nameOf(node);
  const dot = name.lastIndexOf('.');
  // `void ::helper()` names the global scope: no class.
  return dot > 0 ? { receiver: name.slice(0, dot), name: name.slice(dot + 1) } : undefined;
}

/**
 * C and C++ name a function inside its declarators: `static char *read_line(FILE *f)` is a
 * pointer declarator around a function declarator around the identifier, `Cart::total() const`
 * a function declarator around a qualified name. Followed down to the name.
 */
function declaratorName(node: Node): Node | null {
  let declarator = node.childForFieldName('declarator');
  for (let depth = 0; declarator && depth < 8; depth++) {
    const inner = declarator.childForFieldName('declarator');
    if (!inner) return declarator;
    declarator = inner;
  }
  return null;
}

function isDefaultExport(node: Node): boolean {
  return node.parent?.type === 'export_statement' && node.parent.children.some((c) => c.type === 'default');
}

/** The body to elide or cut; only statement lists count (an arrow's expression body does not). */
function bodyOf(node: Node): Node | null {
  const body = node.childForFieldName('body');
  return body && body.namedChildCount > 0 ? body : null;
}

/** An arrow's expression body (`(a) => a + 1`) has no statements to elide or cut between. */
function statementBody(node: Node): Node | null {
  const body = bodyOf(node);
  return body?.type === 'statement_block' ? body : null;
}

/** `{…} as const` and `{…} satisfies Plugin` are the object itself. */
function unwrapTypeAssertion(node: Node): Node {
  const isAssertion = node.type === 'as_expression' || node.type === 'satisfies_expression';
  return isAssertion ? (node.firstNamedChild ?? node) : node;
}

/** `func (s *Server[T]) Serve()` → `Server`. */
function receiverType(receiver: Node): string {
  const type = receiver.descendantsOfType('type_identifier')[0];
  return type?.text ?? '<receiver>';
}

/**
 * `impl<T> Display for Wrapper<T>` → `Wrapper`: methods are found under the type they serve. A
 * type from another module (`impl PartialEq for ast::Error`, `for &'a Seq`) is named as it is
 * where it is defined, `Error`: a path in the name would read as the symbol's file part.
 */
function implName(node: Node): string {
  let type = node.childForFieldName('type');
  for (let depth = 0; type && depth < 8; depth++) {
    const inner =
      type.childForFieldName('type') ??
      (type.type === 'scoped_type_identifier' ? type.childForFieldName('name') : null);
    if (!inner) break;
    type = inner;
  }
  return type?.text ?? '<impl>';
}

/** Go's `type ( A …; B … )` names its first spec; Rust and TypeScript name the node. */
function typeName(node: Node): string {
  const named = node.childForFieldName('name');
  if (named) return named.text;
  const spec = node.namedChildren.find((child) => child.type === 'type_spec' || child.type === 'type_alias');
  return spec?.childForFieldName('name')?.text ?? '<type>';
}

function isDocstring(node: Node): boolean {
  return node.type === 'expression_statement' && node.firstNamedChild?.type === 'string';
}

/** Text taken from the file, whose lines are the file's from `first` on. */
interface Mapped {
  text: string;
  first: number;
}

/** Pieces of the file joined by line breaks, with the file line of each line of the result. */
function joinMapped(pieces: readonly Mapped[]): { text: string; lineMap: number[] } {
  const lineMap: number[] = [];
  for (const { text, first } of pieces) {
    const count = text.split('\n').length;
    for (let i = 0; i < count; i++) lineMap.push(first + i);
  }
  return { text: pieces.map((p) => p.text).join('\n'), lineMap };
}
