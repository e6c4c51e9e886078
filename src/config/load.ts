import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse as parseYaml, type YAMLError, YAMLParseError } from 'yaml';
import { accessHint } from '../access.js';
import { CONTEXT_TOKENIZERS, DEFAULT_CONTEXT_TOKENIZER } from '../context/tokenizers.js';
import {
  BUILTIN_ENGINES,
  CHUNKER_INCLUDES,
  engineReading,
  MARKDOWN_INCLUDE,
  mapperOfChunker,
} from '../engines/default-includes.js';
import { ConfigError, errnoCode, errorMessage } from '../errors.js';
import type { LogLevel } from '../log.js';
import { isInside } from '../paths.js';
import { defaultConfigPath, defaultDataDir, defaultSocketPath, resolveUserPath } from './paths.js';
import { type FieldSpec, Validator } from './schema.js';
import type { Config, EmbedderConfig, EngineConfig, SourceConfig } from './types.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Hits re-ranked at most: each is embedded once more per search. */
const MAX_RERANK = 100;

/** Every default in one place; each field's doc comment in types.ts says why. */
export const DEFAULTS = Object.freeze({
  logLevel: 'info' as LogLevel,
  batchTokens: 4096,
  chunkMinTokens: 48,
  maxFileBytes: 10 * 1024 * 1024,
  commitFiles: 256,
  searchK: 10,
  rrfK: 60,
  rerank: 10,
  /** For an engine whose chunker declares no include of its own (every built-in one does). */
  include: MARKDOWN_INCLUDE,
  exclude: ['**/node_modules/**', '**/.git/**'],
  embedder: { type: 'auto', model: 'sentence-transformers/all-MiniLM-L6-v2' },
});

const embedderSpec: FieldSpec = {
  kind: 'object',
  fields: {
    type: { kind: 'string', default: DEFAULTS.embedder.type, nonEmpty: true },
    model: { kind: 'string', default: DEFAULTS.embedder.model, nonEmpty: true },
    maxTokens: { kind: 'int', default: null, min: 8, max: 8192 },
    batchTokens: { kind: 'int', default: DEFAULTS.batchTokens, min: 64, max: 1 << 20 },
  },
  // Each embedder type owns its other keys and checks them (registry.ts): the config does not
  // list every backend's settings.
  restKey: 'settings',
};

const engineSpec: FieldSpec = {
  kind: 'object',
  fields: {
    chunker: { kind: 'string', nonEmpty: true },
    // Default: its chunker's own (`mapperOfChunker`), so `{chunker: code}` is the code engine.
    mapper: { kind: 'string', default: null, nonEmpty: true },
    embedder: { kind: 'string', default: 'default', nonEmpty: true },
    chunkMaxTokens: { kind: 'int', default: null, min: 16 },
    chunkMinTokens: { kind: 'int', default: DEFAULTS.chunkMinTokens, min: 0 },
    // Default: its chunker's files (`Chunker.include`), so `{chunker: code}` alone indexes code.
    include: { kind: 'strings', default: null },
  },
  // An engine's mapper owns its other keys and checks them (registry.ts), as embedder types do.
  restKey: 'options',
};

const sourceSpec: FieldSpec = {
  kind: 'object',
  fields: {
    path: { kind: 'string', nonEmpty: true },
    // One engine, or several (`[code, md]`): each file goes to the first engine whose files it is.
    engine: { kind: 'strings', default: ['md'] },
    // Default: the engine's `include`, so a source of code files need not list every extension.
    include: { kind: 'strings', default: null },
    exclude: { kind: 'strings', default: DEFAULTS.exclude },
  },
};

const rootSpec: Record<string, FieldSpec> = {
  dataDir: { kind: 'string', default: null },
  socketPath: { kind: 'string', default: null },
  log: {
    kind: 'object',
    fields: {
      level: { kind: 'enum', values: LOG_LEVELS, default: DEFAULTS.logLevel },
      file: { kind: 'string', default: null },
    },
  },
  embedders: { kind: 'record', of: embedderSpec, default: { default: {} } },
  engines: { kind: 'record', of: engineSpec, default: { md: { chunker: 'markdown' } } },
  sources: { kind: 'list', of: sourceSpec, default: [] },
  indexing: {
    kind: 'object',
    fields: {
      maxFileBytes: { kind: 'int', default: DEFAULTS.maxFileBytes, min: 1 },
      commitFiles: { kind: 'int', default: DEFAULTS.commitFiles, min: 1, max: 100_000 },
    },
  },
  search: {
    kind: 'object',
    fields: {
      k: { kind: 'int', default: DEFAULTS.searchK, min: 1, max: 1000 },
      rrfK: { kind: 'int', default: DEFAULTS.rrfK, min: 1 },
      identifierFirst: { kind: 'bool', default: true },
      rerank: { kind: 'int', default: DEFAULTS.rerank, min: 0, max: MAX_RERANK },
    },
  },
  context: {
    kind: 'object',
    fields: {
      tokenizer: { kind: 'enum', values: CONTEXT_TOKENIZERS, default: DEFAULT_CONTEXT_TOKENIZER },
    },
  },
};

export interface LoadOptions {
  /** Explicit `--config`; else `RAGCTL_CONFIG`; else the user's default location. */
  configPath?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** When the chosen file does not exist, fall back to defaults instead of failing. */
  allowMissing?: boolean;
}

/** Which file `loadConfig` would read, and whether the user asked for it explicitly. */
export function chooseConfigPath(options: LoadOptions = {}): { path: string; explicit: boolean } {
  const env = options.env ?? process.env;
  if (options.configPath) return { path: resolveUserPath(options.configPath, process.cwd()), explicit: true };
  if (env.RAGCTL_CONFIG) return { path: resolveUserPath(env.RAGCTL_CONFIG, process.cwd()), explicit: true };
  return { path: defaultConfigPath(env), explicit: false };
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const { path, explicit } = chooseConfigPath(options);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' && (!explicit || options.allowMissing))
      return resolveConfig({}, null, env);
    if (errnoCode(err) === 'ENOENT') {
      throw new ConfigError(
        '',
        `config file not found (create it, or copy config.yaml from the ragctl repo)`,
        path,
      );
    }
    throw new ConfigError('', `cannot read: ${(err as Error).message}`, path);
  }
  return resolveConfigText(text, path, env);
}

/** A config file's text, parsed and resolved as `loadConfig` resolves the file it reads. */
export function resolveConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    if (err instanceof YAMLParseError) throw yamlSyntaxError(err, file);
    throw new ConfigError('', `cannot read: ${(err as Error).message}`, file);
  }
  return resolveConfig(raw, file, env);
}

/** `<file>: line 3, column 7: <what the YAML parser says>`, its first line. */
export function yamlSyntaxError(err: YAMLError, file: string): ConfigError {
  const where = err.linePos?.[0] ? `line ${err.linePos[0].line}, column ${err.linePos[0].col}` : 'YAML';
  return new ConfigError('', `${where}: ${err.message.split('\n')[0]}`, file);
}

/**
 * Why a config gives nothing to index, with the fix, or undefined when it lists a source. A
 * first run with no config file at all resolves to every default, no source among them: the
 * user must hear where the file belongs, not "0 files indexed".
 */
export function noSources(
  config: Pick<Config, 'sources' | 'configFile'>,
  env: NodeJS.ProcessEnv = process.env,
): { reason: string; fix: string } | undefined {
  if (config.sources.length) return undefined;
  const example = '`sources: [{path: ~/notes}]` (config.yaml in the ragctl repo documents every key)';
  return config.configFile
    ? {
        reason: `no sources: ${config.configFile} lists no folder under \`sources:\``,
        fix: `\`ragctl add <folder>\` adds one to it; or write them in it, e.g. ${example}`,
      }
    : {
        reason: `no sources: there is no config file at ${defaultConfigPath(env)} (nor --config or $RAGCTL_CONFIG)`,
        fix: `\`ragctl add <folder>\` creates it with that folder; or write it, e.g. ${example}`,
      };
}

/**
 * The engines some source reads, in the order of `engines:`: the only ones given a table,
 * searched, and counted by `status`. A block that no source names (the default `md` beside
 * sources that all read query logs) has nothing to index, so it opens nothing; its keys are
 * still checked at start, and a source that names it later gets its table then.
 */
export function enginesInUse(config: Pick<Config, 'engines' | 'sources'>): string[] {
  const named = new Set(config.sources.map((s) => s.engine));
  return Object.keys(config.engines).filter((name) => named.has(name));
}

/**
 * Validates parsed YAML and resolves it into a frozen Config. `chunkerIncludes` gives, by
 * chunker name, the files an engine reads when its block lists none: the built-in chunkers'
 * declarations, read without loading the chunkers (engines/default-includes.ts).
 */
export function resolveConfig(
  raw: unknown,
  file: string | null,
  env: NodeJS.ProcessEnv = process.env,
  chunkerIncludes: Readonly<Record<string, readonly string[]>> = CHUNKER_INCLUDES,
): Config {
  const v = new Validator(file ?? undefined);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    v.fail('', 'the top level must be a mapping');
  const c = v.object(rootSpec, raw as Record<string, unknown>, '') as {
    dataDir: string | null;
    socketPath: string | null;
    log: { level: LogLevel; file: string | null };
    embedders: Record<string, EmbedderConfig>;
    engines: Record<
      string,
      Omit<EngineConfig, 'include' | 'mapper'> & { include: string[] | null; mapper: string | null }
    >;
    sources: (Omit<SourceConfig, 'include' | 'engine'> & { engine: string[]; include: string[] | null })[];
    indexing: Config['indexing'];
    search: Config['search'];
    context: Config['context'];
  };
  const baseDir = file ? dirname(file) : process.cwd();
  for (const name of c.sources.flatMap((s) => s.engine)) {
    const builtin = Object.hasOwn(BUILTIN_ENGINES, name) ? BUILTIN_ENGINES[name] : undefined;
    if (builtin && !Object.hasOwn(c.engines, name)) {
      c.engines[name] = v.check(engineSpec, { ...builtin }, `engines.${name}`) as (typeof c.engines)[string];
    }
  }
  const engines: Record<string, EngineConfig> = {};
  for (const [name, e] of Object.entries(c.engines)) {
    const include = e.include ?? chunkerIncludes[e.chunker] ?? DEFAULTS.include;
    const mapper = e.mapper ?? mapperOfChunker(e.chunker);
    engines[name] = Object.freeze({ ...e, mapper, include: Object.freeze([...include]) });
  }
  const dataDir = c.dataDir ? resolveUserPath(c.dataDir, baseDir) : defaultDataDir(env);

  for (const [name, engine] of Object.entries(c.engines)) {
    if (!(engine.embedder in c.embedders)) {
      v.fail(
        `engines.${name}.embedder`,
        `names embedder '${engine.embedder}', which is not defined under embedders (${Object.keys(c.embedders).join(', ') || 'none'})`,
      );
    }
  }
  // A source naming several engines becomes one SourceConfig per engine, in its order: the
  // indexer gives each file to the first of a folder's sources that reads it.
  const sources: SourceConfig[] = [];
  const entryOf: number[] = [];
  c.sources.forEach((s, i) => {
    const path = resolveUserPath(s.path, baseDir);
    if (s.engine.length === 0) v.fail(`sources[${i}].engine`, 'must name at least one engine');
    s.engine.forEach((name, e) => {
      if (!Object.hasOwn(c.engines, name)) {
        v.fail(
          s.engine.length > 1 ? `sources[${i}].engine[${e}]` : `sources[${i}].engine`,
          `'${name}' is not defined under engines (${Object.keys(c.engines).join(', ')}); built in: ${Object.keys(BUILTIN_ENGINES).join(', ')}${readBy(name, c.engines)}`,
        );
      }
      if (s.engine.indexOf(name) !== e) v.fail(`sources[${i}].engine[${e}]`, `names '${name}' twice`);
    });
    if (s.engine.length > 1 && s.include !== null) {
      v.fail(
        `sources[${i}].include`,
        `with several engines (${s.engine.join(', ')}) each reads its own files; to choose an engine's files, list the folder once per engine, each with its include`,
      );
    }
    let isDir = true;
    try {
      isDir = statSync(path).isDirectory();
    } catch (err) {
      const code = errnoCode(err);
      // A folder that is gone (an unplugged disk, a renamed folder) is not a wrong config: the
      // other sources must stay searchable and the daemon must start. The walk and the watcher
      // report it, and the index keeps its files until it is back. One that is there but cannot
      // be reached (a permission, a link loop) is the user's to fix, and said here.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        v.fail(
          `sources[${i}].path`,
          `${path} cannot be read (${code ?? errorMessage(err)}): ${accessHint(path, true) ?? 'check its permissions and links'}`,
        );
      }
    }
    if (!isDir) v.fail(`sources[${i}].path`, `${path} is not a folder`);
    for (const engine of s.engine) {
      entryOf.push(i);
      sources.push(
        Object.freeze({
          path,
          engine,
          include: Object.freeze([...(s.include ?? engines[engine]?.include ?? DEFAULTS.include)]),
          exclude: Object.freeze([...s.exclude]),
        }),
      );
    }
  });
  sources.forEach((a, k) => {
    const i = entryOf[k]!;
    sources.forEach((b, l) => {
      const j = entryOf[l]!;
      if (j <= i) return;
      // One folder may be listed once per engine; its files go to the first entry that reads them.
      if (a.path === b.path && a.engine === b.engine)
        v.fail(`sources[${j}].path`, `duplicates sources[${i}] (${a.path}, engine ${a.engine})`);
      if (isInside(b.path, a.path))
        v.fail(
          `sources[${j}].path`,
          `${b.path} is inside sources[${i}] (${a.path}); a file must belong to one source`,
        );
      if (isInside(a.path, b.path))
        v.fail(
          `sources[${i}].path`,
          `${a.path} is inside sources[${j}] (${b.path}); a file must belong to one source`,
        );
    });
    if (isInside(dataDir, a.path) || dataDir === a.path) {
      v.fail(
        `sources[${i}].path`,
        `contains the data dir ${dataDir}; the index must not watch itself (move dataDir elsewhere)`,
      );
    }
  });

  const embedders: Record<string, EmbedderConfig> = {};
  for (const [name, e] of Object.entries(c.embedders)) {
    const model = looksLikePath(e.model) ? resolveUserPath(e.model, baseDir) : e.model;
    embedders[name] = Object.freeze({ ...e, model });
  }

  return Object.freeze({
    configFile: file,
    dataDir,
    socketPath: c.socketPath ? resolveUserPath(c.socketPath, baseDir) : defaultSocketPath(dataDir),
    log: Object.freeze({
      level: c.log.level,
      file: c.log.file ? resolveUserPath(c.log.file, baseDir) : `${dataDir}/logs/ragd.log`,
    }),
    embedders: Object.freeze(embedders),
    engines: Object.freeze(engines),
    sources: Object.freeze(sources),
    indexing: Object.freeze(c.indexing),
    search: Object.freeze(c.search),
    context: Object.freeze(c.context),
  });
}

/** Hugging Face ids look like `org/name`; paths start with `.`, `/` or `~`, or exist on disk. */
function looksLikePath(model: string): boolean {
  return model.startsWith('.') || model.startsWith('/') || model.startsWith('~') || existsSync(model);
}

/** `; pdf files are read by the md engine (engine: md)`, where a kind of file was named as an engine. */
function readBy(kind: string, engines: Readonly<Record<string, unknown>>): string {
  const engine = engineReading(kind);
  if (!engine || !(Object.hasOwn(engines, engine) || Object.hasOwn(BUILTIN_ENGINES, engine))) return '';
  return `; ${kind} files are read by the ${engine} engine (engine: ${engine}, or --engine ${engine} to ragctl add)`;
}
