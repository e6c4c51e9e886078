import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SqlAnalyzer } from '../../../../src/engines/sql/analyze.js';
import { MAX_LINE_CHARS, readEntries } from '../../../../src/engines/sql/lines.js';
import { createReader } from '../../../../src/engines/sql/readers.js';
import type { ParseStatus } from '../../../../src/engines/sql/types.js';
import { makeTempDir } from '../../../helpers/temp.js';

const LOG_BYTES = 200 * 1024 * 1024;
/** A run of binary garbage with no line break, far over the line cap. */
const GARBAGE_BYTES = 24 * 1024 * 1024;
/**
 * Heap the read may add, whatever the log's size: the open entries, one capped line, the
 * analyzer's bounded cache. Holding the log, or its entries, would take several times this.
 */
const HEAP_BOUND_BYTES = 160 * 1024 * 1024;

/** One transaction of two interleaved backends, with parameters, as the real server writes it (7 lines). */
function block(i: number): string {
  const t = `2024-03-01 10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000 UTC`;
  return [
    `${t} [${100 + (i % 7)}] app@shop LOG:  duration: 0.010 ms  bind S_1: SELECT * FROM orders WHERE id = $1`,
    `${t} [${100 + (i % 7)}] app@shop DETAIL:  parameters: $1 = '${i}'`,
    `${t} [${200 + (i % 5)}] app@shop LOG:  duration: 0.500 ms  statement: UPDATE stock SET n = n - ${i % 9} WHERE sku = 'k${i}'`,
    `${t} [${100 + (i % 7)}] app@shop LOG:  duration: 1.500 ms  execute S_1: SELECT * FROM orders WHERE id = $1`,
    `${t} [${100 + (i % 7)}] app@shop DETAIL:  parameters: $1 = '${i}'`,
    `${t} [${300}] app@shop LOG:  duration: 2.000 ms  statement: SELECT a,`,
    `\t b FROM t WHERE c IN (${Array.from({ length: 1 + (i % 4) }, (_, k) => k + i).join(', ')})`,
  ].join('\n');
}

describe('malformed and very large logs', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let blocks = 0;
  let path: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('sql-large'));
    path = join(dir, 'postgresql.log');
    const out = createWriteStream(path);
    let written = 0;
    const write = async (text: string) => {
      written += Buffer.byteLength(text);
      if (!out.write(text)) await once(out, 'drain');
    };
    while (written < LOG_BYTES) {
      await write(`${block(blocks++)}\n`);
      if (blocks === 1000) {
        // Binary garbage without a line break, then a truncated line, mid-file.
        const garbage = Buffer.alloc(GARBAGE_BYTES);
        for (let k = 0; k < garbage.length; k++)
          garbage[k] = (k * 131 + 7) % 256 === 10 ? 0 : (k * 131 + 7) % 256;
        written += garbage.length;
        if (!out.write(garbage)) await once(out, 'drain');
        await write(
          '\n2024-03-01 10:00:00.000 UTC [9] app@shop LOG:  duration: 1.0 ms  statement: SELECT x FROM\n',
        );
      }
    }
    // The log ends inside a statement, as when the disk filled up.
    await write(
      '2024-03-01 11:00:00.000 UTC [9] app@shop LOG:  duration: 1.0 ms  statement: SELECT a, b FROM t WHERE a =',
    );
    out.end();
    await once(out, 'finish');
  }, 300_000);
  afterAll(async () => {
    await cleanup?.();
  });

  test('a 200 MB log with garbage and a cut statement is read whole, in bounded memory', async () => {
    const analyzer = await SqlAnalyzer.create();
    const counts = new Map<ParseStatus, number>();
    let executes = 0;
    let lastLine = 0;
    let longest = 0;
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    let seen = 0;
    const reader = createReader('pg-stderr');
    for await (const raw of readEntries(reader, createReadStream(path, { highWaterMark: 256 * 1024 }), {
      final: true,
    })) {
      const e = analyzer.analyzeEntry(raw, 'postgresql');
      counts.set(e.parseStatus, (counts.get(e.parseStatus) ?? 0) + 1);
      if (e.extra.protocol === 'execute' && e.params.length === 1) executes++;
      lastLine = Math.max(lastLine, e.endLine);
      longest = Math.max(longest, e.text.length);
      if (++seen % 20_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    }
    expect(peak).toBeLessThan(HEAP_BOUND_BYTES);
    expect(executes).toBe(blocks);
    // Three statements a block; the garbage line; the statement cut mid-file and the one at the end.
    expect(counts.get('ok')).toBe(blocks * 3);
    expect(counts.get('not-sql')).toBe(1);
    expect(counts.get('truncated')).toBe(2);
    // The garbage line was capped, not kept whole.
    expect(longest).toBeLessThanOrEqual(Math.min(MAX_LINE_CHARS + 1000, GARBAGE_BYTES / 4));
    expect(lastLine).toBe(blocks * 7 + 3);
  }, 300_000);
});
