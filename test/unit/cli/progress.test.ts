import { describe, expect, it } from 'vitest';
import { ProgressBar, type ProgressSink } from '../../../src/cli/output.js';

/** A sink on a clock the test moves, keeping what was written. */
function sink(columns = 100): ProgressSink & { at: number; out: string[] } {
  const s = {
    at: 1_000_000,
    out: [] as string[],
    columns,
    write: (text: string) => {
      s.out.push(text);
    },
    now: () => s.at,
  };
  return s;
}

describe('ProgressBar', () => {
  it('off the terminal, writes a plain line every 15 s once the work has run that long', () => {
    const s = sink();
    const bar = new ProgressBar('lines', s);
    bar.update(10, 670, '10/670 files · 200 chunks embedded, 0 reused');
    s.at += 14_000;
    bar.update(200, 670, '200/670 files', true);
    expect(s.out).toEqual([]);
    s.at += 1_000;
    bar.update(300, 670, '300/670 files · embedding a.py: 12/40 chunks');
    s.at += 5_000;
    bar.update(400, 670, '400/670 files');
    s.at += 10_000;
    bar.update(0, null, 'optimizing');
    bar.done();
    expect(s.out).toEqual([
      '45% 300/670 files · embedding a.py: 12/40 chunks (15 s)\n',
      'optimizing (30 s)\n',
    ]);
  });

  it('on a terminal, redraws one line at most every 250 ms (or when forced) and clears it at the end', () => {
    const s = sink(80);
    const bar = new ProgressBar('bar', s);
    bar.update(1, 4, 'one');
    s.at += 100;
    bar.update(2, 4, 'two');
    bar.update(3, 4, 'three', true);
    bar.done();
    expect(s.out).toEqual([
      `\r\x1b[2K[#####---------------]  25% one`,
      `\r\x1b[2K[###############-----]  75% three`,
      '\r\x1b[2K',
    ]);
  });

  it('writes nothing when off (--json), and true/false still mean bar/off', () => {
    for (const mode of ['off', false] as const) {
      const s = sink();
      const bar = new ProgressBar(mode, s);
      s.at += 60_000;
      bar.update(1, 2, 'half', true);
      bar.done();
      expect(s.out).toEqual([]);
    }
    const s = sink();
    new ProgressBar(true, s).update(1, 2, 'half');
    expect(s.out).toHaveLength(1);
  });
});
