import { describe, expect, it } from 'vitest';
import { EmbeddingPace } from '../../../src/daemon/embedding-pace.js';
import { etaSeconds } from '../../../src/daemon/status.js';

const group = (path: string, chunksDone: number, chunks = 6_000) => ({
  path,
  files: 1,
  chunks,
  chunksDone,
  reused: 0,
});

describe('EmbeddingPace: a big file’s time left at its own pace', () => {
  it('is unknown for the first seconds, then the chunks left at the chunks-per-second so far', () => {
    const pace = new EmbeddingPace();
    pace.note(group('/n/all.html', 1_000), 0);
    expect(pace.secondsLeft(group('/n/all.html', 1_000), 0)).toBeNull();
    pace.note(group('/n/all.html', 1_010), 1_000);
    expect(pace.secondsLeft(group('/n/all.html', 1_010), 1_000)).toBeNull();
    pace.note(group('/n/all.html', 1_500), 10_000);
    // 500 chunks in 10 s: 4,500 left take 90 s.
    expect(pace.secondsLeft(group('/n/all.html', 1_500), 10_000)).toBe(90);
  });

  it('counts down between reports instead of climbing, and never says 0 while work is left', () => {
    const pace = new EmbeddingPace();
    pace.note(group('/n/all.html', 0, 1_000), 0);
    pace.note(group('/n/all.html', 100, 1_000), 10_000);
    expect(pace.secondsLeft(group('/n/all.html', 100, 1_000), 10_000)).toBe(90);
    // The same report read 5 s later (the next batch is on its way).
    expect(pace.secondsLeft(group('/n/all.html', 100, 1_000), 15_000)).toBe(85);
    // A report that repeats the count does not reset the time of the last move.
    pace.note(group('/n/all.html', 100, 1_000), 16_000);
    expect(pace.secondsLeft(group('/n/all.html', 100, 1_000), 16_000)).toBe(84);
    expect(pace.secondsLeft(group('/n/all.html', 100, 1_000), 500_000)).toBe(1);
  });

  it('starts over for another group, and forgets once nothing is being embedded', () => {
    const pace = new EmbeddingPace();
    pace.note(group('/n/a.md', 0, 100), 0);
    pace.note(group('/n/b.md', 10, 100), 5_000);
    expect(pace.secondsLeft(group('/n/b.md', 10, 100), 5_000)).toBeNull();
    expect(pace.secondsLeft(group('/n/a.md', 50, 100), 5_000)).toBeNull();
    pace.note(group('/n/b.md', 40, 100), 8_000);
    expect(pace.secondsLeft(group('/n/b.md', 40, 100), 8_000)).toBe(6);
    pace.note(undefined, 9_000);
    expect(pace.secondsLeft(group('/n/b.md', 60, 100), 20_000)).toBeNull();
  });

  it('says nothing while the group has not moved', () => {
    const pace = new EmbeddingPace();
    pace.note(group('/n/a.md', 0), 0);
    pace.note(group('/n/a.md', 0), 60_000);
    expect(pace.secondsLeft(group('/n/a.md', 0), 60_000)).toBeNull();
  });
});

describe("status's ETA while a big file is embedded", () => {
  it('is the file’s own time left when nothing waits after it, however the files-per-second rate has decayed', () => {
    // One file waiting (the one being embedded), 0.02 files/s: the rate alone says 50 s.
    expect(etaSeconds(1, 0.02, 50, 1, 12)).toBe(12);
  });

  it('adds the files after it at the queue’s rate', () => {
    expect(etaSeconds(11, 0.5, 22, 1, 12)).toBe(32);
  });

  it('is the queue’s own estimate until the file’s pace is known', () => {
    expect(etaSeconds(5, 0.5, 10, 1, null)).toBe(10);
    expect(etaSeconds(5, 0.5, 10, undefined, null)).toBe(10);
    expect(etaSeconds(3, 0, null, 1, 40)).toBe(40);
  });
});
