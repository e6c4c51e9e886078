import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceError } from '../../../src/service/errors.js';
import { buildServiceSpec, programArguments } from '../../../src/service/spec.js';
import {
  execLine,
  parseUnitFile,
  quoteUnitWord,
  readUnitCommand,
  renderUnit,
  splitExecLine,
  splitUnitValue,
} from '../../../src/service/systemd-unit.js';
import type { ServiceSpec } from '../../../src/service/types.js';

const scratch = mkdtempSync(join(tmpdir(), 'ragctl-unit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function spec(overrides: Partial<Parameters<typeof buildServiceSpec>[0]> = {}): ServiceSpec {
  return buildServiceSpec({
    platform: 'systemd',
    configPath: `/home/jane/Jane's "R&D" notes/ragctl.yaml`,
    isDefaultConfig: false,
    dataDir: '/home/jane/.local/share/ragctl',
    logFile: '/home/jane/.local/share/ragctl/logs/ragd.log',
    home: '/home/jane',
    uid: 1000,
    nodePath: '/home/jane/.nvm/versions/node/v20.20.2/bin/node',
    cliPath: '/home/jane/src/rag ctl/bin/ragctl.js',
    env: { HF_HOME: '/data/hf & "models" 100%', XDG_CACHE_HOME: '/home/jane/.cache' },
    ...overrides,
  });
}

/** Words that systemd treats specially in a command line, alone and mixed. */
const NASTY = [
  'plain',
  'two words',
  '',
  '"',
  "'",
  "it's",
  '"quoted"',
  'back\\slash',
  'trailing\\',
  '\\n is not a newline',
  '%h is not home',
  '100%',
  '%%',
  '$HOME',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal systemd variable reference
  '${HOME}',
  '$$',
  ';',
  'a;b',
  'tab\there',
  'café 中文',
  '--config=/x y/z.yaml',
];

describe('systemd user unit', () => {
  it('has the sections and settings of a supervised background daemon', () => {
    const s = spec();
    const unit = parseUnitFile(renderUnit(s));
    expect([...unit.keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(unit.get('Unit')).toEqual([
      ['Description', `ragctl search daemon (ragd) for ${s.configPath}`],
      ['After', 'default.target'],
    ]);
    const service = unit.get('Service') ?? [];
    const one = (key: string) => service.filter(([k]) => k === key).map(([, v]) => v);
    expect(one('Type')).toEqual(['simple']);
    expect(one('Restart')).toEqual(['on-failure']);
    expect(one('RestartSec')).toEqual(['5']);
    expect(one('RestartPreventExitStatus')).toEqual(['2 4']);
    expect(one('Nice')).toEqual(['5']);
    expect(one('IOSchedulingClass')).toEqual(['best-effort']);
    expect(one('IOSchedulingPriority')).toEqual(['7']);
    expect(one('LimitNOFILE')).toEqual(['8192']);
    expect(one('KillSignal')).toEqual(['SIGTERM']);
    expect(one('KillMode')).toEqual(['mixed']);
    expect(one('TimeoutStopSec')).toEqual(['15']);
    expect(one('ExecStart').map(splitExecLine)).toEqual([programArguments(s)]);
    expect(one('Environment').map(splitUnitValue)).toEqual([
      ['PATH=/home/jane/.nvm/versions/node/v20.20.2/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin'],
      ['HOME=/home/jane'],
      ['LANCEDB_LOG=error'],
      ['MALLOC_ARENA_MAX=2'],
      ['MALLOC_MMAP_THRESHOLD_=131072'],
      ['XDG_CACHE_HOME=/home/jane/.cache'],
      ['HF_HOME=/data/hf & "models" 100%'],
    ]);
    expect(unit.get('Install')).toEqual([['WantedBy', 'default.target']]);
  });

  it('quotes words the way systemd.service(5) documents', () => {
    expect(quoteUnitWord('/usr/bin/node', { dollars: true })).toBe('/usr/bin/node');
    expect(quoteUnitWord('/a b/%h $x', { dollars: true })).toBe('"/a b/%%h $$x"');
    expect(quoteUnitWord('/a b/$x', { dollars: false })).toBe('"/a b/$x"');
    expect(quoteUnitWord('say "hi" \\o/', { dollars: true })).toBe('"say \\"hi\\" \\\\o/"');
    expect(quoteUnitWord('', { dollars: true })).toBe('""');
  });

  it('splits ExecStart back into exactly the words it was made of', () => {
    for (const word of NASTY) {
      const argv = ['/usr/bin/node', word, 'daemon', word, word];
      expect(splitExecLine(execLine(argv))).toEqual(argv);
    }
    expect(splitExecLine(execLine(['/usr/bin/node', ...NASTY]))).toEqual(['/usr/bin/node', ...NASTY]);
  });

  it('reads the command back from an installed unit, continuation lines included', () => {
    const s = spec();
    expect(readUnitCommand(renderUnit(s))?.argv).toEqual(programArguments(s));
    expect(
      readUnitCommand(
        '[Service]\nExecStart=/usr/bin/node \\\n  /x/bin/ragctl.js daemon run --config /c.yaml\n',
      ),
    ).toEqual({
      nodePath: '/usr/bin/node',
      cliPath: '/x/bin/ragctl.js',
      configPath: '/c.yaml',
      argv: ['/usr/bin/node', '/x/bin/ragctl.js', 'daemon', 'run', '--config', '/c.yaml'],
    });
    expect(readUnitCommand('[Unit]\nDescription=x\n')).toBeNull();
  });

  it('refuses a node path systemd would refuse (quotes or backslashes in the executable)', () => {
    for (const nodePath of [`/opt/it's/node`, '/opt/"x"/node', '/opt/back\\slash/node']) {
      const err = captureError(() => spec({ nodePath }));
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as ServiceError).reason).toBe('unrepresentable');
      expect((err as ServiceError).code).toBe('E_USAGE');
    }
    // Arguments may have them: only the program's own path is restricted.
    expect(() => spec({ cliPath: `/opt/it's "odd" \\ here/ragctl.js` })).not.toThrow();
  });
});

const systemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

/**
 * systemd's own parser. `verify` exits 0 with warnings for settings it ignores, so any line
 * naming the unit file is a failure; and it checks that the executable (the quoted first word)
 * exists, which proves its quoting round-trips through systemd itself.
 */
function verify(unitFile: string): { status: number | null; output: string } {
  const runtime = join(scratch, 'runtime');
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const r = spawnSync('systemd-analyze', ['--user', 'verify', unitFile], {
    encoding: 'utf8',
    env: { ...process.env, XDG_RUNTIME_DIR: runtime, SYSTEMD_LOG_COLOR: '0' },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe.runIf(systemdAnalyze)('systemd-analyze verify (present on this machine)', () => {
  // A real node under a folder with spaces, specifiers, a dollar, a semicolon and non-ASCII.
  const odd = join(scratch, 'odd %h $HOME; café');
  mkdirSync(odd, { recursive: true });
  symlinkSync(process.execPath, join(odd, 'node'));

  it('accepts the generated unit, executable path with spaces, % and $ included', () => {
    const s = spec({ nodePath: join(odd, 'node'), cliPath: join(odd, `Jane's "R&D"`, 'ragctl.js') });
    const file = join(scratch, s.name);
    writeFileSync(file, renderUnit(s));
    const { status, output } = verify(file);
    expect(output.split('\n').filter((l) => l.includes(s.name))).toEqual([]);
    expect(status).toBe(0);
  });

  it('rejects the same unit with the executable left unquoted (the check can fail)', () => {
    const s = spec({ nodePath: join(odd, 'node') });
    const file = join(scratch, `broken-${s.name}`);
    const text = renderUnit(s).replace(/^ExecStart="([^"]*)"/m, 'ExecStart=$1');
    writeFileSync(file, text);
    const { status, output } = verify(file);
    expect(status !== 0 || output.includes('broken-')).toBe(true);
  });

  it('refuses quotes in the executable path too, as spec() does', () => {
    const quoted = join(scratch, `it's`);
    mkdirSync(quoted, { recursive: true });
    symlinkSync(process.execPath, join(quoted, 'node'));
    const file = join(scratch, 'quoted-exec.service');
    writeFileSync(file, `[Service]\nExecStart=${execLine([join(quoted, 'node'), '--version'])}\n`);
    expect(verify(file).output).toMatch(/special characters/);
  });

  it('finds nothing to say about the default unit either', () => {
    const s = spec({ isDefaultConfig: true, nodePath: process.execPath });
    expect(s.name).toBe('ragd.service');
    const file = join(scratch, s.name);
    writeFileSync(file, renderUnit(s));
    const { status, output } = verify(file);
    expect(output.split('\n').filter((l) => l.includes(s.name))).toEqual([]);
    expect(status).toBe(0);
    expect(execFileSync('systemd-analyze', ['--version'], { encoding: 'utf8' })).toMatch(/^systemd \d+/);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
