import { describe, expect, it } from 'vitest';
import { documentMapper } from '../../../src/engines/document-mapper.js';
import type { StoreMapper } from '../../../src/engines/types.js';
import { BUILTIN_FILTERS } from '../../../src/registry/builtin-filters.js';
import { createRegistry } from '../../../src/registry/builtins.js';
import { ComponentRegistry } from '../../../src/registry/registry.js';

describe('filter fields in the registry', () => {
  it('lists for the CLI exactly what the built-in mappers declare', () => {
    // The CLI builds its flags from BUILTIN_FILTERS without loading the mappers; a mapper
    // whose fields are missing there would have a socket param but no flag.
    expect(BUILTIN_FILTERS).toEqual(createRegistry().searchFilters());
    expect(BUILTIN_FILTERS.map((f) => f.name)).toContain('heading');
  });

  it('refuses at registration a mapper whose field clashes with a registered one', () => {
    const clashing: StoreMapper = {
      ...documentMapper,
      name: 'other',
      filters: [{ name: 'heading', kind: 'glob', column: 'title', description: 'x' }],
    };
    const registry = new ComponentRegistry().registerMapper(documentMapper);
    expect(() => registry.registerMapper(clashing)).toThrow(/heading.*one name, one kind/);
    expect(() => registry.mapper('other', 'engines.x.mapper')).toThrow(/unknown mapper/);
  });
});
