import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../../src/cli/commands/index-cmd.js';
import { countByPath, readChunks, recordsOf } from '../../helpers/index-workspace.js';
import { usePipeline } from '../../helpers/pipeline.js';

/**
 * A source without `include:` reads the text files projects and packages name by convention,
 * without an extension (README, NEWS, LICENSE, Debian's copyright), and a project's build and
 * configuration files by name (tox.ini, pyproject.toml, Makefile, package.json), as plain text;
 * other files without an extension (a built program) stay out, and so do lockfiles and data.
 */
describe('README, NEWS, LICENSE and the like, without an extension', () => {
  const pipeline = usePipeline();

  it('are indexed as plain text under their headings; other extensionless files are not', async () => {
    const { ws, app } = await pipeline.start('plain-names');
    const readme = await ws.write(
      'tool/README',
      [
        'Frobnicator',
        '===========',
        '',
        'The frobnicator rotates the widgets of a build farm every night.',
        '',
        'Usage',
        '-----',
        '',
        '    frob --rotate nightly',
        '',
        'An indented line is an example here, not a code block to set apart.',
        '',
      ].join('\n'),
    );
    const news = await ws.write('tool/NEWS', 'Version 2.1\n\nThe rotation now skips widgets under repair.\n');
    const license = await ws.write(
      'tool/License',
      'Permission is hereby granted, free of charge, to any person obtaining a copy of this software.\n',
    );
    const copyright = await ws.write(
      'pkg/copyright',
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nLicense: BSD-3-clause\n',
    );
    await ws.write('tool/frob', 'ELF\u0000\u0001 a program built from frob.c\n');
    await ws.write('tool/VERSION.bak', '2.1\n');

    const summary = await app.indexer.reconcile();
    expect(summary.failures).toEqual([]);
    // The files it does not read are counted by kind, for status to say.
    expect(summary.unread).toEqual([
      {
        source: ws.notes,
        files: 2,
        kinds: [
          ['.bak', 1],
          ['no extension', 1],
        ],
      },
    ]);
    expect(formatSummary(summary)).toMatch(
      /^Not read in .+: 2 files \(1 \.bak, 1 no extension\); an `include:` glob of its source would name them\.$/m,
    );
    const records = await recordsOf(app);
    expect([...records.keys()].sort()).toEqual([copyright, license, news, readme].sort());
    expect([...records.values()].every((r) => r.status === 'indexed')).toBe(true);

    const rows = await readChunks(app.config);
    expect(countByPath(rows).get(readme)).toBe(1);
    const readmeRow = rows.find((r) => r.path === readme)!;
    // Its setext title and section are its headings; the indented line is text, not code.
    expect(
      readmeRow.text.startsWith('Frobnicator > Usage\n\n') || readmeRow.text.startsWith('Frobnicator\n\n'),
    ).toBe(true);
    await app.store.optimize();
    const hits = await app.search.search({ query: 'who may use this software free of charge', k: 3 });
    expect(hits.results[0]?.path).toBe(license);
    const text = await app.search.search({ query: 'frobnicator widgets', mode: 'text', k: 3 });
    expect(text.results[0]?.path).toBe(readme);
  });

  it("a project's build and configuration files, by name; not its lockfiles or data", async () => {
    const { ws, app } = await pipeline.start('project-files');
    const tox = await ws.write(
      'click/tox.ini',
      '[tox]\nenvlist =\n    py3{12,11,10,9,8}\n    pypy310\n    style\n\n[testenv]\ndeps = -r requirements/tests.txt\ncommands = pytest -v --tb=short\n',
    );
    const pyproject = await ws.write(
      'click/pyproject.toml',
      '[project]\nname = "click"\nrequires-python = ">=3.8"\n\n# The test runner\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    );
    const make = await ws.write('tool/Makefile', '# Build the program\nall:\n\tcc -o frob frob.c\n');
    const pkg = await ws.write(
      'web/package.json',
      '{\n  "name": "web",\n  "scripts": { "test": "vitest run" }\n}\n',
    );
    await ws.write('web/pnpm-lock.yaml', "lockfileVersion: '9.0'\n");
    await ws.write('data/points.yaml', 'points:\n  - [1, 2]\n');
    await ws.write('data/fixture.json', '{"rows": [1, 2, 3]}\n');

    const summary = await app.indexer.reconcile();
    expect(summary.failures).toEqual([]);
    const records = await recordsOf(app);
    expect([...records.keys()].sort()).toEqual([make, pkg, pyproject, tox].sort());
    const rows = await readChunks(app.config);
    // Plain text: `[tox]` is text, and a `# comment` titles what follows it.
    expect(rows.find((r) => r.path === make)!.text.startsWith('Build the program\n\n')).toBe(true);
    await app.store.optimize();
    const hits = await app.search.search({ query: 'which python versions does tox test against', k: 3 });
    expect(hits.results[0]?.path).toBe(tox);
  });
});
