import { describe, expect, it } from 'vitest';
import { RagError } from '../../../src/errors.js';
import {
  errorReply,
  okReply,
  ProtocolError,
  parseReplyEnvelope,
  parseRequest,
  parseRequestEnvelope,
  toWireHit,
} from '../../../src/ipc/protocol.js';
import { MAX_K, MAX_QUERY_CHARS } from '../../../src/search/param-specs.js';
import { builtinSearchParams } from '../../../src/search/params.js';

/** Requests as a daemon of the built-in engines reads them. */
const parse = (json: unknown) => parseRequest(json, builtinSearchParams());
const parseEnvelope = (json: unknown) => parseRequestEnvelope(json, builtinSearchParams());

function refusal(json: unknown): ProtocolError {
  const parsed = parse(json);
  expect(parsed).toBeInstanceOf(ProtocolError);
  return parsed as ProtocolError;
}

describe('parseRequest', () => {
  it('accepts every method, with params optional where a method takes none', () => {
    expect(parse({ v: 1, id: 1, method: 'status' })).toEqual({
      v: 1,
      id: 1,
      method: 'status',
      params: {},
    });
    expect(parse({ v: 1, id: 1, method: 'status', params: { sources: true } })).toMatchObject({
      params: { sources: true },
    });
    for (const method of ['pause', 'resume', 'shutdown'] as const) {
      expect(parse({ v: 1, id: 'x', method, params: {} })).toEqual({
        v: 1,
        id: 'x',
        method,
        params: {},
      });
    }
    expect(parse({ v: 1, id: 2, method: 'reindex', params: { path: '/notes' } })).toEqual({
      v: 1,
      id: 2,
      method: 'reindex',
      params: { path: '/notes' },
    });
    expect(
      parse({
        v: 1,
        id: 3,
        method: 'search',
        params: {
          query: 'q',
          k: MAX_K,
          mode: 'vector',
          engine: 'md',
          path: '*.md',
          after: '2024-05-01T09:30:00+02:00',
        },
      }),
    ).toEqual({
      v: 1,
      id: 3,
      method: 'search',
      params: {
        query: 'q',
        k: MAX_K,
        mode: 'vector',
        engine: 'md',
        path: '*.md',
        after: '2024-05-01T09:30:00+02:00',
      },
    });
    // Absent optionals stay absent rather than becoming `undefined` keys.
    expect(parse({ v: 1, id: 4, method: 'search', params: { query: 'q' } })).toEqual({
      v: 1,
      id: 4,
      method: 'search',
      params: { query: 'q' },
    });
  });

  it('names the field and echoes the id when a type is wrong', () => {
    const cases: Array<[unknown, string]> = [
      [{ query: 5 }, 'params.query'],
      [{ query: '   ' }, 'params.query'],
      [{}, 'params.query'],
      [{ query: 'q', k: '10' }, 'params.k'],
      [{ query: 'q', k: 1.5 }, 'params.k'],
      [{ query: 'q', k: 0 }, 'params.k'],
      [{ query: 'q', k: MAX_K + 1 }, 'params.k'],
      [{ query: 'q', mode: 'fuzzy' }, 'params.mode'],
      [{ query: 'q', engine: ['md'] }, 'params.engine'],
      [{ query: 'q', path: null }, 'params.path'],
      [{ query: 'q', after: 1714550400000 }, 'params.after'],
      [{ query: 'q', after: '2024-02-31' }, 'params.after'],
      [{ query: 'q', after: '2024-05-01T09:30:00' }, 'params.after'],
      [{ query: 'q', after: 'yesterday' }, 'params.after'],
      [{ query: 'q', limit: 5 }, 'params.limit'],
      [{ query: 'x'.repeat(MAX_QUERY_CHARS + 1) }, 'params.query'],
    ];
    for (const [params, field] of cases) {
      const err = refusal({ v: 1, id: 'r1', method: 'search', params });
      expect(err.code).toBe('E_PROTOCOL');
      expect(err.field).toBe(field);
      expect(err.requestId).toBe('r1');
      expect(err.message).toContain(field);
    }
    expect(refusal({ v: 1, id: 1, method: 'status', params: { verbose: true } }).field).toBe(
      'params.verbose',
    );
    expect(refusal({ v: 1, id: 1, method: 'status', params: [] }).field).toBe('params');
    const notBoolean = refusal({ v: 1, id: 1, method: 'status', params: { sources: 'yes' } });
    expect([notBoolean.field, notBoolean.message]).toEqual([
      'params.sources',
      'params.sources must be true or false, not a string',
    ]);
  });

  it('checks the envelope fields: v first, then id, method and no extras', () => {
    expect(refusal({ id: 1, method: 'status' })).toMatchObject({ code: 'E_PROTOCOL', field: 'v' });
    expect(refusal({ v: '1', id: 1, method: 'status' })).toMatchObject({ code: 'E_PROTOCOL', field: 'v' });
    expect(refusal({ v: 1, method: 'status' })).toMatchObject({ code: 'E_PROTOCOL', field: 'id' });
    expect(refusal({ v: 1, id: 1.5, method: 'status' })).toMatchObject({ field: 'id', requestId: null });
    expect(refusal({ v: 1, id: '', method: 'status' })).toMatchObject({ field: 'id' });
    expect(refusal({ v: 1, id: 'x'.repeat(129), method: 'status' })).toMatchObject({ field: 'id' });
    expect(refusal({ v: 1, id: 1, method: 7 })).toMatchObject({ code: 'E_PROTOCOL', field: 'method' });
    expect(refusal({ v: 1, id: 1, method: 'status', extra: 1 })).toMatchObject({ field: 'extra' });
    expect(refusal([1, 2])).toMatchObject({ code: 'E_PROTOCOL', field: '' });
    expect(refusal(null)).toMatchObject({ code: 'E_PROTOCOL' });
  });

  it('reports a version mismatch before anything else, with the fix', () => {
    const err = refusal({ v: 2, id: 9, method: 'teleport', params: 'whatever' });
    expect(err).toMatchObject({ code: 'E_VERSION', requestId: 9 });
    expect(err.message).toContain('version 2');
    expect(err.fix).toContain('same release');
  });

  it('reports unknown methods with E_UNKNOWN_METHOD and the list of known ones', () => {
    const err = refusal({ v: 1, id: 1, method: 'constructor' });
    expect(err).toMatchObject({ code: 'E_UNKNOWN_METHOD', field: 'method', requestId: 1 });
    expect(err.message).toContain('search, status, reindex, pause, resume, shutdown');
  });
});

describe('envelopes', () => {
  it("unwraps node-ipc's {type, data} request envelope, and refuses anything else", () => {
    expect(parseEnvelope({ type: 'request', data: { v: 1, id: 1, method: 'status' } })).toMatchObject({
      method: 'status',
    });
    expect(parseEnvelope({ type: 'response', data: { v: 1, id: 7 } })).toMatchObject({
      code: 'E_PROTOCOL',
      field: 'type',
      requestId: 7,
    });
    expect(parseEnvelope({ v: 1, id: 1, method: 'status' })).toMatchObject({ code: 'E_PROTOCOL' });
    expect(parseEnvelope({ type: 'request', data: {}, more: 1 })).toMatchObject({ field: 'more' });
    expect(parseEnvelope('request')).toMatchObject({ code: 'E_PROTOCOL' });
  });

  it('reads replies, and refuses other versions and broken shapes', () => {
    expect(parseReplyEnvelope({ type: 'response', data: okReply(1, { a: 1 }) })).toEqual({
      v: 1,
      id: 1,
      ok: true,
      result: { a: 1 },
    });
    const failed = errorReply('x', new RagError('E_STORE', 'bad', { fix: 'rebuild' }));
    expect(parseReplyEnvelope({ type: 'response', data: failed })).toEqual({
      v: 1,
      id: 'x',
      ok: false,
      error: { code: 'E_STORE', message: 'bad', fix: 'rebuild' },
    });
    expect(
      parseReplyEnvelope({ type: 'response', data: { v: 2, id: 1, ok: true, result: 1 } }),
    ).toMatchObject({
      code: 'E_VERSION',
    });
    expect(parseReplyEnvelope({ type: 'response', data: { v: 1, id: 1, ok: true } })).toMatchObject({
      code: 'E_PROTOCOL',
    });
    expect(
      parseReplyEnvelope({ type: 'response', data: { v: 1, id: null, ok: true, result: 1 } }),
    ).toMatchObject({
      code: 'E_PROTOCOL',
    });
  });

  it('builds replies: undefined results become null, unknown throwables E_INTERNAL', () => {
    expect(okReply(1, undefined)).toEqual({ v: 1, id: 1, ok: true, result: null });
    expect(errorReply(null, new Error('boom'))).toEqual({
      v: 1,
      id: null,
      ok: false,
      error: { code: 'E_INTERNAL', message: 'boom' },
    });
    expect(errorReply(2, 'a string')).toMatchObject({ error: { code: 'E_INTERNAL', message: 'a string' } });
  });
});

describe('toWireHit', () => {
  it('maps a store hit to the snake_case wire shape', () => {
    expect(
      toWireHit({
        id: 'c',
        path: '/n/a.md',
        root: '/n',
        engine: 'md',
        startLine: 3,
        endLine: 9,
        headingPath: ['A', 'B'],
        text: 't',
        score: 0.25,
        mtimeMs: 5,
        metadata: { tags: ['x'] },
      }),
    ).toEqual({
      id: 'c',
      path: '/n/a.md',
      root: '/n',
      engine: 'md',
      start_line: 3,
      end_line: 9,
      heading_path: ['A', 'B'],
      text: 't',
      score: 0.25,
      mtime_ms: 5,
      metadata: { tags: ['x'] },
    });
  });
});

describe('parseRequest: context', () => {
  it('takes a search’s params and a budget, and refuses what search refuses in the same words', () => {
    expect(
      parse({
        v: 1,
        id: 7,
        method: 'context',
        params: { query: 'retry delay', budget: 1500, symbol: 'Queue.*' },
      }),
    ).toEqual({
      v: 1,
      id: 7,
      method: 'context',
      params: { query: 'retry delay', budget: 1500, symbol: 'Queue.*' },
    });
    expect(parse({ v: 1, id: 8, method: 'context', params: { query: 'retry delay' } })).toMatchObject({
      params: { query: 'retry delay' },
    });
    for (const budget of [0, 15, 200_001, 2.5, '2000', null]) {
      const err = refusal({ v: 1, id: 9, method: 'context', params: { query: 'q', budget } });
      expect(err.field).toBe('params.budget');
      expect(err.message).toMatch(/^params\.budget must be an integer from 16 to 200000, not /);
    }
    expect(refusal({ v: 1, id: 10, method: 'context', params: { query: 'q', k: 0 } }).field).toBe('params.k');
    expect(refusal({ v: 1, id: 11, method: 'context', params: { budget: 100 } }).message).toBe(
      'params.query is missing',
    );
    const unknown = refusal({ v: 1, id: 12, method: 'context', params: { query: 'q', bugdet: 100 } });
    expect(unknown.field).toBe('params.bugdet');
  });
});
