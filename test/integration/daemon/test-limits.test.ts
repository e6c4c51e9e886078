import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_LIMITS_ENV } from '../../../src/daemon/test-limits.js';
import { DaemonProcess, DaemonWorkspace, stopAll } from '../../helpers/daemon.js';

/** `ragctl daemon run` reads RAGD_TEST_LIMITS itself (the health tests rely on it): a bad value stops it at once. */
describe('ragctl daemon run with RAGD_TEST_LIMITS', () => {
  let ws: DaemonWorkspace;
  beforeAll(async () => {
    ws = await DaemonWorkspace.create();
  });
  afterAll(async () => {
    await stopAll();
    await ws.cleanup();
  });

  it('refuses to start on a value it cannot use, naming the variable', async () => {
    const daemon = DaemonProcess.spawn(ws, {
      env: { [TEST_LIMITS_ENV]: JSON.stringify({ watcher: { restartDelaysMs: [0] } }) },
    });
    const code = await daemon.exited;
    expect(code, daemon.output).not.toBe(0);
    expect(daemon.output).toContain(
      `${TEST_LIMITS_ENV}: watcher limit restartDelaysMs must list positive integers`,
    );
  });
});
