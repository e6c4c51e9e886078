import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import { createRegistry } from '../../../src/registry/builtins.js';

const FILE = '/tmp/ragctl-test/config.yaml';

function enginesOf(sql: Record<string, unknown>) {
  const config = resolveConfig({ engines: { sql: { chunker: 'sql', mapper: 'sql', ...sql } } }, FILE, {});
  return createRegistry().engines(config.engines, config.embedders, FILE);
}

/**
 * An engine block's keys beyond the common ones belong to its mapper (`StoreMapper.options`):
 * the sql mapper's `clusterThreshold` is read with its default, checked, and a typo fails at
 * start with the key path, as the config's own keys do.
 */
describe('engine options declared by the mapper', () => {
  it('the sql engine gets clusterThreshold, by default 1 (merge by structure only)', () => {
    expect(enginesOf({}).get('sql')?.options).toEqual({ clusterThreshold: 1 });
    expect(enginesOf({ clusterThreshold: 0.9 }).get('sql')?.options).toEqual({ clusterThreshold: 0.9 });
  });

  it('a misspelt or out-of-range option fails with the key path and a suggestion', () => {
    expect(() => enginesOf({ clusterTreshold: 0.9 })).toThrow(
      `${FILE}: engines.sql.clusterTreshold: unknown key for an engine with mapper 'sql' (did you mean 'clusterThreshold'?)`,
    );
    expect(() => enginesOf({ clusterThreshold: 1.5 })).toThrow(ConfigError);
    expect(() => enginesOf({ clusterThreshold: 1.5 })).toThrow(
      'engines.sql.clusterThreshold: must be at most 1',
    );
    expect(() => enginesOf({ clusterThreshold: 'high' })).toThrow('must be a number');
  });

  it('a mapper without options takes none', () => {
    const config = resolveConfig({ engines: { md: { chunker: 'markdown', chunkMinToken: 3 } } }, FILE, {});
    expect(() => createRegistry().engines(config.engines, config.embedders, FILE)).toThrow(
      "engines.md.chunkMinToken: unknown key for an engine with mapper 'document' (did you mean 'chunkMinTokens'?)",
    );
  });
});
