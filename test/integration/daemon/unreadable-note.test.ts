import { spawnSync } from 'node:child_process';
import { appendFile, chmod, chown, cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Capability, skipUnless } from '../../helpers/capabilities.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest } from '../../helpers/daemon.js';
import { testEmbedderType } from '../../helpers/index-workspace.js';
import { testModel } from '../../helpers/model.js';

/**
 * A note the daemon may not read when it starts watching (mode 000, the daemon not root): status
 * names it and the fix, `chmod u+r`. Once the user does that, and at every save after, the note
 * must be indexed within seconds, not at the next periodic reconcile.
 */

const SUITE = 'a note unreadable when watching began';
const NOBODY = 65534;

function asNobody(): Capability {
  const need = 'running the daemon as another user (`setpriv`, root on Linux)';
  if (process.platform !== 'linux')
    return { need, missing: `setpriv is Linux only, this is ${process.platform}` };
  const probe = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'true']);
  return {
    need,
    missing: probe.status === 0 ? null : `setpriv failed: ${String(probe.error ?? probe.stderr)}`,
  };
}

describe.skipIf(skipUnless(asNobody(), SUITE))(SUITE, () => {
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess | undefined;

  beforeAll(async () => {
    ws = await DaemonWorkspace.create();
    // The model where nobody may read it (the test cache may be under /root).
    const model = join(ws.root, 'model');
    await cp(testModel().dir, model, { recursive: true, dereference: true });
    await ws.writeConfig({ embedders: { default: { type: testEmbedderType(), model } } });
    await ws.write('open.md', '# Open\n\nnote numbatopen\n');
    await ws.write('locked.md', '# Locked\n\nnote numbatlocked\n');
    await mkdir(join(ws.root, 'home'));
    spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, ws.root]);
    await chmod(ws.path('locked.md'), 0o000);
  });

  afterAll(async () => {
    await endDaemonTest(daemon, ws);
  });

  it('is indexed once it is made readable, and a later save is seen too', async () => {
    daemon = await DaemonProcess.start(ws, {
      wrap: ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'],
      env: { HOME: join(ws.root, 'home'), TMPDIR: join(ws.root, 'home') },
    });
    const skipped = await daemon.until('the locked note skipped', (s) => s.state === 'idle' && s.files === 1);
    expect(JSON.stringify(skipped)).toContain(`chmod u+r ${ws.path('locked.md')}`);

    await chmod(ws.path('locked.md'), 0o644);
    await daemon.until(
      'the note indexed after chmod u+r',
      (s) => s.state === 'idle' && s.files === 2,
      10_000,
    );
    expect((await daemon.search('numbatlocked', { k: 1, rerank: false }))[0]!.path).toBe(
      ws.path('locked.md'),
    );

    await appendFile(ws.path('locked.md'), '\nsaved later numbatsaved\n');
    await chown(ws.path('locked.md'), NOBODY, NOBODY);
    const saved = async () =>
      (await daemon!.search('numbatsaved', { k: 1, rerank: false, mode: 'vector' }))[0]?.text.includes(
        'numbatsaved',
      );
    const deadline = Date.now() + 10_000;
    while (!(await saved())) {
      expect(Date.now(), 'the save after chmod indexed within 10 s').toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 200));
    }
  });
});
