import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceError } from '../../../src/service/errors.js';
import { buildServiceSpec, configSuffix, stableNodePath, thisCliPath } from '../../../src/service/spec.js';

const scratch = mkdtempSync(join(tmpdir(), 'ragctl-spec-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const base = {
  platform: 'systemd' as const,
  configPath: '/home/jane/.config/ragctl/config.yaml',
  isDefaultConfig: true,
  dataDir: '/home/jane/.local/share/ragctl',
  logFile: '/home/jane/.local/share/ragctl/logs/ragd.log',
  home: '/home/jane',
  uid: 1000,
  nodePath: '/usr/bin/node',
  cliPath: '/home/jane/ragctl/bin/ragctl.js',
  env: {},
};

describe('service names and places', () => {
  it('puts the unit under $XDG_CONFIG_HOME/systemd/user, ~/.config when unset', () => {
    expect(buildServiceSpec(base).file).toBe('/home/jane/.config/systemd/user/ragd.service');
    expect(buildServiceSpec({ ...base, env: { XDG_CONFIG_HOME: '/cfg' } }).file).toBe(
      '/cfg/systemd/user/ragd.service',
    );
    expect(buildServiceSpec({ ...base, platform: 'launchd' }).file).toBe(
      '/home/jane/Library/LaunchAgents/com.ragctl.ragd.plist',
    );
  });

  it('tags a non-default config by its name and a hash of its path', () => {
    expect(configSuffix('/home/jane/work/ragctl-work.yaml')).toMatch(/^ragctl-work-[0-9a-f]{8}$/);
    // A file called config.yaml says nothing; its folder does.
    expect(configSuffix('/home/jane/Work Notes/config.yml')).toMatch(/^work-notes-[0-9a-f]{8}$/);
    expect(configSuffix('/home/jane/a/config.yaml')).not.toBe(configSuffix('/home/jane/b/a/config.yaml'));
    expect(configSuffix('/home/jane/!!!.yaml')).toMatch(/^[0-9a-f]{8}$/);
    expect(configSuffix(`/x/${'long-name-'.repeat(10)}.yaml`).length).toBeLessThanOrEqual(24 + 1 + 8);
    const s = buildServiceSpec({ ...base, isDefaultConfig: false, configPath: '/srv/team/config.yaml' });
    expect(s.name).toMatch(/^ragd-team-[0-9a-f]{8}\.service$/);
    expect(s.suffix).toMatch(/^team-/);
  });

  it('passes on only the variables that move ragctl folders, and only when set', () => {
    const env = { HF_HUB_CACHE: '/m', XDG_DATA_HOME: '/d', SECRET_TOKEN: 'no', HF_HOME: '' };
    const s = buildServiceSpec({ ...base, env });
    expect(s.environment).toEqual({
      PATH: '/usr/bin:/usr/local/bin:/bin:/usr/sbin:/sbin',
      HOME: '/home/jane',
      LANCEDB_LOG: 'error',
      MALLOC_ARENA_MAX: '2',
      MALLOC_MMAP_THRESHOLD_: '131072',
      XDG_DATA_HOME: '/d',
      HF_HUB_CACHE: '/m',
    });
    // glibc settings that bound the daemon's RSS on Linux; macOS's allocator reads neither.
    const launchd = buildServiceSpec({ ...base, env, platform: 'launchd' }).environment;
    expect(launchd).not.toHaveProperty('MALLOC_ARENA_MAX');
    expect(launchd).not.toHaveProperty('MALLOC_MMAP_THRESHOLD_');
  });

  it('refuses paths with control characters, naming the value', () => {
    let caught: unknown;
    try {
      buildServiceSpec({ ...base, configPath: '/home/jane/bad\nname.yaml', isDefaultConfig: false });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ServiceError);
    expect((caught as ServiceError).message).toMatch(/config path "\/home\/jane\/bad\\nname.yaml"/);
  });
});

describe('which node and which ragctl', () => {
  it('prefers the node on PATH when it is the same binary (survives upgrades of versioned installs)', () => {
    const cellar = join(scratch, 'Cellar', 'node', '20.20.2', 'bin');
    const stable = join(scratch, 'homebrew', 'bin');
    mkdirSync(cellar, { recursive: true });
    mkdirSync(stable, { recursive: true });
    symlinkSync(process.execPath, join(cellar, 'node'));
    symlinkSync(join(cellar, 'node'), join(stable, 'node'));
    const path = ['relative/bin', '/nonexistent', stable].join(':');
    expect(stableNodePath(join(cellar, 'node'), path)).toBe(join(stable, 'node'));
    // A different node on PATH is not a substitute.
    expect(stableNodePath(join(cellar, 'node'), '/nonexistent')).toBe(join(cellar, 'node'));
    expect(stableNodePath(join(scratch, 'gone', 'node'), path)).toBe(join(scratch, 'gone', 'node'));
  });

  it('passes over PATH entries it cannot resolve (a symlink loop here; a folder it may not read for a user)', () => {
    const cellar = join(scratch, 'Cellar', 'node', '20.20.3', 'bin');
    const stable = join(scratch, 'usr-local', 'bin');
    const loop = join(scratch, 'loop');
    mkdirSync(cellar, { recursive: true });
    mkdirSync(stable, { recursive: true });
    symlinkSync(process.execPath, join(cellar, 'node'));
    symlinkSync(join(cellar, 'node'), join(stable, 'node'));
    symlinkSync(loop, loop);
    expect(stableNodePath(join(cellar, 'node'), [loop, stable].join(':'))).toBe(join(stable, 'node'));
  });

  it('finds this checkout’s bin/ragctl.js', () => {
    expect(thisCliPath()).toMatch(/\/bin\/ragctl\.js$/);
  });
});
