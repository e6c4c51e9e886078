import { join } from 'node:path';
import { connect } from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess, DaemonWorkspace, endDaemonTest } from '../../helpers/daemon.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * A config whose sources all read SQL keeps the default `engines:` block, which defines `md`.
 * An engine no source names has nothing to index: it gets no table, `status` does not list it,
 * and a search over every engine neither fails on it nor creates its table — read from the
 * index without a daemon and from a daemon alike.
 */
describe('ragctl status and search: only the engines the sources read', () => {
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess | undefined;
  const ragctl = (...args: string[]) => runCli([...args, '--config', ws.configFile], { cwd: ws.root });
  const tables = async () => {
    const db = await connect(join(ws.dataDir, 'index'));
    try {
      return (await db.tableNames()).sort();
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    ws = await DaemonWorkspace.create();
    await ws.write('orders.sql', 'SELECT id, total FROM orders WHERE total > 100;\n');
    await ws.write('refunds.sql', 'DELETE FROM refunds WHERE created_at < now();\n');
    // No `engines:` block: the default one, as a user's config of query logs has it.
    await ws.writeConfig({ engines: undefined, sources: [{ path: ws.notes, engine: 'sql' }] });
    const indexed = await runCli(['index', '--config', ws.configFile], { cwd: ws.root });
    expect(indexed.code, indexed.stderr).toBe(0);
  }, 120_000);
  afterAll(() => endDaemonTest(daemon, ws));

  it('index creates the tables of the engines the sources read, and no other', async () => {
    expect(await tables()).toEqual(['chunks_sql', 'files']);
  });

  it('status without a daemon lists only those engines, in text and --json', async () => {
    const json = oneJsonLine(await ragctl('status', '--json'));
    expect(json).toMatchObject({ via: 'index', files: 2, reason: null, fix: null });
    expect(json.chunks_by_engine).toEqual({ sql: json.chunks });
    const text = await ragctl('status');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`\nfiles:    2 indexed, ${json.chunks} chunks\n`);
    expect(text.stdout).not.toMatch(/\bmd\b/);
    expect(await tables()).toEqual(['chunks_sql', 'files']);
  }, 60_000);

  it('a search over every engine finds the statements; one for an unused engine says how to have it', async () => {
    const all = oneJsonLine(await ragctl('search', '--json', 'orders total'));
    expect(all.results).toEqual(expect.arrayContaining([expect.objectContaining({ engine: 'sql' })]));
    const md = await ragctl('search', '--engine', 'md', 'orders');
    expect(md.code).toBe(2);
    expect(md.stderr).toContain("no engine 'md' (engines: sql)");
    expect(await tables()).toEqual(['chunks_sql', 'files']);
  }, 60_000);

  it('a daemon opens, lists and searches the same engines', async () => {
    daemon = await DaemonProcess.start(ws);
    const status = await daemon.idle();
    expect(status.chunks_by_engine).toEqual({ sql: status.chunks });
    expect(await daemon.search('orders total')).toEqual(
      expect.arrayContaining([expect.objectContaining({ engine: 'sql' })]),
    );
    expect(await tables()).toEqual(['chunks_sql', 'files']);
  }, 120_000);
});
