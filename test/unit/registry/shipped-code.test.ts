import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { createRegistry } from '../../../src/registry/builtins.js';

const SHIPPED = join(import.meta.dirname, '..', '..', '..', 'config.yaml');

describe('the shipped config.yaml and the code engine', () => {
  it('defines an engine `code` that resolves to the code chunker and mapper, with per-language includes', () => {
    const config = loadConfig({ configPath: SHIPPED, env: {} });
    const code = createRegistry().engines(config.engines, config.embedders, SHIPPED).get('code');
    expect(code?.chunker.name).toBe('code');
    expect(code?.mapper.name).toBe('code');
    expect(code?.mapper.filters?.map((f) => f.name)).toEqual(['lang', 'symbol']);
    expect(config.engines.code?.include).toEqual(
      expect.arrayContaining([
        '**/*.py',
        '**/*.ts',
        '**/*.tsx',
        '**/*.js',
        '**/*.go',
        '**/*.rs',
        '**/*.java',
      ]),
    );
  });
});
