import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  DEFAULT_WORKER_LIMITS,
  requestDeadlineMs,
  resolveWorkerLimits,
} from '../../../src/embed/worker/limits.js';
import {
  parseChildMessage,
  parseParentMessage,
  WORKER_PROTOCOL_VERSION,
} from '../../../src/embed/worker/protocol.js';
import { childEnv } from '../../../src/embed/worker/worker-process.js';

const v = WORKER_PROTOCOL_VERSION;

describe('worker protocol', () => {
  it('accepts every message the child sends', () => {
    const messages = [
      {
        v,
        type: 'ready',
        modelId: 'm@1',
        dimension: 384,
        runtime: { backend: 'mlx-cpu', details: {} },
        loadMs: 120,
      },
      { v, type: 'fatal', code: 'E_MODEL', message: 'bad weights', fix: null },
      { v, type: 'fatal', code: 'E_MODEL', message: 'bad weights', fix: 'pull it again' },
      { v, type: 'vectors', id: 1, data: new Float32Array(384), seq: 1, computeMs: 3.5, rssBytes: 1e8 },
      { v, type: 'error', id: 2, code: 'E_EMBED', message: 'non-finite' },
      { v, type: 'error', id: 3, code: 'E_EMBED_UNAVAILABLE', message: 'refused', fix: 'start it' },
    ];
    for (const m of messages) expect(parseChildMessage(m)).toEqual({ ok: true, message: m });
  });

  it('accepts every message the parent sends', () => {
    const config = { type: 'mlx-bert', model: 'x', maxTokens: null, batchTokens: 4096, settings: {} };
    const messages = [
      { v, type: 'init', config, name: 'default', logLevel: 'info' },
      { v, type: 'embed', id: 7, texts: ['a', ''], priority: 'index' },
      { v, type: 'embed', id: 8, texts: ['q'], priority: 'query' },
      { v, type: 'shutdown' },
    ];
    for (const m of messages) expect(parseParentMessage(m)).toEqual({ ok: true, message: m });
  });

  it('refuses another version, naming the fix', () => {
    const parsed = parseChildMessage({ v: v + 1, type: 'ready' });
    expect(parsed).toEqual({ ok: false, reason: expect.stringContaining(`expected ${v}`) });
    expect(!parsed.ok && parsed.reason).toContain('npm run build');
  });

  it('refuses malformed messages with a reason', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'not an object'],
      ['ready', 'not an object'],
      [{ v, type: 'hello' }, 'unknown message type "hello"'],
      [{ v, type: 'error', id: 1, code: 'E_EMBED', message: 'x', fix: 3 }, 'error.fix'],
      [
        { v, type: 'vectors', id: 1, data: [0.1, 0.2], seq: 1, computeMs: 1, rssBytes: 1 },
        'not a Float32Array',
      ],
      [
        { v, type: 'vectors', id: 1.5, data: new Float32Array(1), seq: 1, computeMs: 1, rssBytes: 1 },
        'vectors.id',
      ],
      [
        {
          v,
          type: 'ready',
          modelId: 'm',
          dimension: 384,
          runtime: { backend: 'mlx-cpu', details: {} },
          loadMs: Number.NaN,
        },
        'ready.loadMs',
      ],
      [{ v, type: 'ready', modelId: 'm', dimension: 384, backend: 'cpu', loadMs: 1 }, 'ready.runtime'],
      [{ v, type: 'fatal', code: 'E_MODEL', message: 'x', fix: 3 }, 'fatal.fix'],
      [{ v, type: 'error', id: 1, code: 'E_EMBED' }, 'error.message'],
    ];
    for (const [value, reason] of cases)
      expect(parseChildMessage(value)).toEqual({ ok: false, reason: expect.stringContaining(reason) });
    expect(parseParentMessage({ v, type: 'embed', id: 1, texts: ['a', 2] })).toEqual({
      ok: false,
      reason: 'embed.texts is not a list of strings',
    });
    // A remote embedder treats the two differently (one try for a search): it must be said.
    expect(parseParentMessage({ v, type: 'embed', id: 1, texts: ['a'] })).toEqual({
      ok: false,
      reason: 'embed.priority is not query or index',
    });
    expect(parseParentMessage({ v, type: 'init', config: null, name: 'x', logLevel: 'info' })).toMatchObject({
      ok: false,
    });
  });
});

describe('worker limits', () => {
  it('backs off 0.5 s, 1 s, 2 s … up to 30 s', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 100].map((n) => backoffDelayMs(n, DEFAULT_WORKER_LIMITS));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('scales the request deadline with its padded tokens', () => {
    expect(requestDeadlineMs(0, DEFAULT_WORKER_LIMITS)).toBe(30_000);
    expect(requestDeadlineMs(2048, DEFAULT_WORKER_LIMITS)).toBe(30_000 + 20_480);
  });

  it('takes overrides, frozen, and refuses nonsense with E_USAGE', () => {
    const limits = resolveWorkerLimits({ requestTokens: 512, niceness: 0 });
    expect(limits).toMatchObject({ requestTokens: 512, niceness: 0, maxAttempts: 3 });
    expect(Object.isFrozen(limits)).toBe(true);
    for (const bad of [{ maxAttempts: 0 }, { requestTokens: 1.5 }, { niceness: -1 }, { niceness: 20 }])
      expect(() => resolveWorkerLimits(bad)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => resolveWorkerLimits({ backoffInitialMs: 1000, backoffMaxMs: 10 })).toThrow(/backoffMaxMs/);
  });
});

describe('worker environment', () => {
  it("is the daemon's, less glibc's fixed mmap threshold (it makes MLX's per-layer arrays mmap and munmap each time)", () => {
    const env = {
      PATH: '/usr/bin',
      HOME: '/home/jane',
      MALLOC_ARENA_MAX: '2',
      MALLOC_MMAP_THRESHOLD_: '131072',
    };
    expect(childEnv(env)).toEqual({ PATH: '/usr/bin', HOME: '/home/jane', MALLOC_ARENA_MAX: '2' });
    // The daemon's own environment is left as it was.
    expect(env.MALLOC_MMAP_THRESHOLD_).toBe('131072');
  });
});
