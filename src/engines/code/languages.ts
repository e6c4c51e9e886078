import type { LanguageSpec } from './types.js';

/**
 * One row per grammar: which tree-sitter node types are imports, functions, classes and the
 * rest. Node type names come from each grammar's `node-types.json` (the grammars shipped in
 * @vscode/tree-sitter-wasm 0.3.x); everything not named here is module-level code.
 */

const BRACES = '{ … }';

/**
 * What a language without JavaScript's ways has: no wrappers, no functions held in variables or
 * assignments, no docstrings, braces for an elided body. Rows spread it and name the rest.
 */
const PLAIN = {
  types: new Set<string>(),
  wrappers: new Set<string>(),
  assignments: new Set<string>(),
  variables: new Set<string>(),
  functionValues: new Set<string>(),
  elision: BRACES,
  hasDocstrings: false,
} as const;

const JS_FUNCTIONS = ['function_declaration', 'generator_function_declaration', 'method_definition'];
const JS_COMMON = {
  imports: new Set(['import_statement']),
  containers: new Map([
    ['class_declaration', 'class'],
    ['abstract_class_declaration', 'class'],
    ['interface_declaration', 'interface'],
  ] as const),
  types: new Set(['type_alias_declaration', 'enum_declaration']),
  enums: new Set(['enum_declaration']),
  wrappers: new Set(['export_statement']),
  // Overload signatures lead into the implementation they declare, like a doc comment.
  leading: new Set(['comment', 'decorator', 'function_signature', 'method_signature']),
  // CommonJS and prototype methods: `exports.parse = function …`, `Queue.prototype.push = …`.
  assignments: new Set(['expression_statement']),
  variables: new Set([
    'lexical_declaration',
    'variable_declaration',
    'public_field_definition',
    'field_definition',
  ]),
  functionValues: new Set(['arrow_function', 'function_expression', 'function', 'generator_function']),
  elision: BRACES,
  hasDocstrings: false,
};

/**
 * C and C++, one grammar: `Cart::add` defined outside its class is the method `Cart.add`
 * (extract.ts); a function in a namespace is a function.
 */
const C_FAMILY = {
  ...PLAIN,
  grammar: 'cpp',
  imports: new Set(['preproc_include', 'using_declaration']),
  functions: new Set(['function_definition']),
  containers: new Map([
    ['namespace_definition', 'class'],
    ['class_specifier', 'class'],
  ] as const),
  modules: new Set(['namespace_definition']),
  types: new Set(['struct_specifier', 'union_specifier', 'enum_specifier', 'type_definition']),
  enums: new Set(['enum_specifier']),
  wrappers: new Set(['template_declaration']),
  leading: new Set(['comment']),
} as const;

export const LANGUAGES: readonly LanguageSpec[] = [
  {
    ...PLAIN,
    name: 'python',
    grammar: 'python',
    extensions: ['.py', '.pyi'],
    imports: new Set(['import_statement', 'import_from_statement', 'future_import_statement']),
    functions: new Set(['function_definition']),
    containers: new Map([['class_definition', 'class']]),
    enumBases: /^(?:Enum|IntEnum|StrEnum|Flag|IntFlag)$/,
    wrappers: new Set(['decorated_definition']),
    leading: new Set(['comment']),
    // Not `...`, which is a real body in Python: an outline must not read as a stub.
    elision: '…',
    hasDocstrings: true,
  },
  {
    ...JS_COMMON,
    name: 'typescript',
    grammar: 'typescript',
    extensions: ['.ts', '.mts', '.cts'],
    functions: new Set(JS_FUNCTIONS),
  },
  {
    ...JS_COMMON,
    name: 'tsx',
    grammar: 'tsx',
    extensions: ['.tsx'],
    functions: new Set(JS_FUNCTIONS),
  },
  {
    ...JS_COMMON,
    name: 'javascript',
    grammar: 'javascript',
    extensions: ['.js', '.mjs', '.cjs', '.jsx'],
    functions: new Set(JS_FUNCTIONS),
  },
  {
    ...PLAIN,
    name: 'go',
    grammar: 'go',
    extensions: ['.go'],
    imports: new Set(['package_clause', 'import_declaration']),
    functions: new Set(['function_declaration', 'method_declaration']),
    containers: new Map(),
    types: new Set(['type_declaration']),
    leading: new Set(['comment']),
    statementLists: new Set(['statement_list']),
    packageClauses: new Set(['package_clause']),
  },
  {
    ...PLAIN,
    name: 'rust',
    grammar: 'rust',
    extensions: ['.rs'],
    // `mod parser;` declares a file as a module, as an import names one; `mod tests { … }` holds its items.
    imports: new Set(['use_declaration', 'extern_crate_declaration', 'mod_item']),
    functions: new Set(['function_item', 'function_signature_item']),
    containers: new Map([
      ['impl_item', 'impl'],
      ['trait_item', 'interface'],
      ['mod_item', 'class'],
    ] as const),
    modules: new Set(['mod_item']),
    // `#[cfg(test)]` and `#[cfg(all(test, feature = "x"))]`, not `#[cfg(not(test))]`.
    testScope: /#\[cfg\((?:[^\]]*[(,\s])?(?<!not\()test\b/,
    types: new Set(['struct_item', 'enum_item', 'union_item', 'type_item']),
    enums: new Set(['enum_item']),
    leading: new Set(['line_comment', 'block_comment', 'attribute_item']),
  },
  {
    ...PLAIN,
    name: 'java',
    grammar: 'java',
    extensions: ['.java'],
    imports: new Set(['package_declaration', 'import_declaration']),
    functions: new Set(['method_declaration', 'constructor_declaration']),
    containers: new Map([
      ['class_declaration', 'class'],
      ['enum_declaration', 'class'],
      ['record_declaration', 'class'],
      ['interface_declaration', 'interface'],
      ['annotation_type_declaration', 'interface'],
    ] as const),
    enums: new Set(['enum_declaration']),
    leading: new Set(['line_comment', 'block_comment']),
  },
  {
    ...PLAIN,
    name: 'ruby',
    grammar: 'ruby',
    extensions: ['.rb', '.rake', '.gemspec'],
    imports: new Set(),
    functions: new Set(['method', 'singleton_method']),
    containers: new Map([
      ['class', 'class'],
      ['module', 'class'],
      ['singleton_class', 'class'],
    ] as const),
    leading: new Set(['comment']),
    elision: '...',
  },
  {
    ...PLAIN,
    name: 'csharp',
    grammar: 'c-sharp',
    extensions: ['.cs'],
    imports: new Set(['using_directive', 'extern_alias_directive']),
    functions: new Set([
      'method_declaration',
      'constructor_declaration',
      'destructor_declaration',
      'operator_declaration',
      'local_function_statement',
    ]),
    containers: new Map([
      ['namespace_declaration', 'class'],
      ['class_declaration', 'class'],
      ['struct_declaration', 'class'],
      ['record_declaration', 'class'],
      ['interface_declaration', 'interface'],
    ] as const),
    modules: new Set(['namespace_declaration']),
    types: new Set(['enum_declaration', 'delegate_declaration']),
    enums: new Set(['enum_declaration']),
    leading: new Set(['comment', 'attribute_list']),
  },
  {
    ...PLAIN,
    name: 'php',
    grammar: 'php',
    extensions: ['.php'],
    // `namespace A;` is an import line; `namespace A { … }` holds its classes (extract.ts).
    imports: new Set(['namespace_definition', 'namespace_use_declaration']),
    functions: new Set(['function_definition', 'method_declaration']),
    containers: new Map([
      ['namespace_definition', 'class'],
      ['class_declaration', 'class'],
      ['trait_declaration', 'class'],
      ['enum_declaration', 'class'],
      ['interface_declaration', 'interface'],
    ] as const),
    modules: new Set(['namespace_definition']),
    enums: new Set(['enum_declaration']),
    leading: new Set(['comment', 'attribute_list']),
  },
  {
    ...C_FAMILY,
    // C is read with the C++ grammar, which parses it too (a header may be either).
    name: 'c',
    extensions: ['.c', '.h'],
  },
  {
    ...C_FAMILY,
    name: 'cpp',
    extensions: ['.cc', '.cpp', '.cxx', '.c++', '.hpp', '.hh', '.hxx', '.h++'],
  },
  {
    ...PLAIN,
    name: 'bash',
    grammar: 'bash',
    extensions: ['.sh', '.bash'],
    imports: new Set(),
    functions: new Set(['function_definition']),
    containers: new Map(),
    leading: new Set(['comment']),
  },
];

const BY_EXTENSION = new Map(LANGUAGES.flatMap((spec) => spec.extensions.map((ext) => [ext, spec] as const)));

/** The grammar for a path, by its extension; undefined when none is shipped. */
export function languageForPath(path: string): LanguageSpec | undefined {
  const dot = path.lastIndexOf('.');
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  if (dot <= slash + 1) return undefined;
  return BY_EXTENSION.get(path.slice(dot).toLowerCase());
}
