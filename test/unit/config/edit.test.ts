import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { withoutSource, withSource } from '../../../src/config/edit.js';
import { ConfigError } from '../../../src/errors.js';

/** The config file edits behind `ragctl add` and `ragctl remove`: one entry changes, the rest stays. */
const FILE = '/home/me/.config/ragctl/config.yaml';
const notes = { path: '~/notes' };

describe('withSource', () => {
  it('writes a new file with a header comment and the one source', () => {
    const text = withSource(null, notes, FILE);
    expect(text.startsWith('# ragctl configuration.')).toBe(true);
    expect(parseYaml(text)).toEqual({ sources: [{ path: '~/notes' }] });
  });

  it.each([
    ['an empty file', ''],
    ['a file of comments only', '# nothing yet\n'],
    ['`sources:` with nothing after it', 'sources:\n'],
    ['an empty flow list', 'sources: []\n'],
  ])('starts the list in %s, one entry per line', (_name, before) => {
    const text = withSource(before, { path: '/srv/logs', engine: 'sql' }, FILE);
    expect(parseYaml(text)).toEqual({ sources: [{ path: '/srv/logs', engine: 'sql' }] });
    expect(text).toContain('sources:\n  - path: /srv/logs\n    engine: sql\n');
  });

  it("writes several engines as a flow list on the entry's own line, in their order", () => {
    const text = withSource(
      'sources:\n  - path: ~/notes\n',
      { path: '~/src/shop', engine: ['code', 'md'] },
      FILE,
    );
    expect(text).toBe('sources:\n  - path: ~/notes\n  - path: ~/src/shop\n    engine: [code, md]\n');
    expect(withSource(null, { path: '~/src/shop', engine: ['code', 'md'] }, FILE)).toContain(
      'sources:\n  - path: ~/src/shop\n    engine: [ code, md ]\n',
    );
  });

  it('appends to a list, every other byte as it was: comments, their spacing, keys and their order', () => {
    const before = [
      '# my settings',
      'dataDir: ~/ragdata   # on the big disk',
      'sources:',
      '  # the first one',
      '  - path: ~/notes',
      'search:',
      '  k: 5',
      '',
    ].join('\n');
    const text = withSource(before, { path: '~/src/shop', engine: 'code' }, FILE);
    expect(text).toBe(
      [
        '# my settings',
        'dataDir: ~/ragdata   # on the big disk',
        'sources:',
        '  # the first one',
        '  - path: ~/notes',
        '  - path: ~/src/shop',
        '    engine: code',
        'search:',
        '  k: 5',
        '',
      ].join('\n'),
    );
  });

  it('refuses a file that is not YAML, not a mapping, or whose sources is not a list', () => {
    const error = (text: string) => {
      try {
        withSource(text, notes, FILE);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(error('sources: [\n')).toMatch(new RegExp(`^${FILE}: line \\d+, column \\d+: `));
    expect(error('- a\n- b\n')).toBe(`${FILE}: the top level must be a mapping`);
    expect(error('sources:\n  path: ~/notes\n')).toBe(
      `${FILE}: sources: must be a list, so a folder can be added to it`,
    );
  });
});

describe('withoutSource', () => {
  const before = [
    'sources:',
    '  - path: ~/notes # mine',
    '  - path: /srv/logs',
    '    engine: sql',
    'search:',
    '  k: 5',
    '',
  ].join('\n');

  it('takes out the matching entries only, the rest as it was, and lists the paths as written', () => {
    const edit = withoutSource(before, (p) => p === '/srv/logs', FILE);
    expect(edit.removed).toBe(1);
    expect(edit.listed).toEqual(['~/notes', '/srv/logs']);
    expect(edit.text).toBe(['sources:', '  - path: ~/notes # mine', 'search:', '  k: 5', ''].join('\n'));
  });

  it("leaves the shipped config.yaml's every other byte as it was, added to and taken from", () => {
    const shipped = readFileSync(fileURLToPath(new URL('../../../config.yaml', import.meta.url)), 'utf8');
    const added = withSource(shipped, { path: '~/src/shop', engine: ['code', 'md'] }, FILE);
    const entry = '  - path: ~/src/shop\n    engine: [code, md]\n';
    expect(added.replace(entry, '')).toBe(shipped);
    expect(parseYaml(added).sources.at(-1)).toEqual({ path: '~/src/shop', engine: ['code', 'md'] });
    expect(withoutSource(added, (p) => p === '~/src/shop', FILE).text).toBe(shipped);
  });

  it('removes nothing when nothing matches', () => {
    const edit = withoutSource(before, () => false, FILE);
    expect(edit.removed).toBe(0);
    expect(parseYaml(edit.text)).toEqual(parseYaml(before));
  });
});
