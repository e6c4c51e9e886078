import { describe, expect, it } from 'vitest';
import {
  fillTemplate,
  readPlistCommand,
  readTemplate,
  renderPlist,
  xmlUnescape,
} from '../../../src/service/plist.js';
import { buildServiceSpec, programArguments } from '../../../src/service/spec.js';
import type { ServiceSpec } from '../../../src/service/types.js';
import { type PlistValue, parsePlist, plain } from '../../integration/service/helpers.js';

/** Paths with every XML special, spaces, a CDATA terminator, an entity-looking text and non-ASCII. */
const WEIRD = `/Users/jane/Jane's "R&D" <tools> ]]> &amp; café`;

function spec(overrides: Partial<Parameters<typeof buildServiceSpec>[0]> = {}): ServiceSpec {
  return buildServiceSpec({
    platform: 'launchd',
    configPath: `${WEIRD}/ragctl.yaml`,
    isDefaultConfig: false,
    dataDir: `${WEIRD}/data`,
    logFile: `${WEIRD}/data/logs/ragd.log`,
    home: '/Users/jane',
    uid: 501,
    nodePath: `${WEIRD}/bin/node`,
    cliPath: `${WEIRD}/ragctl/bin/ragctl.js`,
    env: { HF_HOME: '/Volumes/Models & "Weights"', XDG_DATA_HOME: '/ignored/on/macos/but/passed' },
    ...overrides,
  });
}

function dict(value: PlistValue): Record<string, PlistValue> {
  expect(value.t).toBe('dict');
  return (value as { v: Record<string, PlistValue> }).v;
}

describe('launchd agent plist', () => {
  it('parses as an XML plist with every key, of the right type', () => {
    const s = spec();
    const root = dict(parsePlist(renderPlist(s, readTemplate())));
    expect(Object.keys(root).sort()).toEqual(
      [
        'EnvironmentVariables',
        'ExitTimeOut',
        'HardResourceLimits',
        'KeepAlive',
        'Label',
        'LowPriorityIO',
        'Nice',
        'ProcessType',
        'ProgramArguments',
        'RunAtLoad',
        'SoftResourceLimits',
        'StandardErrorPath',
        'StandardOutPath',
        'ThrottleInterval',
        'WorkingDirectory',
      ].sort(),
    );
    expect(root.Label).toEqual({ t: 'string', v: s.name });
    expect(root.RunAtLoad).toEqual({ t: 'bool', v: true });
    // Restart after a crash only: a clean exit (daemon stop, shutdown) stays stopped.
    expect(root.KeepAlive).toEqual({ t: 'dict', v: { SuccessfulExit: { t: 'bool', v: false } } });
    expect(root.ThrottleInterval).toEqual({ t: 'int', v: 10 });
    expect(root.ExitTimeOut).toEqual({ t: 'int', v: 15 });
    expect(root.ProcessType).toEqual({ t: 'string', v: 'Background' });
    expect(root.LowPriorityIO).toEqual({ t: 'bool', v: true });
    expect(root.Nice).toEqual({ t: 'int', v: 5 });
    expect(root.SoftResourceLimits).toEqual({ t: 'dict', v: { NumberOfFiles: { t: 'int', v: 8192 } } });
    expect(root.HardResourceLimits).toEqual({ t: 'dict', v: { NumberOfFiles: { t: 'int', v: 8192 } } });
  });

  it('keeps spaces, ampersands, quotes, angle brackets and entity-like text exactly', () => {
    const s = spec();
    const root = plain(parsePlist(renderPlist(s, readTemplate()))) as Record<string, unknown>;
    expect(root.ProgramArguments).toEqual([
      `${WEIRD}/bin/node`,
      `${WEIRD}/ragctl/bin/ragctl.js`,
      'daemon',
      'run',
      '--config',
      `${WEIRD}/ragctl.yaml`,
    ]);
    expect(root.StandardOutPath).toBe(`${WEIRD}/data/logs/ragd.stdout.log`);
    expect(root.StandardErrorPath).toBe(`${WEIRD}/data/logs/ragd.stderr.log`);
    expect(root.WorkingDirectory).toBe('/Users/jane');
    expect(root.EnvironmentVariables).toEqual({
      // node's folder first, then the system's tools (g++ for MLX on Linux).
      PATH: `${WEIRD}/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`,
      HOME: '/Users/jane',
      LANCEDB_LOG: 'error',
      HF_HOME: '/Volumes/Models & "Weights"',
      XDG_DATA_HOME: '/ignored/on/macos/but/passed',
    });
  });

  it('is rejected by the same parser when a value is not escaped (the check can fail)', () => {
    const broken = renderPlist(spec(), readTemplate()).replace('R&amp;D', 'R&D');
    expect(() => parsePlist(broken)).toThrow();
  });

  it('names the default config com.ragctl.ragd and others with a readable, distinct suffix', () => {
    expect(spec({ isDefaultConfig: true }).name).toBe('com.ragctl.ragd');
    const a = spec({ configPath: '/Users/jane/work/config.yaml' });
    const b = spec({ configPath: '/Users/jane/play/config.yaml' });
    expect(a.name).toMatch(/^com\.ragctl\.ragd\.work-[0-9a-f]{8}$/);
    expect(b.name).toMatch(/^com\.ragctl\.ragd\.play-[0-9a-f]{8}$/);
    expect(a.file).toBe(`/Users/jane/Library/LaunchAgents/${a.name}.plist`);
    const label = plain(parsePlist(renderPlist(a, readTemplate()))) as { Label: string };
    expect(label.Label).toBe(a.name);
  });

  it('reads back the command line it wrote', () => {
    const s = spec();
    expect(readPlistCommand(renderPlist(s, readTemplate()))).toEqual({
      nodePath: s.nodePath,
      cliPath: s.cliPath,
      configPath: s.configPath,
      argv: programArguments(s),
    });
    expect(readPlistCommand('<plist><dict><key>Label</key><string>x</string></dict></plist>')).toBeNull();
  });

  it('fills placeholders strictly: a missing value or an unused one is an error', () => {
    expect(() => fillTemplate('<string>{{A}}</string>', {})).toThrow(/no value for \{\{A\}\}/);
    expect(() => fillTemplate('<string>{{A}}</string>', { A: 'x', B: 'y' })).toThrow(/no placeholder for B/);
    expect(fillTemplate('  <array>\n    {{L}}\n  </array>', { L: { strings: ['a&b', '<c>'] } })).toBe(
      '  <array>\n    <string>a&amp;b</string>\n    <string>&lt;c&gt;</string>\n  </array>',
    );
  });

  it('unescapes numeric entities as well as named ones', () => {
    expect(xmlUnescape('&#38;&#x3C;&lt;&amp;lt;&unknown;')).toBe('&<<&lt;&unknown;');
  });
});
