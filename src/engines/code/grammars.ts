import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';
import { RagError } from '../../errors.js';
import type { LanguageSpec } from './types.js';

const require = createRequire(import.meta.url);

/**
 * The tree-sitter runtime is one wasm instance per process (web-tree-sitter keeps it in module
 * state), so its start-up is shared by every `Grammars`; a rejected start is retried next time.
 */
let runtime: Promise<void> | undefined;

function startRuntime(): Promise<void> {
  runtime ??= Parser.init().catch((err: unknown) => {
    runtime = undefined;
    throw new RagError(
      'E_INTERNAL',
      `cannot start the tree-sitter runtime (web-tree-sitter): ${String(err)}`,
      {
        cause: err,
        fix: 'reinstall ragctl so that node_modules/web-tree-sitter/web-tree-sitter.wasm is present',
      },
    );
  });
  return runtime;
}

/**
 * Parsers for the shipped grammars, each loaded on first use and kept: loading one compiles its
 * wasm, far more work than parsing a file with it. Owned by whoever wires the code chunker (one
 * per process in practice); `close()` frees the wasm memory.
 */
export class Grammars {
  readonly #parsers = new Map<string, Promise<Parser>>();

  /** A parser set to `spec`'s grammar. Parsing is synchronous, so one parser per grammar serves all. */
  parser(spec: LanguageSpec): Promise<Parser> {
    let parser = this.#parsers.get(spec.grammar);
    if (!parser) {
      // A failed load is forgotten, so that a later file retries it; this file sees the error.
      parser = this.#load(spec).catch((err: unknown) => {
        this.#parsers.delete(spec.grammar);
        throw err;
      });
      this.#parsers.set(spec.grammar, parser);
    }
    return parser;
  }

  async close(): Promise<void> {
    const parsers = [...this.#parsers.values()];
    this.#parsers.clear();
    for (const settled of await Promise.allSettled(parsers)) {
      if (settled.status === 'fulfilled') settled.value.delete();
    }
  }

  async #load(spec: LanguageSpec): Promise<Parser> {
    await startRuntime();
    const file = grammarPath(spec.grammar);
    let language: Language;
    try {
      language = await Language.load(file);
    } catch (err) {
      throw new RagError('E_INTERNAL', `cannot load the ${spec.name} grammar from ${file}: ${String(err)}`, {
        cause: err,
        fix: 'reinstall ragctl so that node_modules/@vscode/tree-sitter-wasm/wasm/ is complete',
      });
    }
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  }
}

/** Resolved through the module system, so it works from a global install as from this tree. */
function grammarPath(grammar: string): string {
  return require.resolve(`@vscode/tree-sitter-wasm/wasm/tree-sitter-${grammar}.wasm`);
}
