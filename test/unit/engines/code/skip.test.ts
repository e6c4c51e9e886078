import { describe, expect, it } from 'vitest';
import { skipReason } from '../../../../src/engines/code/skip.js';

const CODE = 'def wheel():\n    return 1\n';

describe('skipReason: build/dist/out folders', () => {
  it('skips them as output where they are not a package of the language', () => {
    expect(skipReason('build/lib/pkg/mod.py', CODE, () => false)).toBe(
      'vendored or build output (under build/)',
    );
    expect(skipReason('web/dist/app.js', 'export const a = 1;\n')).toBe(
      'vendored or build output (under dist/)',
    );
    expect(skipReason('out/Main.java', 'class Main {}\n')).toBe('vendored or build output (under out/)');
  });

  it('reads a Python package named build (it holds __init__.py), and one under src/', () => {
    const asked: string[] = [];
    const check = (folder: string) => {
      asked.push(folder);
      return folder === 'operations/build';
    };
    expect(skipReason('operations/build/wheel.py', CODE, check)).toBeNull();
    expect(asked).toEqual(['operations/build']);
    expect(skipReason('src/build/env.py', CODE, () => false)).toBeNull();
    expect(skipReason('packages/app/src/out/render.ts', 'export {};\n')).toBeNull();
  });

  it('reads a Go file whose package clause names the folder, and skips one that does not', () => {
    const build = '// Package build reads manifests.\npackage build\n\nfunc Load() {}\n';
    expect(skipReason('internal/build/load.go', build)).toBeNull();
    expect(skipReason('build/gen.go', 'package main\n\nfunc main() {}\n')).toBe(
      'vendored or build output (under build/)',
    );
  });

  it('still skips vendored code and an output folder above a package', () => {
    expect(skipReason('node_modules/x/src/build/a.js', 'export {};\n')).toBe(
      'vendored or build output (under node_modules/)',
    );
    expect(skipReason('vendor/github.com/x/build/b.go', 'package build\n')).toBe(
      'vendored or build output (under vendor/)',
    );
    // build/lib/pkg/ is setuptools' copy of a package: build/ itself holds no __init__.py.
    expect(skipReason('build/lib/build/mod.py', CODE, (f) => f === 'build/lib/build')).toBe(
      'vendored or build output (under build/)',
    );
  });
});
