import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect } from '@lancedb/lancedb';
import { App, storeDir } from '../../src/app.js';
import { resolveConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { MlxEmbedder } from '../../src/embed/mlx-embedder.js';
import { OnnxEmbedder } from '../../src/embed/onnx/onnx-embedder.js';
import type { Embedder } from '../../src/embed/types.js';
import { silentLogger } from '../../src/log.js';
import type { FileRecord } from '../../src/store/types.js';
import { TEST_MODEL_ID, testModel } from './model.js';

/**
 * The OS temp folder as it was when tests started: loading the MLX model points TMPDIR at its
 * JIT cache (see src/embed/mlx/runtime.ts), and test folders do not belong there.
 */
const TEMP_BASE = tmpdir();

/** The model spec a test config names: the real default model (or RAGCTL_TEST_MODEL). */
export function testModelSpec(): string {
  testModel(); // Missing → a loud failure here, before any config or process uses it.
  return process.env.RAGCTL_TEST_MODEL ?? TEST_MODEL_ID;
}

/**
 * The embedder type test configs use: the backend `type: auto` picks on this platform (MLX on
 * Apple Silicon; onnx elsewhere, where MLX's CPU path is the slower one and every test that
 * embeds would wait on it), or what RAGCTL_TEST_EMBEDDER names, so the suite can run on either.
 * MLX itself is held to onnx's vectors and run in the worker by the tests that name it
 * (test/integration/embed: parity, worker, worker-crash, auto, backend-switch).
 */
export function testEmbedderType(): 'mlx-bert' | 'onnx' {
  const platformDefault = process.platform === 'darwin' && process.arch === 'arm64' ? 'mlx-bert' : 'onnx';
  const type = process.env.RAGCTL_TEST_EMBEDDER ?? platformDefault;
  if (type !== 'mlx-bert' && type !== 'onnx')
    throw new Error(`RAGCTL_TEST_EMBEDDER=${type}: expected mlx-bert or onnx`);
  return type;
}

/** The `embedders.default` block of test configs: the real model on the test backend. */
export function testEmbedderBlock(): { type: string; model: string } {
  return { type: testEmbedderType(), model: testModelSpec() };
}

/** The real embedder, as the registry builds it for the test backend. One per test file: loading costs seconds. */
export function realEmbedder(model = testModelSpec()): Embedder {
  return testEmbedderType() === 'onnx'
    ? new OnnxEmbedder({ model, batchTokens: 4096 })
    : new MlxEmbedder({ model, batchTokens: 4096 });
}

/**
 * The same weights under another name: a folder of links to the real model's files. The
 * embedder's `modelId` names the folder, so to the index this is a different model — what a
 * user gets by pointing `embedders.<name>.model` somewhere else.
 */
export async function linkedModelCopy(into: string): Promise<string> {
  const { dir } = testModel();
  await mkdir(into, { recursive: true });
  for (const name of await readdir(dir)) await symlink(join(dir, name), join(into, name));
  return into;
}

/**
 * A temp folder holding a source folder (`notes/`), the data dir (`data/`) and a config file
 * path; files are written relative to the source. `cleanup` removes all of it.
 */
export class Workspace {
  readonly root: string;
  readonly notes: string;
  readonly dataDir: string;
  readonly configFile: string;

  private constructor(root: string) {
    this.root = root;
    this.notes = join(root, 'notes');
    this.dataDir = join(root, 'data');
    this.configFile = join(root, 'config.yaml');
  }

  static async create(prefix = 'pipeline'): Promise<Workspace> {
    const ws = new Workspace(await mkdtemp(join(TEMP_BASE, `ragctl-${prefix}-`)));
    await mkdir(ws.notes, { recursive: true });
    return ws;
  }

  /** Absolute path of a file in the source folder. */
  path(rel: string): string {
    return join(this.notes, rel);
  }

  /** Writes a file under the source folder (creating folders); with `mtime`, sets its mtime too. */
  async write(rel: string, content: string | Buffer, mtime?: Date): Promise<string> {
    const path = this.path(rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    if (mtime) await utimes(path, mtime, mtime);
    return path;
  }

  /**
   * The resolved config for raw settings (as they would be written in config.yaml), with one
   * source on `notes/` and the data dir beside it unless `raw` says otherwise.
   */
  config(raw: Record<string, unknown> = {}): Config {
    return resolveConfig(this.raw(raw), this.configFile, {});
  }

  /** Writes `config.yaml` (JSON is YAML) for CLI runs and returns its path. */
  async writeConfig(raw: Record<string, unknown> = {}): Promise<string> {
    const full = this.raw(raw);
    resolveConfig(full, this.configFile, {}); // Fails here, not in a child process.
    await writeFile(this.configFile, `${JSON.stringify(full, null, 2)}\n`);
    return this.configFile;
  }

  raw(raw: Record<string, unknown>): Record<string, unknown> {
    return {
      dataDir: this.dataDir,
      log: { level: 'silent' },
      embedders: { default: testEmbedderBlock() },
      engines: { md: { chunker: 'markdown' } },
      sources: [{ path: this.notes, engine: 'md' }],
      ...raw,
    };
  }

  async cleanup(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Opens the app for a config with the given embedder(s) (by embedder name; one for all by default). */
export async function openApp(config: Config, embedders: Embedder | Record<string, Embedder>): Promise<App> {
  const pick = (name: string): Embedder => {
    if ('embed' in embedders) return embedders as Embedder;
    const found = (embedders as Record<string, Embedder>)[name];
    if (!found) throw new Error(`test set-up: no embedder for '${name}'`);
    return found;
  };
  return App.open(config, { logger: silentLogger(), makeEmbedder: pick });
}

/** One stored chunk row, as read straight from the LanceDB table (not through the code under test). */
export interface StoredChunk {
  id: string;
  path: string;
  relPath: string;
  contentHash: string;
  text: string;
  startLine: number;
  headingPath: string[];
  vector: Float32Array;
}

/** Every row of an engine's chunk table, read through a separate LanceDB connection. */
export async function readChunks(config: Config, engine = 'md'): Promise<StoredChunk[]> {
  const db = await connect(storeDir(config), { readConsistencyInterval: 0 });
  try {
    if (!(await db.tableNames()).includes(`chunks_${engine}`)) return [];
    const table = await db.openTable(`chunks_${engine}`);
    try {
      const rows = await table
        .query()
        .select(['id', 'path', 'rel_path', 'content_hash', 'text', 'start_line', 'heading_path', 'vector'])
        .toArray();
      return rows
        .map((r) => ({
          id: r.id as string,
          path: r.path as string,
          relPath: r.rel_path as string,
          contentHash: r.content_hash as string,
          text: r.text as string,
          startLine: r.start_line as number,
          headingPath: Array.from(r.heading_path as Iterable<string>),
          vector: Float32Array.from(r.vector as Iterable<number>),
        }))
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.startLine - b.startLine));
    } finally {
      table.close();
    }
  } finally {
    db.close();
  }
}

/**
 * When each row of an engine's table was written (`indexed_at_ms` by chunk id), read through a
 * separate LanceDB connection: a row rewritten by a later commit gets a later time.
 */
export async function rowWriteTimes(config: Config, engine: string): Promise<Map<string, number>> {
  const db = await connect(storeDir(config), { readConsistencyInterval: 0 });
  try {
    if (!(await db.tableNames()).includes(`chunks_${engine}`)) return new Map();
    const table = await db.openTable(`chunks_${engine}`);
    try {
      const rows = await table.query().select(['id', 'indexed_at_ms']).toArray();
      return new Map(rows.map((r) => [r.id as string, r.indexed_at_ms as number]));
    } finally {
      table.close();
    }
  } finally {
    db.close();
  }
}

/** Rows per path, for "no duplicates" and "gone" checks. */
export function countByPath(rows: readonly StoredChunk[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.path, (counts.get(r.path) ?? 0) + 1);
  return counts;
}

/** Records by path. */
export async function recordsOf(app: App): Promise<Map<string, FileRecord>> {
  return new Map((await app.store.files.all()).map((r) => [r.path, r]));
}

/**
 * What must hold after any run, finished or not: every row belongs to a file recorded as
 * indexed, every such file has exactly `chunkCount` rows, and no chunk id appears twice.
 * Returns the problems found (empty when consistent), so a failure shows all of them.
 */
export async function inconsistencies(app: App, engine = 'md'): Promise<string[]> {
  const rows = await readChunks(app.config, engine);
  const records = await recordsOf(app);
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const r of rows) {
    if (ids.has(r.id)) problems.push(`chunk id ${r.id} stored twice (${r.path})`);
    ids.add(r.id);
  }
  const counts = countByPath(rows);
  for (const [path, n] of counts) {
    const rec = records.get(path);
    if (!rec) problems.push(`${path}: ${n} rows but no record`);
    else if (rec.status !== 'indexed') problems.push(`${path}: ${n} rows but recorded as ${rec.status}`);
  }
  for (const rec of records.values()) {
    if (rec.engine !== engine) continue;
    const n = counts.get(rec.path) ?? 0;
    const want = rec.status === 'indexed' ? rec.chunkCount : 0;
    if (n !== want) problems.push(`${rec.path}: recorded ${want} chunks, ${n} rows stored`);
  }
  return problems;
}

/** A paragraph of `sentences` sentences about `topic`: a section big enough to be a chunk of its own. */
export function paragraph(topic: string, sentences = 10, variant = ''): string {
  return Array.from(
    { length: sentences },
    (_, i) => `The ${topic} note ${variant}${i} records what we learned about ${topic} in some detail.`,
  ).join(' ');
}

/**
 * Makes an index look as an older `chunker` left it: `textSql` rewrites the `text` column of
 * `table` (what the older chunker wrote), and every file's signature loses the chunker's
 * version (`|code@4|` → `|code|`). Returns the files' signatures afterwards, for the test to check.
 */
export async function asOlderChunker(
  config: Config,
  table: string,
  chunker: string,
  textSql: string,
): Promise<string[]> {
  const db = await connect(storeDir(config));
  try {
    const chunks = await db.openTable(table);
    await chunks.update({ valuesSql: { text: textSql } });
    chunks.close();
    const files = await db.openTable('files');
    await files.update({
      valuesSql: { model_id: `regexp_replace(model_id, '\\|${chunker}@[0-9]+\\|', '|${chunker}|')` },
    });
    const signatures = (await files.query().select(['model_id']).toArray()).map((r) => r.model_id as string);
    files.close();
    return signatures;
  } finally {
    db.close();
  }
}
