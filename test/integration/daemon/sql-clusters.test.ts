import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlCluster } from '../../../src/engines/sql/cluster-types.js';
import { request } from '../../../src/ipc/client.js';
import { DaemonProcess, DaemonWorkspace, stopAll, waitFor } from '../../helpers/daemon.js';
import { loadClusterFamilies } from '../../helpers/sql-families.js';

/**
 * `sql_clusters` over the socket of a real daemon: a PostgreSQL log (prefix '%m [%p] %q%u@%d ')
 * of the labelled families, each spelling run with three durations. The engine block sets
 * `clusterThreshold: 0`, so the daemon merges by embedding too unless a request says otherwise.
 */
const BOUND_MS = 60_000;
const tuned = loadClusterFamilies().families.filter((f) => f.split === 'tuned');

let ws: DaemonWorkspace;
let daemon: DaemonProcess;
const familyOf = new Map<number, string>();
let lines = 0;

function log(): string {
  const out: string[] = [];
  let pid = 100;
  for (const f of tuned) {
    for (const s of f.spellings) {
      for (const ms of [1.5, 12.25, 40]) {
        lines++;
        familyOf.set(lines, f.name);
        const sec = String(lines % 60).padStart(2, '0');
        out.push(
          `2026-12-04 18:00:${sec}.123 UTC [${pid++}] shop@shopdb LOG:  duration: ${ms} ms  statement: ${s};`,
        );
      }
    }
  }
  return `${out.join('\n')}\n`;
}

beforeAll(async () => {
  ws = await DaemonWorkspace.create();
  await ws.writeConfig({
    engines: { sql: { chunker: 'sql', mapper: 'sql', clusterThreshold: 0 } },
    sources: [{ path: ws.notes, engine: 'sql', include: ['**/*.log'] }],
  });
  await ws.write('postgresql.log', log());
  daemon = await DaemonProcess.start(ws);
  await waitFor(
    'the log indexed',
    async () => (await daemon.request('sql_clusters', { top: 1000 })).statements === lines,
    BOUND_MS,
  );
}, 120_000);

afterAll(async () => {
  try {
    await daemon?.stop();
  } finally {
    await stopAll();
    await ws?.cleanup();
  }
});

const families = (c: SqlCluster) => new Set(c.members.map((m) => familyOf.get(m.start_line)));

describe('sql_clusters on a running daemon', () => {
  it('threshold 1 in the request: one cluster per family, ranked by total time', async () => {
    const result = await daemon.request('sql_clusters', { threshold: 1, top: 1000, members: 1000 });
    expect(result.threshold).toBe(1);
    expect(result.clusters_total).toBe(tuned.length);
    for (const c of result.clusters) {
      expect(families(c).size).toBe(1);
      const f = tuned.find((x) => families(c).has(x.name))!;
      expect(c.count).toBe(f.spellings.length * 3);
      expect(c.total_ms).toBeCloseTo(f.spellings.length * (1.5 + 12.25 + 40), 3);
      expect(c.p95_ms).toBe(40);
    }
    const totals = result.clusters.map((c) => c.total_ms);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
  });

  it('the engine block’s clusterThreshold is the default; min_time and table are filters', async () => {
    const loose = await daemon.request('sql_clusters', { top: 1000, members: 1000 });
    expect(loose.threshold).toBe(0);
    expect(loose.clusters_total).toBeLessThan(tuned.length);
    const slow = await daemon.request('sql_clusters', {
      min_time: 40,
      table: 'orders',
      threshold: 1,
      top: 1000,
    });
    const expected = tuned
      .filter((f) => f.spellings.some((s) => /\borders\b/.test(s)))
      .reduce((n, f) => n + f.spellings.length, 0);
    expect(slow.statements).toBe(expected);
    for (const c of slow.clusters) {
      expect(c.tables).toContain('orders');
      expect(c.members.every((m) => m.duration_ms === 40)).toBe(true);
    }
  });

  it('a bad parameter is refused with the field named', async () => {
    await expect(request(ws.socketPath, 'sql_clusters', { threshold: 2 })).rejects.toMatchObject({
      code: 'E_PROTOCOL',
      message: expect.stringContaining('params.threshold must be a number from 0 to 1'),
    });
    await expect(
      request(ws.socketPath, 'sql_clusters', { tresholds: 1 } as unknown as { threshold: number }),
    ).rejects.toMatchObject({ code: 'E_PROTOCOL', message: expect.stringContaining('params.tresholds') });
  });
});
