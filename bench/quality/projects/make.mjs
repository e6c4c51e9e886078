#!/usr/bin/env node
// Builds the project folders of bench/quality/project-eval.mjs: released source distributions
// of real projects (code, docs, README and changelog as their authors ship them), from PyPI and
// npm, into bench/data/projects/<set>/ (git-ignored), with a config.yaml beside them that reads
// each with the code and Markdown engines, as `ragctl add <folder>` would.
//
//   node bench/quality/projects/make.mjs            # both sets
//   node bench/quality/projects/make.mjs --only set2
//   node bin/ragctl.js index --config bench/data/projects/set1/config.yaml
//   node bench/quality/project-eval.mjs --config bench/data/projects/set1/config.yaml \
//     --root bench/data/projects/set1/code --questions bench/quality/projects/set1/questions.jsonl
//
// The questions (bench/quality/projects/<set>/questions.jsonl) were written by people who read
// these exact releases: their line ranges hold for them only.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SETS = {
  set1: { pypi: ['click==8.1.7', 'flask==3.0.3', 'requests==2.32.3'], npm: ['axios@1.7.9'] },
  set2: { pypi: ['attrs==24.2.0', 'httpx==0.27.2', 'werkzeug==3.0.4'], npm: ['express@4.21.2'] },
};
const { values: args } = parseArgs({
  options: { only: { type: 'string', default: Object.keys(SETS).join(',') } },
});

for (const name of args.only.split(',')) {
  const set = SETS[name];
  if (!set) throw new Error(`no set ${name}: one of ${Object.keys(SETS).join(', ')}`);
  const out = join(repo, 'bench/data/projects', name);
  const code = join(out, 'code');
  const dl = join(out, 'dl');
  rmSync(code, { recursive: true, force: true });
  mkdirSync(code, { recursive: true });
  mkdirSync(dl, { recursive: true });
  const folders = [];
  for (const spec of set.pypi) {
    const [pkg, version] = spec.split('==');
    execFileSync('pip', ['download', '-q', '--no-deps', '--no-binary', ':all:', spec, '-d', dl], {
      stdio: 'inherit',
    });
    const archive = readdirSync(dl).find((f) => f.toLowerCase() === `${pkg}-${version}.tar.gz`);
    if (!archive) throw new Error(`pip left no ${pkg}-${version}.tar.gz in ${dl}`);
    execFileSync('tar', ['xzf', join(dl, archive), '-C', code]);
    folders.push(archive.replace(/\.tar\.gz$/, ''));
  }
  for (const spec of set.npm) {
    const [pkg, version] = spec.split('@');
    const tgz = join(dl, `${pkg}-${version}.tgz`);
    if (!existsSync(tgz))
      execFileSync('npm', ['pack', '-s', spec], { cwd: dl, stdio: ['ignore', 'ignore', 'inherit'] });
    const folder = `${pkg}-${version}`;
    mkdirSync(join(code, folder));
    execFileSync('tar', ['xzf', tgz, '-C', join(code, folder), '--strip-components=1']);
    folders.push(folder);
  }
  const config = [
    `# The ${name} project folders of bench/quality/project-eval.mjs (made by bench/quality/projects/make.mjs).`,
    'dataDir: ./data',
    'log:',
    '  level: warn',
    'embedders:',
    '  default:',
    '    type: onnx',
    '    model: sentence-transformers/all-MiniLM-L6-v2',
    '    precision: fp32',
    'sources:',
    ...folders.sort().flatMap((f) => [`  - path: ./code/${f}`, '    engine: [code, md]']),
    '',
  ].join('\n');
  writeFileSync(join(out, 'config.yaml'), config);
  console.log(`${name}: ${folders.sort().join(', ')} → ${out}`);
}
