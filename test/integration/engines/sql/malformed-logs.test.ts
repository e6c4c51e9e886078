import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SqlAnalyzer } from '../../../../src/engines/sql/analyze.js';
import { MAX_LINE_CHARS, readEntries } from '../../../../src/engines/sql/lines.js';
import { createReader } from '../../../../src/engines/sql/readers.js';
import { readTail, type TailPiece } from '../../../../src/engines/sql/tail.js';
import type { ParseStatus, SqlEntry } from '../../../../src/engines/sql/types.js';
import { streamBytes } from '../../../../src/pipeline/append.js';
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

  test('read live, the 200 MB log is streamed in bounded memory; appending 1,000 blocks reads those bytes only', async () => {
    const size = (await stat(path)).size;
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    let first = 0;
    let checkpoint: TailPiece['checkpoint'] | undefined;
    for await (const piece of readTail({
      path,
      bytes: streamBytes(path, 0, size),
      fromOffset: 0,
      previous: null,
      final: false,
    })) {
      first += piece.entries.length;
      checkpoint = piece.checkpoint;
      if (first % 20_000 < piece.entries.length)
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    }
    expect(peak).toBeLessThan(HEAP_BOUND_BYTES);
    // Everything but the entry still open (the last block's statement, whose end is unknown)
    // and the unterminated cut line, which is not read at all yet.
    expect(first).toBe(blocks * 3 + 1 + 1 - 1);
    expect(checkpoint!.withheld).toBe(true);
    const partial = Buffer.byteLength(
      '2024-03-01 11:00:00.000 UTC [9] app@shop LOG:  duration: 1.0 ms  statement: SELECT a, b FROM t WHERE a =',
    );
    expect(checkpoint!.offset).toBe(size - partial);

    // The cut line gets its line break, then 1,000 more blocks.
    const appended = `\n${Array.from({ length: 1000 }, (_, k) => block(blocks + k)).join('\n')}\n`;
    await appendFile(path, appended);
    const grown = (await stat(path)).size;
    let read = 0;
    const counted = async function* () {
      for await (const chunk of streamBytes(path, checkpoint!.offset, grown)) {
        read += chunk.length;
        yield chunk;
      }
    };
    const again: SqlEntry[] = [];
    for await (const piece of readTail({
      path,
      bytes: counted(),
      fromOffset: checkpoint!.offset,
      previous: checkpoint!.resume,
      final: false,
    })) {
      again.push(...piece.entries.map((e) => e.entry));
    }
    expect(read).toBe(partial + Buffer.byteLength(appended));
    // The statement held open before, the cut line, and the new blocks' but the last one.
    expect(again).toHaveLength(1 + 1 + 1000 * 3 - 1);
    expect(again[0]!.startLine).toBe(blocks * 7 + 3 - 2);
    expect(again[1]).toMatchObject({ startLine: blocks * 7 + 3, readStatus: null });
    expect(again.at(-1)!.endLine).toBeLessThanOrEqual(blocks * 7 + 3 + 1000 * 7);
  }, 300_000);
});
