#!/usr/bin/env node
// Builds the code bases of the code-retrieval eval: released sources nobody on the team wrote,
// fetched through the ordinary package clients at pinned versions, checked against pinned
// archive sha256s, unpacked into bench/data/code-bases/<base>/ (git-ignored), and listed in a
// manifest of per-file sha256s.
//
//   node bench/code/make-bases.mjs [--base click|ajv|…] [--out bench/data/code-bases] [--check]
//
//   click  Python: the `click` package of the click 8.5.1 wheel (`pip download --no-deps`).
//   ajv    TypeScript: `lib/**/*.ts` of the ajv 8.20.0 npm tarball (`npm pack`); the package
//          ships its TypeScript sources beside the compiled dist/, which is left out.
//   werkzeug, jinja2, flask, rich   Python wheels likewise, for the 100k-line indexing tree.
//   pflag  Go: every .go file of the github.com/spf13/pflag v1.0.10 module zip (`go mod download`
//          into a throw-away module cache), its _test.go files included: a user's Go repository
//          holds its tests beside the code, and the code engine indexes them.
//   toml   Go: every .go file (tests, cmd/ and internal/ included, as a user's checkout has them)
//          of the github.com/BurntSushi/toml v1.6.0 module zip (`go mod download`, which also
//          checks the module's h1: hash against the checksum database); held out: nothing is tuned on it.
//
// Only source files are kept (.py, .ts, .go): the JSON schemas, typings and compiled JavaScript would
// be indexed by nothing but the code engine's include globs, and the questions are about code.
// Each base gets `<out>/<base>.manifest.json` (file, bytes, lines, sha256; a base sha256 over the
// sorted "path sha256" lines). bench/code/<base>/manifest.json is the committed copy the
// published numbers were measured on; --check compares a fresh build with it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

/** A package's sources from its PyPI wheel, fetched by `pip download`; only the package folder's .py files are kept. */
function wheel(name, version, archive, archiveSha256, pkg = name) {
  return {
    language: 'python',
    version,
    archive,
    archiveSha256,
    fetch: (dir) =>
      execFileSync(
        'pip',
        ['download', `${name}==${version}`, '--no-deps', '--only-binary=:all:', '-d', dir],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      ),
    unpack: (file, dir) => execFileSync('unzip', ['-q', file, `${pkg}/*`, '-d', dir]),
    /** Where the sources lie after unpacking, and which files of it are kept. */
    root: '.',
    keep: new RegExp(`^${pkg}/.*\\.py$`),
  };
}

/**
 * A Go module's sources from the module proxy, fetched by `go mod download` into a throw-away
 * GOPATH and module cache (the user's own cache is neither read nor written). The go command checks
 * the zip against the checksum database; `sum` pins the module's `h1:` hash on top of the zip's
 * sha256, so a proxy serving other bytes stops the build either way.
 */
function goModule(module, version, archive, archiveSha256, sum) {
  return {
    language: 'go',
    version,
    archive,
    archiveSha256,
    fetch: (dir) => {
      const cache = join(dir, 'gopath');
      const out = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        env: {
          ...process.env,
          GOPATH: cache,
          GOMODCACHE: join(cache, 'pkg/mod'),
          // Read-only module folders would make the temp dir's removal fail.
          GOFLAGS: '-modcacherw',
          GO111MODULE: 'on',
        },
      });
      const info = JSON.parse(out);
      if (info.Error) throw new Error(`make-bases: go mod download ${module}@${version}: ${info.Error}`);
      if (info.Sum !== sum)
        throw new Error(
          `make-bases: ${module}@${version} has hash ${info.Sum}, expected ${sum}; the proxy served other contents, so the questions' line numbers may not hold`,
        );
      copyFileSync(info.Zip, join(dir, archive));
    },
    unpack: (file, dir) => execFileSync('unzip', ['-q', file, '-d', dir]),
    // A module zip holds one folder, `<module>@<version>/`.
    root: `${module}@${version}`,
    keep: /\.go$/,
  };
}

/**
 * The bases. `archiveSha256` pins the exact archive the registry served when the questions were
 * written: a registry that serves other bytes for the same version stops the build. click and
 * ajv carry questions (bench/code/<base>/questions.jsonl), flask and pflag too (held out); the others only add lines to the
 * 100k-line tree of bench/code/index-speed.mjs.
 */
export const BASES = {
  click: wheel(
    'click',
    '8.5.1',
    'click-8.5.1-py3-none-any.whl',
    '8bb5376d2006950386f8c6427613334a2acadc5f559cb80e638d00b4df957e37',
  ),
  ajv: {
    language: 'typescript',
    version: '8.20.0',
    archive: 'ajv-8.20.0.tgz',
    archiveSha256: 'b2f0b3a893bbb8cc5efb6814f08b1499e19e31d5dd73683f5893382f48f6e7b3',
    fetch: (dir) =>
      execFileSync('npm', ['pack', 'ajv@8.20.0', '--silent', '--pack-destination', dir], {
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    unpack: (archive, dir) => execFileSync('tar', ['-xzf', archive, '-C', dir, 'package/lib']),
    root: 'package',
    keep: /^lib\/.*(?<!\.d)\.ts$/,
  },
  werkzeug: wheel(
    'werkzeug',
    '3.1.8',
    'werkzeug-3.1.8-py3-none-any.whl',
    '63a77fb8892bf28ebc3178683445222aa500e48ebad5ec77b0ad80f8726b1f50',
  ),
  jinja2: wheel(
    'jinja2',
    '3.1.6',
    'jinja2-3.1.6-py3-none-any.whl',
    '85ece4451f492d0c13c5dd7c13a64681a86afae63a5f347908daf103ce6d2f67',
  ),
  flask: wheel(
    'flask',
    '3.1.3',
    'flask-3.1.3-py3-none-any.whl',
    'f4bcbefc124291925f1a26446da31a5178f9483862233b23c0c96a20701f670c',
  ),
  toml: goModule(
    'github.com/BurntSushi/toml',
    'v1.6.0',
    'toml-v1.6.0.zip',
    '01f03d6c3f4bfee108bda3202407b54ac0c295b8302a1315512f12ac05011fd8',
    'h1:dRaEfpa2VI55EwlIW72hMRHdWouJeRF7TPYhI+AUQjk=',
  ),
  rich: wheel(
    'rich',
    '15.0.0',
    'rich-15.0.0-py3-none-any.whl',
    '33bd4ef74232fb73fe9279a257718407f169c09b78a87ad3d296f548e27de0bb',
  ),
  pflag: goModule(
    'github.com/spf13/pflag',
    'v1.0.10',
    'pflag-v1.0.10.zip',
    'a246b8c9d3daa87d6c634cdfee1bdf7fa53d5817eeef4fa0c6da43edd12de4ca',
    'h1:4EBh2KAYBwaONj6b2Ye1GiHfwjqyROoF4RwYO+vPwFk=',
  ),
};

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const st = lstatSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.isFile()) out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

/** Fetches, checks, unpacks and copies one base; returns its manifest. */
export function buildBase(name, outRoot) {
  const base = BASES[name];
  if (!base) throw new Error(`make-bases: no base "${name}" (have: ${Object.keys(BASES).join(', ')})`);
  const tmp = mkdtempSync(join(tmpdir(), `ragctl-codebase-${name}-`));
  try {
    base.fetch(tmp);
    const archive = join(tmp, base.archive);
    if (!existsSync(archive))
      throw new Error(`make-bases: ${name}: the client left no ${base.archive} in ${tmp}`);
    const got = sha256(readFileSync(archive));
    if (got !== base.archiveSha256)
      throw new Error(
        `make-bases: ${name}: ${base.archive} has sha256 ${got}, expected ${base.archiveSha256}; the registry served other bytes for ${base.version}, so the questions' line numbers may not hold`,
      );
    const unpacked = join(tmp, 'unpacked');
    mkdirSync(unpacked);
    base.unpack(archive, unpacked);
    const srcRoot = join(unpacked, base.root);
    const outDir = join(outRoot, name);
    rmSync(outDir, { recursive: true, force: true });
    // A fixed mtime: a rebuilt base looks unchanged to an existing index.
    const FIXED_MTIME = new Date('2026-01-01T00:00:00Z');
    const files = filesUnder(srcRoot)
      .filter((f) => base.keep.test(f))
      .map((f) => {
        const dest = join(outDir, f);
        mkdirSync(dirname(dest), { recursive: true });
        copyFileSync(join(srcRoot, f), dest);
        utimesSync(dest, FIXED_MTIME, FIXED_MTIME);
        const buf = readFileSync(dest);
        return {
          path: f,
          bytes: buf.length,
          lines: buf.toString('utf8').split('\n').length,
          sha256: sha256(buf),
        };
      });
    const manifest = {
      base: name,
      language: base.language,
      version: base.version,
      archive: base.archive,
      archiveSha256: base.archiveSha256,
      baseSha256: sha256(files.map((f) => `${f.path} ${f.sha256}\n`).join('')),
      files: files.length,
      lines: files.reduce((s, f) => s + f.lines, 0),
      bytes: files.reduce((s, f) => s + f.bytes, 0),
      fileList: files,
    };
    const { fileList, ...head } = manifest;
    writeFileSync(
      join(outRoot, `${name}.manifest.json`),
      `${JSON.stringify(head, null, 1).slice(0, -2)},\n "fileList": [\n${fileList.map((f) => `  ${JSON.stringify(f)}`).join(',\n')}\n ]\n}\n`,
    );
    return manifest;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({
    options: {
      base: { type: 'string' },
      out: { type: 'string', default: join(repo, 'bench/data/code-bases') },
      check: { type: 'boolean', default: false },
    },
  });
  const outRoot = resolve(args.out);
  mkdirSync(outRoot, { recursive: true });
  for (const name of args.base ? [args.base] : Object.keys(BASES)) {
    const m = buildBase(name, outRoot);
    console.log(
      `${name} ${m.version}: ${m.files} files, ${m.lines} lines → ${relative(repo, join(outRoot, name))} (sha256 ${m.baseSha256.slice(0, 12)})`,
    );
    if (!args.check) continue;
    const committed = join(here, name, 'manifest.json');
    if (!existsSync(committed)) {
      console.log(`  no ${relative(repo, committed)} to compare with`);
      continue;
    }
    const want = JSON.parse(readFileSync(committed, 'utf8'));
    if (want.baseSha256 === m.baseSha256) console.log('  identical to the committed manifest');
    else {
      console.log(`  differs from ${relative(repo, committed)}`);
      process.exitCode = 1;
    }
  }
}
