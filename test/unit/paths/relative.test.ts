import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInside, relativePath } from '../../../src/paths.js';

// relativePath is path.relative with a fast path for the common case; every answer must be
// the one node:path gives, including the cases the fast path hands back to it.
const FROM = ['/', '/a', '/a/', '/a/b', '/a/./b', '/a/../b', '/a//b', '/a/b/..', '/ab'];
const TO = [
  '/',
  '/a',
  '/a/',
  '/ab',
  '/ab/c',
  '/a/b',
  '/a/b/c.md',
  '/a/b/.hidden/c.md',
  '/a/b/..c/d',
  '/a/b/../c',
  '/a/b/./c',
  '/a/b//c',
  '/a/b/c/',
  '/a/../b/c',
  '/a/./b/c',
  '/a//b/c',
  '/b/c',
];

describe('relativePath', () => {
  it('answers as path.relative does for normalized and unnormalized paths alike', () => {
    for (const from of FROM) {
      for (const to of TO) expect(relativePath(from, to), `${from} → ${to}`).toBe(relative(from, to));
    }
  });

  it('keeps isInside exact at name boundaries and for dot segments', () => {
    expect(isInside('/a/b/c.md', '/a/b')).toBe(true);
    expect(isInside('/a/bc/d.md', '/a/b')).toBe(false);
    expect(isInside('/a/b/../c.md', '/a/b')).toBe(false);
    expect(isInside('/a/b', '/a/b')).toBe(false);
    expect(isInside('/a/b/..c', '/a/b')).toBe(true);
  });
});
