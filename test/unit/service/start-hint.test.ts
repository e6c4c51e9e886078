import { describe, expect, it } from 'vitest';
import { withConfigFlag } from '../../../src/service/start-hint.js';

describe('withConfigFlag', () => {
  const env = { HOME: '/home/me', XDG_CONFIG_HOME: '/home/me/.config' };

  it('puts --config in every command a hint names, for a config other than the default', () => {
    const hint =
      'systemd user session not available: run `ragctl daemon run` in a terminal; `ragctl status` shows what it does, `ragctl daemon stop` stops it';
    expect(withConfigFlag(hint, '/home/me/work/ragctl.yaml', env)).toBe(
      'systemd user session not available: run `ragctl daemon run --config /home/me/work/ragctl.yaml` in a terminal; `ragctl status --config /home/me/work/ragctl.yaml` shows what it does, `ragctl daemon stop --config /home/me/work/ragctl.yaml` stops it',
    );
    // A path a shell would split is quoted.
    expect(withConfigFlag('run `ragctl index`', '/home/me/my notes/r.yaml', env)).toBe(
      "run `ragctl index --config '/home/me/my notes/r.yaml'`",
    );
  });

  it('leaves hints for the default config, which every command finds alone, as they are', () => {
    const hint = 'run `ragctl index`, or `ragctl daemon install`';
    expect(withConfigFlag(hint, '/home/me/.config/ragctl/config.yaml', env)).toBe(hint);
    expect(withConfigFlag(hint, null, env)).toBe(hint);
    // Commands already given their arguments are not touched.
    expect(withConfigFlag('`ragctl add <folder>`', '/x/r.yaml', env)).toBe('`ragctl add <folder>`');
  });
});
