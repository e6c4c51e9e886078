import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GRAPH_BUILDER_VERSION } from '../../../src/embed/onnx/bert-graph.js';
import { graphCacheFile } from '../../../src/embed/onnx/graph-cache.js';
import { STALE_TEMP_MS, sweepStaleGraphs } from '../../../src/embed/onnx/graph-sweep.js';
import { OnnxEmbedder } from '../../../src/embed/onnx/onnx-embedder.js';
import { silentLogger } from '../../../src/log.js';
import { testModel } from '../../helpers/model.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * A changed builder version or model leaves its old ~90 MB graphs in the cache: the sweep removes
 * the graphs this version would never load again and a crashed writer's temp files, and keeps
 * this version's graphs of every model, a newer builder's, and anything not named by the cache.
 */
let root: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir: root, cleanup } = await makeTempDir('onnx-sweep'));
});
afterEach(() => cleanup());

const KEY = 'abcdef0123456789abcd';
const OLDER = GRAPH_BUILDER_VERSION - 1;

function plant(dir: string, name: string, ageMs = 0): string {
  const file = join(dir, name);
  writeFileSync(file, 'graph bytes');
  if (ageMs > 0) {
    const at = new Date(Date.now() - ageMs);
    utimesSync(file, at, at);
  }
  return file;
}

describe('stale onnx graph sweep', () => {
  it("removes older builders' graphs and stale temp files, keeps current, newer and unrelated files", () => {
    const dir = join(root, 'onnx');
    mkdirSync(dir);
    const stale = [
      `bert-${KEY}.onnx`, // the naming before the version was in the name
      `bert-v${OLDER}-${KEY}.onnx`,
      `bert-v${GRAPH_BUILDER_VERSION}-${KEY}.onnx.4242.tmp`, // a crashed writer's, an hour and more old
    ];
    plant(dir, stale[0]!);
    plant(dir, stale[1]!);
    plant(dir, stale[2]!, STALE_TEMP_MS + 60_000);
    const kept = [
      `bert-v${GRAPH_BUILDER_VERSION}-${KEY}.onnx`, // another model's graph of this version
      `bert-v${GRAPH_BUILDER_VERSION + 1}-${KEY}.onnx`, // a newer ragctl's
      `bert-v${GRAPH_BUILDER_VERSION}-${KEY}.onnx.4343.tmp`, // being written now
      'notes.txt',
      'bert-custom.onnx',
      `bert-${KEY}.onnx.bak`,
    ];
    for (const name of kept) plant(dir, name, name === 'notes.txt' ? STALE_TEMP_MS * 2 : 0);
    mkdirSync(join(dir, `bert-v${OLDER}-0123456789abcdef0123.onnx`)); // not a file: left alone

    const result = sweepStaleGraphs(dir, silentLogger());

    expect(result.removed.sort()).toEqual(stale.map((name) => join(dir, name)).sort());
    expect(result.bytes).toBe('graph bytes'.length * stale.length);
    expect(readdirSync(dir).sort()).toEqual([...kept, `bert-v${OLDER}-0123456789abcdef0123.onnx`].sort());
  });

  it('names its graphs so that the sweep keeps them', () => {
    const dir = join(root, 'onnx');
    mkdirSync(dir);
    const file = graphCacheFile(dir, 'some/model@abc', 'fp32', 'fused');
    plant(dir, file.slice(dir.length + 1));
    expect(sweepStaleGraphs(dir, silentLogger()).removed).toEqual([]);
    expect(existsSync(file)).toBe(true);
  });

  it('a missing cache folder is nothing to sweep', () => {
    expect(sweepStaleGraphs(join(root, 'absent'), silentLogger())).toEqual({ removed: [], bytes: 0 });
  });

  it('the embedder sweeps $XDG_CACHE_HOME/ragctl/onnx after it loads its graph', async () => {
    const dir = join(root, 'ragctl', 'onnx');
    mkdirSync(dir, { recursive: true });
    const legacy = plant(dir, `bert-${KEY}.onnx`);
    const older = plant(dir, `bert-v${OLDER}-${KEY}.onnx`);
    const otherModel = plant(dir, `bert-v${GRAPH_BUILDER_VERSION}-${KEY}.onnx`);
    const unrelated = plant(dir, 'notes.txt');
    const embedder = new OnnxEmbedder({
      model: testModel().dir,
      batchTokens: 4096,
      env: { ...process.env, XDG_CACHE_HOME: root },
    });
    try {
      const { details } = await embedder.load();
      expect(String(details.graph).startsWith(dir)).toBe(true);
      expect(existsSync(String(details.graph))).toBe(true);
    } finally {
      await embedder.close();
    }
    expect(existsSync(legacy)).toBe(false);
    expect(existsSync(older)).toBe(false);
    expect(existsSync(otherModel)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
  });
});
