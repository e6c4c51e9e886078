// What one replaceFiles commit costs as the table grows, for one file per call and for
// several files per call (what a pipeline can do during an event storm). Each size starts
// from a freshly optimized table, as the OptimizePolicy keeps it.
//
//   node --import ./bench/store/register-ts.mjs bench/store/replace-scaling.mjs [--sizes 10000,50000,150000]
//        [--dim 384] [--calls 20] [--batch-files 50]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { documentMapper } from '../../src/engines/document-mapper.js';
import { silentLogger } from '../../src/log.js';
import { LanceStore } from '../../src/store/lance-store.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,50000,150000' },
    dim: { type: 'string', default: '384' },
    calls: { type: 'string', default: '20' },
    'batch-files': { type: 'string', default: '50' },
  },
});
const DIM = Number(values.dim);
const CALLS = Number(values.calls);
const BATCH_FILES = Number(values['batch-files']);
const CHUNKS = 5;
const ROOT = '/bench/notes';

const vectors = (n) => {
  const v = new Float32Array(n * DIM);
  for (let i = 0; i < v.length; i++) v[i] = Math.random() - 0.5;
  return v;
};
const file = (i, version) => ({
  file: {
    path: `${ROOT}/d${i % 50}/n${i}.md`,
    root: ROOT,
    engine: 'md',
    fileHash: `${i}:${version}`,
    size: 1,
    mtimeMs: Date.now(),
    indexedAt: Date.now(),
    modelId: 'bench',
  },
  chunks: Array.from({ length: CHUNKS }, (_, c) => ({
    id: `${i}:${c}:${version}`,
    text: `note ${i} chunk ${c} version ${version} river stone cloud`,
    contentHash: `${i}:${c}:${version}`,
    startLine: c + 1,
    endLine: c + 1,
    headingPath: [],
    metadata: {},
  })),
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(
  '| rows | replace 1 file p50 ms | replace %d files in one call p50 ms (per file) |'.replace(
    '%d',
    BATCH_FILES,
  ),
);
console.log('|---|---|---|');
for (const size of values.sizes.split(',').map(Number)) {
  const dir = mkdtempSync(join(tmpdir(), 'ragctl-replace-'));
  const store = await LanceStore.open({ dir, logger: silentLogger() });
  try {
    const { table } = await store.openChunkTable({
      engine: 'md',
      mapper: documentMapper,
      modelId: 'bench',
      dimension: DIM,
    });
    const files = size / CHUNKS;
    for (let start = 0; start < files; start += 2000) {
      const rows = Array.from({ length: Math.min(2000, files - start) }, (_, k) => file(start + k, 0));
      await table.replaceFiles(
        rows.map((r) => r.file.path),
        documentMapper.toRecordBatch(rows, vectors(rows.length * CHUNKS), DIM),
      );
    }
    await table.optimize();
    const single = [];
    for (let c = 0; c < CALLS; c++) {
      const row = file(Math.floor(Math.random() * files), c + 1);
      const batch = documentMapper.toRecordBatch([row], vectors(CHUNKS), DIM);
      const t0 = performance.now();
      await table.replaceFiles([row.file.path], batch);
      single.push(performance.now() - t0);
    }
    await table.optimize();
    const multi = [];
    for (let c = 0; c < Math.max(3, CALLS / 4); c++) {
      const rows = Array.from({ length: BATCH_FILES }, (_, k) =>
        file((c * BATCH_FILES + k * 7) % files, 1000 + c),
      );
      const batch = documentMapper.toRecordBatch(rows, vectors(rows.length * CHUNKS), DIM);
      const t0 = performance.now();
      await table.replaceFiles(
        rows.map((r) => r.file.path),
        batch,
      );
      multi.push(performance.now() - t0);
    }
    const m = median(multi);
    console.log(
      `| ${size} | ${median(single).toFixed(1)} | ${m.toFixed(1)} (${(m / BATCH_FILES).toFixed(1)}) |`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
