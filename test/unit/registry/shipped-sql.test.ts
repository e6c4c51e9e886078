import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { createRegistry } from '../../../src/registry/builtins.js';

const SHIPPED = join(import.meta.dirname, '..', '..', '..', 'config.yaml');

describe('the shipped config.yaml and the sql engine', () => {
  it('defines an engine `sql` that the built-in registry resolves to the sql chunker and mapper', () => {
    const config = loadConfig({ configPath: SHIPPED, env: {} });
    const engines = createRegistry().engines(config.engines, config.embedders, SHIPPED);
    const sql = engines.get('sql');
    expect(sql?.chunker.name).toBe('sql');
    expect(sql?.mapper.name).toBe('sql');
    // --after/--before read the statement's time in its table.
    expect(sql?.mapper.timeColumn).toBe('at_ms');
  });

  it('has an example sql source, commented in, that is a valid source once uncommented', () => {
    const text = readFileSync(SHIPPED, 'utf8');
    const block = text
      .split('\n')
      .filter((l) => /^ {2}# {1,3}(- path:|engine: sql|include:)/.test(l))
      .map((l) => l.replace(/^ {2}# /, '  '))
      .join('\n');
    const [source] = parse(`sources:\n${block}\n`).sources as Record<string, unknown>[];
    expect(source).toMatchObject({ engine: 'sql' });
    // It names no include: the engine's own reaches its logs and .sql files.
    const config = loadConfig({ configPath: SHIPPED, env: {} });
    expect(config.engines.sql?.include).toEqual(expect.arrayContaining(['**/*.sql', '**/*.log']));
  });
});
