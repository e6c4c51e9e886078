import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { runInBackground } from '../../src/background.js';

/** A real pino logger whose JSON lines are kept for the test to read. */
function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

/** Lets the rejection handlers and the sink run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('runInBackground', () => {
  it('a rejection is logged at error with what failed, then handed to onError', async () => {
    const { log, lines } = recordingLogger();
    const seen: unknown[] = [];
    runInBackground(
      log,
      'the nightly walk',
      async () => Promise.reject(new Error('EMFILE: too many open files')),
      (err) => seen.push(err),
    );
    await settle();
    expect(seen).toHaveLength(1);
    expect((seen[0] as Error).message).toBe('EMFILE: too many open files');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, task: 'the nightly walk', msg: 'the nightly walk failed' });
    expect(JSON.stringify(lines[0]!.err)).toContain('EMFILE');
  });

  it('a synchronous throw is handled the same way, and never reaches the caller', async () => {
    const { log, lines } = recordingLogger();
    const seen: unknown[] = [];
    expect(() =>
      runInBackground(
        log,
        'queueing a walk',
        () => {
          throw new Error('queue closed');
        },
        (err) => seen.push(err),
      ),
    ).not.toThrow();
    await settle();
    expect(seen).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, task: 'queueing a walk' });
  });

  it('an onError that throws is logged too: nothing escapes as an unhandled rejection', async () => {
    const { log, lines } = recordingLogger();
    runInBackground(
      log,
      'the optimize check',
      async () => {
        throw new Error('first');
      },
      () => {
        throw new Error('second');
      },
    );
    await settle();
    expect(lines.map((l) => l.msg)).toEqual([
      'the optimize check failed',
      'handling the failure of the optimize check failed',
    ]);
  });

  it('work that succeeds logs nothing and calls no handler', async () => {
    const { log, lines } = recordingLogger();
    let called = false;
    runInBackground(
      log,
      'a check',
      async () => 42,
      () => {
        called = true;
      },
    );
    await settle();
    expect(called).toBe(false);
    expect(lines).toEqual([]);
  });
});
