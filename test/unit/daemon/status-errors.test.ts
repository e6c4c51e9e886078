import { describe, expect, it } from 'vitest';
import { formatStatus } from '../../../src/cli/commands/status.js';
import { listedErrors } from '../../../src/daemon/status.js';
import type { StatusResult } from '../../../src/ipc/protocol.js';

const skip = (n: number) => ({
  path: `/src/build/f${n}.py`,
  code: 'E_SKIPPED',
  message: 'vendored or build output (under build/)',
  atMs: 1_000 + n,
});

describe("status's list of errors and skipped files", () => {
  it('lists a failure before any skipped file, however many newer skips there are', () => {
    const failed = { path: '/notes/a.md', code: 'E_EMBED', message: 'the model failed', atMs: 1 };
    const listed = listedErrors([...Array.from({ length: 50 }, (_, n) => skip(n)), failed]);
    expect(listed).toHaveLength(20);
    expect(listed[0]).toEqual({
      path: '/notes/a.md',
      code: 'E_EMBED',
      message: 'the model failed',
      at_ms: 1,
    });
    // Then the skips, newest first.
    expect(listed.slice(1).map((e) => e.at_ms)).toEqual(Array.from({ length: 19 }, (_, n) => 1_049 - n));
  });

  it('shows failures as errors and skipped files under their own heading', () => {
    const status: StatusResult = {
      state: 'idle',
      reason: null,
      fix: null,
      files: 3,
      chunks: 9,
      queue_depth: 0,
      rate: 0,
      eta_seconds: null,
      last_errors: listedErrors([
        skip(1),
        { path: '/notes/a.md', code: 'E_EMBED', message: 'the model failed', atMs: 1 },
      ]),
      model: 'm',
      store_version: 3,
      pid: 42,
      memory: null,
    };
    const text = formatStatus(status, 'daemon');
    expect(text).toContain(
      'recent errors:\n  /notes/a.md: the model failed\nskipped files:\n  /src/build/f1.py:',
    );
    const onlySkips = formatStatus({ ...status, last_errors: listedErrors([skip(2)]) }, 'daemon');
    expect(onlySkips).not.toContain('errors');
    expect(onlySkips).toContain(
      'skipped files:\n  /src/build/f2.py: vendored or build output (under build/)',
    );
  });
});
