import { describe, expect, it } from 'vitest';
import { identifierOf, oneWordOf, usageOf } from '../../../src/search/identifier.js';

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
      'zorbulax7',
      'sha256',
      'ipv6',
      'log4j',
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
      '2024',
      'v2',
      'CI',
      'URLs',
      'APIs',
      '"work_mem"',
      'x = y',
    ])
      expect(identifierOf(query), query).toBeUndefined();
  });
});

describe('oneWordOf', () => {
  it('takes one word, which may be a class, a function or a section', () => {
    for (const word of ['Session', 'Blueprint', 'Tomatoes', 'Élève', 'jsonify', 'echo', 'backups'])
      expect(oneWordOf(word), word).toBe(word);
    expect(oneWordOf('  Context ')).toBe('Context');
  });

  it('leaves identifiers, several words, short ones and what is not a word alone', () => {
    for (const query of [
      'HelpFormatter',
      'ENOSPC',
      'Go',
      'ok',
      'New York',
      'Session()',
      'Session.get',
      'utf8',
      'x86',
    ])
      expect(oneWordOf(query), query).toBeUndefined();
  });
});

describe('usageOf', () => {
  it.each([
    ['what calls rebuild_auth', 'rebuild_auth'],
    ['who calls rebuild_auth?', 'rebuild_auth'],
    ['which functions call make_context', 'make_context'],
    ['what else uses pool_size', 'pool_size'],
    ['where is HTTPAdapter used', 'HTTPAdapter'],
    ['where is `rebuild_auth` called from?', 'rebuild_auth'],
    ['where rebuild_auth is called', 'rebuild_auth'],
    ['Where are os.path.join used', 'os.path.join'],
    ['callers of make_context', 'make_context'],
    ['find all references to os.path.join', 'os.path.join'],
    ['who imports os.path', 'os.path'],
    ['where is work_mem set', 'work_mem'],
  ])('%s → %s', (query, name) => {
    expect(usageOf(query)).toBe(name);
  });

  it.each([
    'what calls the function',
    'where is the config used',
    'what does rebuild_auth do',
    'usages of Session',
    'rebuild_auth',
    'how is rebuild_auth called',
  ])('%s is no question about a name’s uses', (query) => {
    expect(usageOf(query)).toBeUndefined();
  });
});
