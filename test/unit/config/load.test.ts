import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEFAULTS, enginesInUse, loadConfig, resolveConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import { LANGUAGES } from '../../../src/engines/code/languages.js';
import { CODE_INCLUDE, MARKDOWN_INCLUDE, SQL_INCLUDE } from '../../../src/engines/default-includes.js';
import { ConfigError } from '../../../src/errors.js';
import { createRegistry } from '../../../src/registry/builtins.js';
import { runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * Config loading: every mistake is one ConfigError, `<file>: <key.path>: <reason>`, and a good
 * file resolves to a frozen Config with every default filled in and every path absolute.
 */
let root: string;
let cleanup: () => Promise<void>;
/** Where the config file "is": relative paths in it resolve against this folder. */
let configDir: string;
let configFile: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('config'));
  configDir = join(root, 'conf');
  configFile = join(configDir, 'config.yaml');
  for (const d of ['conf', 'notes/a/inner', 'notes/b', 'xdg-data', 'xdg-config'])
    await mkdir(join(root, d), { recursive: true });
  await writeFile(join(root, 'notes', 'file.md'), '# not a folder\n');
  // Defaults must never point into the real home of whoever runs the tests.
  env = { XDG_DATA_HOME: join(root, 'xdg-data'), XDG_CONFIG_HOME: join(root, 'xdg-config') };
});
afterAll(async () => {
  await cleanup();
});

/** Resolves YAML text as if it were `configDir/config.yaml`. */
function resolveYaml(yaml: string): Config {
  return resolveConfig(parseYaml(yaml) ?? {}, configFile, env);
}

/** The ConfigError that resolving `yaml` throws. */
function configError(yaml: string): ConfigError {
  try {
    resolveYaml(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected a ConfigError for:\n${yaml}`);
}

/** One line: `<file>: <keyPath>: <reason>`, with the key path also on the error. */
function expectConfigError(yaml: string, keyPath: string, reason: string | RegExp): void {
  const err = configError(yaml);
  expect(err.code).toBe('E_CONFIG');
  expect(err.keyPath).toBe(keyPath);
  const prefix = keyPath ? `${configFile}: ${keyPath}: ` : `${configFile}: `;
  expect(err.message.startsWith(prefix), err.message).toBe(true);
  expect(err.message).not.toContain('\n');
  const rest = err.message.slice(prefix.length);
  if (typeof reason === 'string') expect(rest).toBe(reason);
  else expect(rest).toMatch(reason);
}

const notes = (p: string) => join(root, 'notes', p);

describe('the example config.yaml', () => {
  it('leaves each built-in engine reading every file its chunker reads', () => {
    // A copied example that listed some languages would silently turn the others off.
    const config = loadConfig({
      configPath: fileURLToPath(new URL('../../../config.yaml', import.meta.url)),
      env: {},
    });
    expect(config.engines.md!.include).toEqual(MARKDOWN_INCLUDE);
    expect(config.engines.code!.include).toEqual(CODE_INCLUDE);
    expect(config.engines.sql!.include).toEqual(SQL_INCLUDE);
  });
});

describe('unknown keys', () => {
  it('at the top level, with a did-you-mean', () => {
    expectConfigError('sorces: []\n', 'sorces', "unknown key (did you mean 'sources'?)");
    expectConfigError('datadir: /x\n', 'datadir', "unknown key (did you mean 'dataDir'?)");
  });

  it('nested in a mapping, a record entry and a list item', () => {
    expectConfigError('search:\n  kk: 3\n', 'search.kk', "unknown key (did you mean 'k'?)");
    expectConfigError(
      `sources:\n  - path: ${notes('a')}\n    engin: md\n`,
      'sources[0].engin',
      "unknown key (did you mean 'engine'?)",
    );
  });

  it("an embedder block's other keys are its type's settings, checked by the registry", () => {
    const config = resolveYaml('embedders:\n  default:\n    type: onnx\n    precision: fp32\n    modle: x\n');
    expect(config.embedders.default).toMatchObject({
      type: 'onnx',
      settings: { precision: 'fp32', modle: 'x' },
    });
    expectConfigError(
      'embedders:\n  default:\n    settings: {}\n',
      'embedders.default.settings',
      'unknown key',
    );
  });

  it('without a suggestion when nothing is close', () => {
    expectConfigError('telemetry: true\n', 'telemetry', 'unknown key');
  });
});

describe('wrong types and values', () => {
  it('a string where an integer belongs', () => {
    expectConfigError('search:\n  k: ten\n', 'search.k', 'must be an integer, got "ten"');
    expectConfigError(
      'indexing:\n  maxFileBytes: 1.5\n',
      'indexing.maxFileBytes',
      'must be an integer, got number 1.5',
    );
  });

  it('a list where a mapping belongs', () => {
    expectConfigError('engines:\n  - md\n', 'engines', 'must be a mapping of names, got a list');
    expectConfigError('search: [1, 2]\n', 'search', 'must be a mapping, got a list');
    expectConfigError('- a\n- b\n', '', 'the top level must be a mapping');
  });

  it('out of range, not one of the choices, empty, missing', () => {
    expectConfigError('search:\n  k: 0\n', 'search.k', 'must be at least 1, got 0');
    expectConfigError('log:\n  level: loud\n', 'log.level', /^must be one of trace, debug, .*, got "loud"$/);
    expectConfigError(
      'context:\n  tokenizer: o200k_bsae\n',
      'context.tokenizer',
      `must be one of embedder, cl100k_base, o200k_base, got "o200k_bsae" (did you mean 'o200k_base'?)`,
    );
    expectConfigError(
      'embedders:\n  default:\n    model: "  "\n',
      'embedders.default.model',
      'must not be empty',
    );
    expectConfigError('sources:\n  - engine: md\n', 'sources[0].path', 'is required');
    expectConfigError('engines:\n  md: {}\n', 'engines.md.chunker', 'is required');
    expectConfigError(
      `sources:\n  - path: ${notes('a')}\n    include: [1]\n`,
      'sources[0].include[0]',
      'must be a string, got number 1',
    );
  });
});

describe('sources', () => {
  it('a path that does not exist is a source whose folder is missing now, not an error; a file is one', () => {
    // An unplugged disk or a renamed folder must not stop search over the other sources: the
    // walk, the watcher and `status` report it (test/integration/cli/missing-source.test.ts).
    expect(resolveYaml('sources:\n  - path: ../notes/nope\n').sources.map((s) => s.path)).toEqual([
      notes('nope'),
    ]);
    expectConfigError(
      'sources:\n  - path: ../notes/file.md\n',
      'sources[0].path',
      `${notes('file.md')} is not a folder`,
    );
  });

  it('a folder that is there but cannot be reached is not reported as missing', async () => {
    await symlink('loop', notes('loop'));
    expectConfigError(
      'sources:\n  - path: ../notes/loop\n',
      'sources[0].path',
      `${notes('loop')} cannot be read (ELOOP): check its permissions and links`,
    );
  });

  it('the same folder twice, however it is spelt', () => {
    expectConfigError(
      `sources:\n  - path: ${notes('a')}\n  - path: ../notes/b/../a/\n`,
      'sources[1].path',
      `duplicates sources[0] (${notes('a')}, engine md)`,
    );
  });

  it('a source naming several engines is one source per engine, in its order, each with its engine include', () => {
    const config = resolveYaml(
      `sources:\n  - path: ${notes('a')}\n    engine: [code, md]\n    exclude: ['**/build/**']\n`,
    );
    expect(config.sources.map((s) => [s.path, s.engine, s.exclude])).toEqual([
      [notes('a'), 'code', ['**/build/**']],
      [notes('a'), 'md', ['**/build/**']],
    ]);
    expect(config.sources[0]!.include).toEqual(config.engines.code!.include);
    expect(config.sources[1]!.include).toEqual(config.engines.md!.include);
    // One name is a list of one.
    expect(resolveYaml(`sources:\n  - path: ${notes('a')}\n    engine: [sql]\n`).sources[0]!.engine).toBe(
      'sql',
    );
  });

  it('a folder listed once per engine, each entry with its own include', () => {
    const config = resolveYaml(
      `sources:\n  - path: ${notes('a')}\n    engine: code\n    include: ['src/**/*.py']\n  - path: ${notes('a')}\n    include: ['docs/**/*.md']\n`,
    );
    expect(config.sources.map((s) => [s.engine, s.include])).toEqual([
      ['code', ['src/**/*.py']],
      ['md', ['docs/**/*.md']],
    ]);
  });

  it('several engines: none missing, none twice, no include shared by them', () => {
    expectConfigError(
      `sources:\n  - path: ${notes('a')}\n    engine: [code, mdd]\n`,
      'sources[0].engine[1]',
      "'mdd' is not defined under engines (md, code); built in: md, sql, code",
    );
    expectConfigError(
      `sources:\n  - path: ${notes('a')}\n    engine: []\n`,
      'sources[0].engine',
      'must name at least one engine',
    );
    expectConfigError(
      `sources:\n  - path: ${notes('a')}\n    engine: [md, code, md]\n`,
      'sources[0].engine[2]',
      "names 'md' twice",
    );
    expectConfigError(
      `sources:\n  - path: ${notes('a')}\n    engine: [code, md]\n    include: ['**/*']\n`,
      'sources[0].include',
      "with several engines (code, md) each reads its own files; to choose an engine's files, list the folder once per engine, each with its include",
    );
    expectConfigError(
      `sources:\n  - path: ${notes('a')}\n    engine: [code, md]\n  - path: ${notes('a')}\n`,
      'sources[1].path',
      `duplicates sources[0] (${notes('a')}, engine md)`,
    );
  });

  it('one source inside another, in either order', () => {
    expectConfigError(
      `sources:\n  - path: ${notes('a')}\n  - path: ${notes('a/inner')}\n`,
      'sources[1].path',
      `${notes('a/inner')} is inside sources[0] (${notes('a')}); a file must belong to one source`,
    );
    expectConfigError(
      `sources:\n  - path: ${notes('a/inner')}\n  - path: ${notes('a')}\n`,
      'sources[0].path',
      `${notes('a/inner')} is inside sources[1] (${notes('a')}); a file must belong to one source`,
    );
  });

  it('a source that contains the data dir (the index would watch itself)', () => {
    expectConfigError(
      `dataDir: ${notes('a/inner')}\nsources:\n  - path: ${notes('a')}\n`,
      'sources[0].path',
      `contains the data dir ${notes('a/inner')}; the index must not watch itself (move dataDir elsewhere)`,
    );
    expectConfigError(
      `dataDir: ${notes('b')}\nsources:\n  - path: ${notes('b')}\n`,
      'sources[0].path',
      /^contains the data dir/,
    );
  });

  it('siblings with a common prefix are not nested', () => {
    const config = resolveYaml(`sources:\n  - path: ${notes('a')}\n  - path: ${notes('a')}/../b\n`);
    expect(config.sources.map((s) => s.path)).toEqual([notes('a'), notes('b')]);
  });
});

describe('references between sections', () => {
  it('an engine naming an embedder that is not defined', () => {
    expectConfigError(
      'engines:\n  md:\n    chunker: markdown\n    embedder: big\n',
      'engines.md.embedder',
      "names embedder 'big', which is not defined under embedders (default)",
    );
  });

  it('a source naming a kind of file as its engine is told the engine that reads it', () => {
    for (const [kind, engine] of [
      ['pdf', 'md'],
      ['html', 'md'],
      ['python', 'code'],
      ['go', 'code'],
      ['postgres', 'sql'],
    ]) {
      expectConfigError(
        `sources:\n  - path: ${notes('a')}\n    engine: ${kind}\n`,
        'sources[0].engine',
        `'${kind}' is not defined under engines (md); built in: md, sql, code; ${kind} files are read by the ${engine} engine (engine: ${engine}, or --engine ${engine} to ragctl add)`,
      );
    }
  });

  it('a source naming an engine that is neither defined nor built in', () => {
    expectConfigError(
      `sources:\n  - path: ${notes('a')}\n    engine: notes\n`,
      'sources[0].engine',
      "'notes' is not defined under engines (md); built in: md, sql, code",
    );
    // Not an inherited property of a plain object either.
    expectConfigError(
      `sources:\n  - path: ${notes('a')}\n    engine: constructor\n`,
      'sources[0].engine',
      "'constructor' is not defined under engines (md); built in: md, sql, code",
    );
  });

  it('a source may name a built-in engine without defining it; only the named ones are added', () => {
    const config = resolveYaml(
      `sources:\n  - path: ${notes('a')}\n    engine: code\n  - path: ${notes('b')}\n    engine: sql\n`,
    );
    expect(Object.keys(config.engines).sort()).toEqual(['code', 'md', 'sql']);
    expect(config.engines.code).toMatchObject({ chunker: 'code', mapper: 'code', embedder: 'default' });
    expect(config.engines.sql).toMatchObject({ chunker: 'sql', mapper: 'sql', embedder: 'default' });
    expect(config.sources[0]?.include).toEqual(config.engines.code?.include);
    expect(config.sources[0]?.include).toContain('**/*.py');
    expect(config.sources[1]?.include).toContain('**/*.sql');
    // Each gets the registry's components: it indexes as an engine defined in full would.
    expect(() => createRegistry().engines(config.engines, config.embedders, configFile)).not.toThrow();

    // An engines block without md: a source with no engine still gets md.
    const own = resolveYaml(`engines:\n  notes:\n    chunker: markdown\nsources:\n  - path: ${notes('a')}\n`);
    expect(Object.keys(own.engines).sort()).toEqual(['md', 'notes']);
    expect(own.engines.md).toMatchObject({ chunker: 'markdown', mapper: 'document' });
  });

  it('the engines in use are those a source names: the default md block beside sql logs is not one', () => {
    const logs = resolveYaml(`sources:\n  - path: ${notes('a')}\n    engine: sql\n`);
    expect(Object.keys(logs.engines)).toEqual(['md', 'sql']);
    expect(enginesInUse(logs)).toEqual(['sql']);
    const own = resolveYaml(
      `engines:\n  notes:\n    chunker: markdown\n  code:\n    chunker: code\nsources:\n  - path: ${notes('a')}\n    engine: [md, code]\n`,
    );
    // In the order of `engines:`, as status lists them.
    expect(enginesInUse(own)).toEqual(['code', 'md']);
    expect(enginesInUse(resolveYaml('sources: []\n'))).toEqual([]);
  });

  it('an engine defined under a built-in name is the config’s', () => {
    const config = resolveYaml(
      `engines:\n  code:\n    chunker: code\n    mapper: code\n    include: ["**/*.py"]\n    chunkMinTokens: 5\nsources:\n  - path: ${notes('a')}\n    engine: code\n`,
    );
    expect(config.engines.code).toMatchObject({ chunkMinTokens: 5, include: ['**/*.py'] });
    expect(Object.keys(config.engines)).toEqual(['code']);
  });

  it("an engine that names no mapper gets its chunker's own: {chunker: code} is the code engine", () => {
    const config = resolveYaml(
      [
        'engines:',
        '  src: { chunker: code }',
        '  logs: { chunker: sql }',
        '  notes: { chunker: markdown }',
        '  plain: { chunker: code, mapper: document }',
        'sources:',
        `  - { path: ${notes('a')}, engine: [src, notes] }`,
        `  - { path: ${notes('b')}, engine: [logs, plain] }`,
        '',
      ].join('\n'),
    );
    expect(config.engines.src?.mapper).toBe('code');
    expect(config.engines.logs?.mapper).toBe('sql');
    expect(config.engines.notes?.mapper).toBe('document');
    expect(config.engines.plain?.mapper).toBe('document');
  });

  it('a built-in engine still needs the embedder it names by default', () => {
    expectConfigError(
      `embedders:\n  small:\n    type: onnx\nengines:\n  md:\n    chunker: markdown\n    embedder: small\nsources:\n  - path: ${notes('a')}\n    engine: code\n`,
      'engines.code.embedder',
      "names embedder 'default', which is not defined under embedders (small)",
    );
  });
});

describe('defaults and paths', () => {
  it('an empty file gives every default', async () => {
    await writeFile(configFile, '');
    const config = loadConfig({ configPath: configFile, env });
    const dataDir =
      process.platform === 'darwin'
        ? join(homedir(), 'Library', 'Application Support', 'ragctl')
        : join(root, 'xdg-data', 'ragctl');
    expect(config).toEqual({
      configFile,
      dataDir,
      socketPath: join(dataDir, 'run', 'ragd.sock'),
      log: { level: 'info', file: join(dataDir, 'logs', 'ragd.log') },
      embedders: {
        default: {
          type: 'auto',
          model: 'sentence-transformers/all-MiniLM-L6-v2',
          maxTokens: null,
          batchTokens: 4096,
          settings: {},
        },
      },
      engines: {
        md: {
          chunker: 'markdown',
          mapper: 'document',
          embedder: 'default',
          chunkMaxTokens: null,
          chunkMinTokens: 48,
          include: DEFAULTS.include,
          options: {},
        },
      },
      sources: [],
      indexing: { maxFileBytes: 10 * 1024 * 1024, commitFiles: 256 },
      context: { tokenizer: 'embedder' },
      search: { k: 10, rrfK: 60, identifierFirst: true, rerank: 10 },
    });
    expect(config.embedders.default!.batchTokens).toBe(DEFAULTS.batchTokens);
  });

  it('a source gets the default engine, include and exclude', () => {
    const [source] = resolveYaml(`sources:\n  - path: ${notes('a')}\n`).sources;
    expect(source).toEqual({
      path: notes('a'),
      engine: 'md',
      include: DEFAULTS.include,
      exclude: DEFAULTS.exclude,
    });
    expect(
      resolveYaml(`sources:\n  - path: ${notes('a')}\n    include: "*.txt"\n`).sources[0]!.include,
    ).toEqual(['*.txt']);
  });

  it("a source without include gets its engine's include; its own include wins", () => {
    const yaml = (sourceInclude: string) =>
      [
        'engines:',
        '  md: { chunker: markdown }',
        '  code: { chunker: code, mapper: code, include: ["**/*.py", "**/*.go"] }',
        'sources:',
        `  - { path: ${notes('a')}, engine: code${sourceInclude} }`,
        `  - { path: ${notes('b')} }`,
      ].join('\n');
    const [code, md] = resolveYaml(yaml('')).sources;
    expect(code!.include).toEqual(['**/*.py', '**/*.go']);
    expect(md!.include).toEqual(DEFAULTS.include);
    expect(resolveYaml(yaml(', include: ["*.rs"]')).sources[0]!.include).toEqual(['*.rs']);
  });

  it("an engine without include reads its chunker's files; engine and source include win, in that order", () => {
    const registry = createRegistry();
    const yaml = (codeInclude: string, sourceInclude: string) =>
      [
        'engines:',
        '  md: { chunker: markdown }',
        `  code: { chunker: code, mapper: code${codeInclude} }`,
        '  sql: { chunker: sql, mapper: sql }',
        'sources:',
        `  - { path: ${notes('a')}, engine: code${sourceInclude} }`,
        `  - { path: ${notes('b')}, engine: sql }`,
      ].join('\n');
    const config = resolveYaml(yaml('', ''));
    for (const [name, engine] of Object.entries(config.engines))
      expect(engine.include, name).toEqual(registry.chunkerInclude(engine.chunker));
    const [code, sql] = config.sources;
    expect(code!.include).toEqual(expect.arrayContaining(['**/*.py', '**/*.ts', '**/*.go', '**/*.java']));
    expect(code!.include).not.toContain('**/*.md');
    expect(sql!.include).toEqual([
      '**/*.sql',
      '**/*.log',
      '**/*.log.+([0-9])',
      '**/*.log-+([0-9])',
      '**/*.log.gz',
      '**/*.log.+([0-9]).gz',
      '**/*.log-+([0-9]).gz',
      '**/*.csv',
      '**/*.json',
      '**/*slow*.log*',
    ]);
    expect(resolveYaml(yaml(', include: ["*.rs"]', '')).sources[0]!.include).toEqual(['*.rs']);
    expect(resolveYaml(yaml(', include: ["*.rs"]', ', include: ["*.go"]')).sources[0]!.include).toEqual([
      '*.go',
    ]);
  });

  it('every built-in chunker declares its files, and the code globs cover every grammar', () => {
    const registry = createRegistry();
    for (const name of ['markdown', 'code', 'sql'])
      expect(registry.chunkerInclude(name)?.length, name).toBeGreaterThan(0);
    expect(registry.chunkerInclude('markdown')).toEqual(DEFAULTS.include);
    const code = registry.chunkerInclude('code')!;
    for (const ext of LANGUAGES.flatMap((l) => l.extensions)) expect(code).toContain(`**/*${ext}`);
  });

  it('relative paths resolve against the config file’s folder, not the working directory', () => {
    const config = resolveYaml(
      [
        'dataDir: ../data',
        'socketPath: run/s.sock',
        'log:\n  file: logs/x.log',
        'embedders:\n  default:\n    model: ./models/mini\n  hub:\n    model: org/name',
        'sources:\n  - path: ../notes/a',
      ].join('\n'),
    );
    expect(config.dataDir).toBe(join(root, 'data'));
    expect(config.socketPath).toBe(join(configDir, 'run', 's.sock'));
    expect(config.log.file).toBe(join(configDir, 'logs', 'x.log'));
    expect(config.embedders.default!.model).toBe(join(configDir, 'models', 'mini'));
    expect(config.embedders.hub!.model).toBe('org/name');
    expect(config.sources[0]!.path).toBe(notes('a'));
  });

  it('expands ~ to the home folder', () => {
    const config = resolveYaml(
      'dataDir: ~/rag-data\nsocketPath: ~/s.sock\nlog:\n  file: "~"\nembedders:\n  default:\n    model: ~/m\n',
    );
    expect(config.dataDir).toBe(join(homedir(), 'rag-data'));
    expect(config.socketPath).toBe(join(homedir(), 's.sock'));
    expect(config.log.file).toBe(homedir());
    expect(config.embedders.default!.model).toBe(join(homedir(), 'm'));
  });

  it('freezes the result all the way down', () => {
    const config = resolveYaml(`sources:\n  - path: ${notes('a')}\n`);
    const parts: unknown[] = [
      config,
      config.log,
      config.embedders,
      config.embedders.default,
      config.engines,
      config.engines.md,
      config.sources,
      config.sources[0],
      config.sources[0]!.include,
      config.sources[0]!.exclude,
      config.indexing,
      config.search,
    ];
    for (const part of parts) expect(Object.isFrozen(part)).toBe(true);
    expect(() => {
      (config.search as { k: number }).k = 99;
    }).toThrow(TypeError);
    expect(() => (config.sources[0]!.include as string[]).push('x')).toThrow(TypeError);
    // Resolving again is unaffected: defaults are never shared with a frozen result.
    expect(resolveYaml('').search.k).toBe(10);
  });
});

describe('loadConfig and files', () => {
  it('a YAML syntax error names the line and column', async () => {
    const bad = join(configDir, 'bad.yaml');
    await writeFile(bad, 'search:\n  k: 3\n   rrfK: [1\n');
    let err: unknown;
    try {
      loadConfig({ configPath: bad, env });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(
      new RegExp(`^${escapeRegExp(bad)}: line \\d+, column \\d+: \\S`),
    );
    expect((err as ConfigError).message).not.toContain('\n');
  });

  it('a missing --config file is an error; a missing default file means defaults', () => {
    const missing = join(root, 'nope.yaml');
    expect(() => loadConfig({ configPath: missing, env })).toThrow(
      `${missing}: config file not found (create it, or copy config.yaml from the ragctl repo)`,
    );
    expect(() => loadConfig({ env: { ...env, RAGCTL_CONFIG: missing } })).toThrow(/config file not found/);
    expect(loadConfig({ configPath: missing, env, allowMissing: true }).configFile).toBeNull();
    const defaults = loadConfig({ env });
    expect(defaults.configFile).toBeNull();
    expect(defaults.sources).toEqual([]);
  });

  it('reads the default location and RAGCTL_CONFIG', async () => {
    const atDefault = join(root, 'xdg-config', 'ragctl', 'config.yaml');
    await mkdir(join(root, 'xdg-config', 'ragctl'), { recursive: true });
    await writeFile(atDefault, 'search:\n  k: 7\n');
    expect(loadConfig({ env }).search.k).toBe(7);
    const other = join(configDir, 'other.yaml');
    await writeFile(other, 'search:\n  k: 8\n');
    expect(loadConfig({ env: { ...env, RAGCTL_CONFIG: other } }).search.k).toBe(8);
    expect(loadConfig({ configPath: atDefault, env: { ...env, RAGCTL_CONFIG: other } }).search.k).toBe(7);
  });
});

describe('ragctl index --config <bad file>', () => {
  const ragctl = (config: string) =>
    runCli(['index', '--config', config], {
      cwd: root,
      env: { XDG_DATA_HOME: join(root, 'xdg-data'), XDG_CONFIG_HOME: join(root, 'xdg-config') },
    });

  it.each([
    ['an unknown key', 'sources: []\nserach:\n  k: 3\n', "serach: unknown key (did you mean 'search'?)"],
    ['a wrong type', 'search:\n  k: ten\n', 'search.k: must be an integer, got "ten"'],
    [
      'an undefined engine',
      'sources:\n  - path: ./\n    engine: notes\n',
      "sources[0].engine: 'notes' is not defined under engines (md); built in: md, sql, code",
    ],
  ])('exits 2 with exactly one line for %s', async (_name, yaml, expected) => {
    const file = join(configDir, `cli-${_name.replaceAll(' ', '-')}.yaml`);
    await writeFile(file, yaml);
    const result = await ragctl(file);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`ragctl: ${file}: ${expected}\n`);
  });

  it('exits 2 with one line for broken YAML and for a missing file', async () => {
    const broken = join(configDir, 'cli-broken.yaml');
    await writeFile(broken, 'sources:\n  - path: [\n');
    const result = await ragctl(broken);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`^ragctl: ${escapeRegExp(broken)}: line \\d+, column \\d+: [^\\n]+\\n$`),
    );
    const missing = await ragctl(join(root, 'missing.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `ragctl: ${join(root, 'missing.yaml')}: config file not found (create it, or copy config.yaml from the ragctl repo)\n`,
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
