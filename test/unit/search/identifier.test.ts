import { describe, expect, it } from 'vitest';
import { capitalizedWordOf, identifierOf } from '../../../src/search/identifier.js';

describe('identifierOf', () => {
  it('takes a query that is one name from code, a config or a log', () => {
    for (const name of [
      'make_context',
      'pg_stat_activity',
      'UV_THREADPOOL_SIZE',
      'HelpFormatter',
      'HTTPAdapter',
      'IOError',
      'JSONDecoder',
      'makeContext',
      'os.path.join',
      'crypto.timingSafeEqual',
      'Foo::bar',
      'self->next',
      'Array#map',
      'src/main.ts',
      'ENOSPC',
      '--dry-run',
      '-v1',
      '$HOME',
    ])
      expect(identifierOf(name), name).toBe(name);
    expect(identifierOf('  os.availableParallelism()  ')).toBe('os.availableParallelism');
  });

  it('leaves words of prose, several words and what is not a name to the ranking as it is', () => {
    for (const query of [
      'backups',
      'Tomatoes',
      'dry-run',
      'restore a backup',
      'work_mem setting',
      'ab',
      'e.g.',
      '3.14',
      'CI',
      'URLs',
      'APIs',
      '"work_mem"',
      'x = y',
    ])
      expect(identifierOf(query), query).toBeUndefined();
  });
});

describe('capitalizedWordOf', () => {
  it('takes one capitalized word, which may be a class, a type or a section', () => {
    for (const word of ['Session', 'Blueprint', 'Tomatoes', 'Élève'])
      expect(capitalizedWordOf(word), word).toBe(word);
    expect(capitalizedWordOf('  Context ')).toBe('Context');
  });

  it('leaves identifiers, lower-case words, several words and short ones alone', () => {
    for (const query of ['HelpFormatter', 'ENOSPC', 'session', 'Go', 'New York', 'Session()', 'Session.get'])
      expect(capitalizedWordOf(query), query).toBeUndefined();
  });
});
