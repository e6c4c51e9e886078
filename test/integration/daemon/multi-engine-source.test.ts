import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireSearchHit } from '../../../src/ipc/protocol.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest, hitsAt, waitFor } from '../../helpers/daemon.js';

/**
 * A project folder listed with `engine: [code, md]`: its code goes to the code engine and its
 * README and docs to md, under one watcher, and each file stays with the engine that reads it
 * as files come and go and as the engine list changes.
 */
const CALC = 'def add(a, b):\n    """Add two numbers and return their sum."""\n    return a + b\n';
const TAX =
  'def vat(net):\n    """The value added tax owed on a net price, at the standard rate."""\n    return net * 0.2\n';
const README = '# Shop\n\nThe shop sells hand-made ceramic teapots from a small workshop.\n';
const DEPLOY = '# Deploying\n\nDeploys go through the blue-green pipeline, on Fridays only.\n';

describe('a folder read by two engines, under a running daemon', () => {
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess;
  const enginesOf = (hits: WireSearchHit[], rel: string) => hitsAt(hits, ws.path(rel)).map((h) => h.engine);

  beforeAll(async () => {
    ws = await DaemonWorkspace.create();
    // At debug level the watcher logs each folder it watches.
    await ws.writeConfig({ log: { level: 'debug' }, sources: [{ path: ws.notes, engine: ['code', 'md'] }] });
    await ws.write('calc.py', CALC);
    await ws.write('README.md', README);
    daemon = await DaemonProcess.start(ws);
    await daemon.until('the start-up walk done', (s) => s.state === 'idle' && s.files === 2, 120_000);
  }, 180_000);
  afterAll(() => endDaemonTest(daemon, ws));

  it('watches the folder once', () => {
    const lines = ws.logLines().filter((l) => l.msg === 'watching');
    expect(lines.filter((l) => 'sources' in l).map((l) => l.sources)).toEqual([1]);
    expect(lines.filter((l) => 'watched' in l).map((l) => l.watched)).toEqual([ws.notes]);
  });

  it('indexes each file with the engine that reads it, and searches both', async () => {
    expect(enginesOf(await daemon.search('ceramic teapots'), 'README.md')).toEqual(['md']);
    expect(enginesOf(await daemon.search('add two numbers'), 'calc.py')).toEqual(['code']);
    expect((await daemon.status()).chunks_by_engine).toEqual({ md: 1, code: 1 });
    expect(enginesOf(await daemon.search('add two numbers', { engine: 'md' }), 'calc.py')).toEqual([]);
  }, 60_000);

  it('the one watcher brings new files of either engine to theirs', async () => {
    await ws.write('docs/deploy.md', DEPLOY);
    await ws.write('src/tax.py', TAX);
    await daemon.until('both new files indexed', (s) => s.state === 'idle' && s.files === 4, 60_000);
    expect(enginesOf(await daemon.search('which day can we deploy'), 'docs/deploy.md')).toEqual(['md']);
    expect(enginesOf(await daemon.search('value added tax on a price'), 'src/tax.py')).toEqual(['code']);
  }, 90_000);

  it('an engine taken out of the list takes its files out of the index; put back, it reads them again', async () => {
    await ws.writeConfig({ sources: [{ path: ws.notes, engine: ['md'] }] });
    process.kill(daemon.pid, 'SIGHUP');
    await daemon.until('the code files gone', (s) => s.state === 'idle' && s.files === 2, 60_000);
    expect(enginesOf(await daemon.search('add two numbers'), 'calc.py')).toEqual([]);
    expect(enginesOf(await daemon.search('ceramic teapots'), 'README.md')).toEqual(['md']);

    await ws.writeConfig({ sources: [{ path: ws.notes, engine: ['md', 'code'] }] });
    process.kill(daemon.pid, 'SIGHUP');
    await daemon.until('the code files back', (s) => s.state === 'idle' && s.files === 4, 60_000);
    expect(enginesOf(await daemon.search('value added tax on a price'), 'src/tax.py')).toEqual(['code']);
  }, 150_000);

  it("a file that an earlier entry of the folder now reads moves to that entry's engine", async () => {
    // md listed first and told to read Python too: the .py files leave the code table for md's.
    await ws.writeConfig({
      sources: [
        { path: ws.notes, engine: 'md', include: ['**/*.md', '**/*.py'] },
        { path: ws.notes, engine: 'code' },
      ],
    });
    process.kill(daemon.pid, 'SIGHUP');
    await waitFor(
      'calc.py read by md',
      async () =>
        enginesOf(await daemon.search('add two numbers'), 'calc.py').join() === 'md' ? true : undefined,
      60_000,
    );
    // Moved, not copied: one row set per file, and the file count unchanged.
    expect(enginesOf(await daemon.search('value added tax on a price'), 'src/tax.py')).toEqual(['md']);
    expect((await daemon.idle(60_000)).files).toBe(4);
  }, 120_000);
});
