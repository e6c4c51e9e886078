import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SourceFolder, skipReason } from '../../../../src/engines/code/skip.js';

const CODE = 'def wheel():\n    return 1\n';

/** A source folder holding just these files (paths relative to it), asked about nothing else. */
function holding(...files: string[]): SourceFolder & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    exists: (rel) => {
      asked.push(rel);
      return files.includes(rel);
    },
    read: () => undefined,
  };
}

describe('skipReason: virtual environments', () => {
  it("skips a venv's files, and reads the standard library's venv package (it holds __init__.py)", () => {
    expect(skipReason('venv/lib/python3.11/site-packages/six.py', CODE, holding())).toBe(
      'vendored or build output (under venv/)',
    );
    expect(skipReason('.venv/bin/activate_this.py', CODE, holding('.venv/__init__.py'))).toBe(
      'vendored or build output (under .venv/)',
    );
    const stdlib = holding('venv/__init__.py');
    expect(skipReason('venv/__main__.py', CODE, stdlib)).toBeNull();
    expect(skipReason('venv/__init__.py', CODE, stdlib)).toBeNull();
    // An environment inside the package folder's tree is still someone else's code.
    expect(skipReason('tools/venv/lib/python3.11/site-packages/six.py', CODE, stdlib)).toBe(
      'vendored or build output (under venv/)',
    );
  });
});

describe('skipReason: build/dist/out folders', () => {
  it('skips them as output where they are not a package of the language', () => {
    expect(skipReason('build/lib/pkg/mod.py', CODE, holding())).toBe(
      'vendored or build output (under build/)',
    );
    expect(skipReason('web/dist/app.js', 'export const a = 1;\n')).toBe(
      'vendored or build output (under dist/)',
    );
    expect(skipReason('out/Main.java', 'class Main {}\n')).toBe('vendored or build output (under out/)');
  });

  it('reads a Python package named build (it holds __init__.py), and one under src/', () => {
    const pip = holding('operations/build/__init__.py');
    expect(skipReason('operations/build/wheel.py', CODE, pip)).toBeNull();
    expect(pip.asked).toEqual(['operations/build/__init__.py']);
    expect(skipReason('src/build/env.py', CODE, holding())).toBeNull();
    expect(skipReason('packages/app/src/out/render.ts', 'export {};\n')).toBeNull();
  });

  it('reads a Go file whose package clause names the folder, and skips one that does not', () => {
    const build = '// Package build reads manifests.\npackage build\n\nfunc Load() {}\n';
    expect(skipReason('internal/build/load.go', build)).toBeNull();
    expect(skipReason('build/gen.go', 'package main\n\nfunc main() {}\n')).toBe(
      'vendored or build output (under build/)',
    );
  });

  it("reads a Rust crate's build/ (Cargo builds into target/), and still skips target/", () => {
    expect(skipReason('anyhow-1.0.86/build/probe.rs', 'fn main() {}\n')).toBeNull();
    expect(skipReason('target/debug/build/x/out/bindings.rs', 'pub fn f() {}\n')).toBe(
      'vendored or build output (under target/)',
    );
    // Maven's generated sources too; a Java package named target is read.
    expect(skipReason('target/generated-sources/annotations/Gen.java', 'class Gen {}\n')).toBe(
      'vendored or build output (under target/)',
    );
    expect(skipReason('src/main/java/com/acme/target/Aim.java', 'class Aim {}\n')).toBeNull();
  });

  it('still skips vendored code and an output folder above a package', () => {
    expect(skipReason('node_modules/x/src/build/a.js', 'export {};\n')).toBe(
      'vendored or build output (under node_modules/)',
    );
    expect(skipReason('vendor/github.com/x/build/b.go', 'package build\n')).toBe(
      'vendored or build output (under vendor/)',
    );
    // build/lib/pkg/ is setuptools' copy of a package: build/ itself holds no __init__.py.
    expect(skipReason('build/lib/build/mod.py', CODE, holding('build/lib/build/__init__.py'))).toBe(
      'vendored or build output (under build/)',
    );
  });
});

/** A real folder on disk, read the way the code chunker reads a file's source folder. */
describe('skipReason: code compiled from a source beside it', () => {
  let root: string;
  const folder: SourceFolder = {
    exists: (rel) => existsSync(join(root, rel)),
    read: (rel, maxBytes) => {
      try {
        return statSync(join(root, rel)).size > maxBytes ? undefined : readFileSync(join(root, rel), 'utf8');
      } catch {
        return undefined;
      }
    },
  };
  const put = async (rel: string, text: string) => {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  };
  const map = (file: string, sources: string[], sourceRoot = '') =>
    JSON.stringify({ version: 3, file, sourceRoot, sources, names: [], mappings: ';;AAAA' });
  const js = (mapUrl: string) => `"use strict";\nexports.isObj = isObj;\n//# sourceMappingURL=${mapUrl}\n`;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ragctl-skip-'));
    // openai's npm package: the compiler's copies at the top, the TypeScript under src/.
    await put('src/core.ts', 'export function isObj(o: unknown) { return o != null; }\n');
    await put('core.js', js('core.js.map'));
    await put('core.js.map', map('core.js', ['src/core.ts']));
    await put('core.mjs', js('core.mjs.map'));
    await put('core.mjs.map', map('core.mjs', ['./src/core.ts']));
    await put(
      'core.d.ts',
      'export declare function isObj(o: unknown): boolean;\n//# sourceMappingURL=core.d.ts.map',
    );
    await put('core.d.ts.map', map('core.d.ts', ['core.ts'], 'src/'));
    // tsc's outDir beside the sources, maps pointing back up.
    await put('lib/util.js', js('util.js.map'));
    await put('lib/util.js.map', map('util.js', ['../src/util.ts']));
    await put('src/util.ts', 'export const util = 1;\n');
    // A source in a package folder named build (read: under src/), and one under node_modules (not).
    await put('src/build/env.ts', 'export const env = 1;\n');
    await put('lib/env.js', js('env.js.map'));
    await put('lib/env.js.map', map('env.js', ['../src/build/env.ts']));
    await put('node_modules/left/src/pad.ts', 'export const pad = 1;\n');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('skips a compiled file whose map names a source that is here, and says which', () => {
    expect(skipReason('core.js', js('core.js.map'), folder)).toBe(
      'compiled from src/core.ts, which is read instead (its source map names it)',
    );
    expect(skipReason('core.mjs', js('core.mjs.map'), folder)).toMatch(/^compiled from src\/core\.ts,/);
    const dts = 'export declare function isObj(o: unknown): boolean;\n//# sourceMappingURL=core.d.ts.map';
    expect(skipReason('core.d.ts', dts, folder)).toMatch(/^compiled from src\/core\.ts,/);
    expect(skipReason('lib/util.js', js('util.js.map'), folder)).toMatch(/^compiled from src\/util\.ts,/);
    // The source is judged as the engine judges it: build/ under src/ is a package, and read.
    expect(skipReason('lib/env.js', js('env.js.map'), folder)).toMatch(/^compiled from src\/build\/env\.ts,/);
  });

  it('reads an inline (data:) source map too', () => {
    const inline = Buffer.from(map('x.js', ['src/core.ts'])).toString('base64');
    const text = js(`data:application/json;charset=utf-8;base64,${inline}`);
    expect(skipReason('x.js', text, folder)).toMatch(/^compiled from src\/core\.ts,/);
  });

  it('keeps the compiled file where it is all there is to search', () => {
    // The package shipped its maps but not its sources.
    expect(skipReason('gone.js', js('gone.js.map'), folder)).toBeNull();
    expect(skipReason('core.js', js('data:application/json;base64,bm90IGpzb24='), folder)).toBeNull();
    const absent = Buffer.from(map('y.js', ['src/missing.ts', '../outside/core.ts'])).toString('base64');
    expect(skipReason('y.js', js(`data:application/json;base64,${absent}`), folder)).toBeNull();
    // A source the engine does not parse, or one outside the source folder, or a URL.
    const coffee = Buffer.from(map('z.js', ['src/z.coffee', 'webpack:///src/core.ts'])).toString('base64');
    expect(skipReason('z.js', js(`data:application/json;base64,${coffee}`), folder)).toBeNull();
    expect(skipReason('w.js', js('https://cdn.example.com/w.js.map'), folder)).toBeNull();
    expect(skipReason('v.js', js('../../v.js.map'), folder)).toBeNull();
    // A source the engine skips as vendored is no reason to skip its compiled copy.
    const vendored = Buffer.from(map('pad.js', ['node_modules/left/src/pad.ts'])).toString('base64');
    expect(skipReason('pad.js', js(`data:application/json;base64,${vendored}`), folder)).toBeNull();
    // Without the folder (no disk to look at) it is read as any other file.
    expect(skipReason('core.js', js('core.js.map'))).toBeNull();
  });

  it('does not skip a source because a map names itself', () => {
    const self = Buffer.from(map('src/core.ts', ['core.ts'])).toString('base64');
    expect(
      skipReason(
        'src/core.ts',
        `const a = 1;\n//# sourceMappingURL=data:application/json;base64,${self}`,
        folder,
      ),
    ).toBeNull();
  });
});
