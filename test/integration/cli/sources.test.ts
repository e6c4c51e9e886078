import { mkdir, readFile, rmdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { defaultDataDir } from '../../../src/config/paths.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp.js';

/** `ragctl add` / `remove <folder>`: the config file gains or loses a source, and nothing else about it changes. */
describe('ragctl add', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  let configFile: string;
  const ragctl = (...args: string[]) => runCli(args, { cwd: root, env });

  beforeAll(async () => {
    ({ dir: root, cleanup } = await makeTempDir('cli-add'));
    // No systemd user bus here: the hints name `daemon run`, as a container's would.
    env = {
      XDG_CONFIG_HOME: join(root, 'xdg-config'),
      XDG_DATA_HOME: join(root, 'xdg-data'),
      XDG_RUNTIME_DIR: join(root, 'run'),
    };
    configFile = join(root, 'xdg-config', 'ragctl', 'config.yaml');
    for (const d of [
      'notes',
      'shop/app',
      'logs',
      'tool',
      'lab',
      'web',
      'pglogs',
      'research/paper',
      'manual/_static',
      'site/assets/javascripts/lunr/min',
      'journal',
    ])
      await mkdir(join(root, d), { recursive: true });
    await writeFile(join(root, 'tool', 'main.py'), 'print(1)\n');
    await writeFile(join(root, 'tool', 'cli.py'), 'print(2)\n');
    await writeFile(join(root, 'tool', 'requirements.txt'), 'requests==2.32.3\n');
    await writeFile(join(root, 'notes', 'a.md'), '# A\n\nsome text\n');
    for (const m of ['cart', 'pay', 'ship'])
      await writeFile(join(root, 'shop/app', `${m}.py`), `def ${m}():\n    pass\n`);
    await writeFile(join(root, 'shop', 'README.md'), '# Shop\n');
    await writeFile(join(root, 'logs', 'q.sql'), 'SELECT 1;\n');
    for (const m of ['load', 'clean', 'plot'])
      await writeFile(join(root, 'lab', `${m}.py`), `def ${m}():\n    pass\n`);
    await writeFile(join(root, 'lab', 'explore.ipynb'), '{"cells": [], "metadata": {}, "nbformat": 4}\n');
    for (const m of ['train', 'evaluate'])
      await writeFile(join(root, 'research', `${m}.py`), `def ${m}():\n    pass\n`);
    await writeFile(join(root, 'research/paper', 'main.tex'), '\\section{Method}\nWe train a model.\n');
    for (const m of ['app', 'menu', 'cart'])
      await writeFile(join(root, 'web', `${m}.js`), `export function ${m}() {}\n`);
    await writeFile(join(root, 'web', 'index.html'), '<div id="app"></div>\n');
    await writeFile(join(root, 'web', 'package.json'), '{"name": "web", "type": "module"}\n');
    // A documentation site as Sphinx builds it: pages, and the scripts the pages run.
    for (const m of ['index', 'install', 'usage'])
      await writeFile(join(root, 'manual', `${m}.html`), `<h1>${m}</h1><p>How to ${m}.</p>\n`);
    for (const m of ['searchtools', 'doctools'])
      await writeFile(join(root, 'manual/_static', `${m}.js`), `export function ${m}() {}\n`);
    // A site MkDocs built: more minified search bundles than pages.
    for (const m of ['index', 'proxies'])
      await writeFile(join(root, 'site', `${m}.html`), `<h1>${m}</h1><p>How to use ${m}.</p>\n`);
    for (const m of ['de', 'fr', 'ja', 'multi'])
      await writeFile(
        join(root, 'site/assets/javascripts/lunr/min', `lunr.${m}.min.js`),
        `!function(){}();\n`,
      );
    // Bundles minified under names that do not say so (a Docusaurus or VitePress build's).
    for (const m of ['main.3f2a1b', 'runtime.77c0de', 'vendor.19ab2e'])
      await writeFile(
        join(root, 'site/assets', `${m}.js`),
        `${Array.from({ length: 200 }, (_, i) => `var a${i}=function(b){return b+${i}}`).join(';')}\n`,
      );
    await writeFile(join(root, 'journal', 'monday.md'), '# Monday\n\nwrote the backup script\n');
    await writeFile(join(root, 'journal', 'backup.sh'), '#!/bin/sh\nrsync -a ~/notes /mnt/backup\n');
    await writeFile(join(root, 'web', 'tsconfig.json'), '{"compilerOptions": {}}\n');
    await writeFile(
      join(root, 'pglogs', 'postgresql-2026-12-01.json'),
      '{"message": "statement: SELECT 1"}\n',
    );
    await writeFile(join(root, 'pglogs', 'postgresql-2026-12-02.csv'), '2026-12-02 10:00:00 UTC,,\n');
  });
  afterAll(async () => {
    await cleanup();
  });

  it('creates the config file when there is none, with the folder as its one source', async () => {
    const r = await ragctl('add', 'notes');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Added notes (engine md) to ');
    expect(r.stdout).toContain(', a new file.');
    expect(r.stdout).toContain('guessed from its files: of 1 file, 1 for md (--engine chooses others).');
    // The new config names no data dir: where the index goes is said.
    expect(r.stdout).toContain(
      `  The index goes to xdg-data${sep}ragctl (\`dataDir:\` in the config moves it).`,
    );
    expect(r.stdout).toContain('Run `ragctl index` to index it now');
    if (process.platform === 'linux')
      expect(r.stdout).toContain(
        'or start the daemon to keep it indexed as it changes (`ragctl daemon run` in a terminal).',
      );
    expect(parseYaml(await readFile(configFile, 'utf8'))).toEqual({
      sources: [{ path: join(root, 'notes') }],
    });
  });

  it('guesses the engines from the files (a README beside code: md too), and keeps comments', async () => {
    const before = await readFile(configFile, 'utf8');
    await writeFile(configFile, `${before}# my own note about these sources\nsearch:\n  k: 7   # fewer\n`);
    const r = await ragctl('add', 'shop');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Added shop (engines code, md)');
    expect(r.stdout).toContain(
      'guessed from its files: of 4 files, 3 for code, 1 for md (--engine chooses others).',
    );
    expect(r.stdout).not.toContain('will not be read');
    const text = await readFile(configFile, 'utf8');
    expect(text).toContain('# my own note about these sources');
    expect(text).toMatch(/^ {2}k: 7 +# fewer$/m);
    expect(parseYaml(text)).toEqual({
      sources: [{ path: join(root, 'notes') }, { path: join(root, 'shop'), engine: ['code', 'md'] }],
      search: { k: 7 },
    });
    // Several engines are written on the entry's own line, and nothing else of the file changed.
    expect(text).toContain('    engine: [code, md]\n');
    expect(text.replace(`  - path: ${join(root, 'shop')}\n    engine: [code, md]\n`, '')).toBe(
      `${before}# my own note about these sources\nsearch:\n  k: 7   # fewer\n`,
    );
  });

  it('a code folder whose only text is a requirements.txt is read by code alone', async () => {
    const json = oneJsonLine(await ragctl('add', 'tool', '--json'));
    expect(json).toMatchObject({ added: { engines: ['code'] }, guessed: true, files: { code: 2, md: 1 } });
    expect(oneJsonLine(await ragctl('remove', 'tool', '--json'))).toMatchObject({
      removed: { path: join(root, 'tool') },
    });
    // The files another engine would read are named: a glob's reach can surprise.
    const text = await ragctl('add', 'tool');
    expect(text.stdout).toContain(
      '  1 file of engine md in it (requirements.txt) will not be read (--engine code,md reads them).',
    );
    expect((await ragctl('remove', 'tool')).code).toBe(0);
  });

  it("a notebook or a LaTeX paper beside code is read by md too; a web app's index.html is no reason", async () => {
    const lab = oneJsonLine(await ragctl('add', 'lab', '--json'));
    expect(lab).toMatchObject({
      added: { engines: ['code', 'md'] },
      guessed: true,
      files: { code: 3, md: 1 },
    });
    const research = oneJsonLine(await ragctl('add', 'research', '--json'));
    expect(research).toMatchObject({ added: { engines: ['code', 'md'] }, files: { code: 2, md: 1 } });
    expect((await ragctl('remove', 'research')).code).toBe(0);
    const web = oneJsonLine(await ragctl('add', 'web', '--json'));
    expect(web).toMatchObject({
      added: { engines: ['code'] },
      guessed: true,
      // index.html, and package.json and tsconfig.json, which md reads by name: no sign of notes.
      files: { code: 3, md: 3, sql: 0 },
    });
    for (const folder of ['lab', 'web']) expect((await ragctl('remove', folder, '--json')).code).toBe(0);
  });

  it("a documentation site's own scripts are no reason to add code; a notes folder's script is", async () => {
    const manual = await ragctl('add', 'manual');
    expect(manual.code, manual.stderr).toBe(0);
    expect(manual.stdout).toContain('Added manual (engine md)');
    // Named in the order the folder lists them.
    expect(manual.stdout).toMatch(
      /^ {2}2 files of engine code in it \(_static\/(doctools|searchtools)\.js, _static\/(doctools|searchtools)\.js\) will not be read \(--engine md,code reads them\)\.$/m,
    );
    // Minified files are no code to read: the code engine would refuse them.
    const site = oneJsonLine(await ragctl('add', 'site', '--json'));
    expect(site).toMatchObject({ added: { engines: ['md'] }, files: { md: 2, code: 0 } });
    const journal = oneJsonLine(await ragctl('add', 'journal', '--json'));
    expect(journal).toMatchObject({ added: { engines: ['md', 'code'] }, files: { md: 1, code: 1 } });
    for (const folder of ['manual', 'site', 'journal']) expect((await ragctl('remove', folder)).code).toBe(0);
  });

  it("a project's package.json is no query log; a PostgreSQL jsonlog or csvlog by its name is", async () => {
    const web = await ragctl('add', 'web');
    expect(web.stdout).not.toContain('engine sql');
    // Named only as a file md would read (by name), not as a query log.
    expect(web.stdout).toMatch(/^ {2}3 files of engine md in it \([^)]*\) will not be read/m);
    expect((await ragctl('remove', 'web')).code).toBe(0);
    const logs = oneJsonLine(await ragctl('add', 'pglogs', '--json'));
    expect(logs).toMatchObject({ added: { engines: ['sql'] }, guessed: true, files: { sql: 2 } });
    expect((await ragctl('remove', 'pglogs')).code).toBe(0);
  });

  it('--engine chooses; --json says what was done', async () => {
    const json = oneJsonLine(await ragctl('add', 'logs', '--engine', 'sql', '--json'));
    expect(json).toMatchObject({
      added: { path: join(root, 'logs'), engines: ['sql'] },
      config: configFile,
      created: false,
      guessed: false,
      daemon: null,
    });
  });

  it('refuses a folder that is missing, already a source or inside one, and leaves the file as it was', async () => {
    const before = await readFile(configFile, 'utf8');
    const missing = await ragctl('add', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`ragctl: ${join(root, 'nope')} does not exist\n`);
    const twice = await ragctl('add', 'notes');
    expect(twice.code).toBe(2);
    // Paths as displayed: under the current folder (the test's root), relative to it.
    expect(twice.stderr).toContain('ragctl: notes is a source already, read by engine md (');
    expect(twice.stderr).toContain('fix: `ragctl index` brings its files up to date; nothing to add');
    const more = await ragctl('add', 'notes', '--engine', 'md,code');
    expect(more.stderr).toContain('fix: `ragctl add notes --engine code` adds only');
    const unknown = await ragctl('add', 'notes', '--engine', 'code,mdd');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("sources[3].engine[1]: 'mdd' is not defined under engines");
    const inside = await ragctl('add', 'shop/app');
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain('ragctl: shop/app is inside shop, a source already (');
    expect(inside.stderr).toContain(`--path '${join(root, 'shop', 'app')}/**'`);
    // The folder above sources: each is named, with the commands that would make room.
    const outer = await ragctl('add', '.');
    expect(outer.code).toBe(2);
    expect(outer.stderr).toContain(`${root} holds 3 sources already (`);
    expect(outer.stderr).toContain('ragctl remove notes;');
    // The index's own folder, or one holding it: the index would watch its own writes.
    const dataDir = defaultDataDir(env);
    await mkdir(dataDir, { recursive: true });
    const own = await ragctl('add', dataDir);
    expect(own.code).toBe(2);
    expect(own.stderr).toContain(" is ragctl's own index folder (dataDir ");
    const above = await ragctl('add', dirname(dataDir));
    expect(above.code).toBe(2);
    expect(above.stderr).toContain(" holds ragctl's own index folder (dataDir ");
    expect(above.stderr).toContain('or set `dataDir` in');
    expect(await readFile(configFile, 'utf8')).toBe(before);
  });

  it('the file it wrote indexes', async () => {
    const r = oneJsonLine(await ragctl('index', '--json'));
    // notes/a.md, shop's 3 .py files and its README.md (md's), logs/q.sql.
    expect(r).toMatchObject({ filesAdded: 6 });
    // status splits the chunks by engine.
    const status = oneJsonLine(await ragctl('status', '--json'));
    const byEngine = status.chunks_by_engine as Record<string, number>;
    expect(Object.keys(byEngine).sort()).toEqual(['code', 'md', 'sql']);
    expect(byEngine.md).toBe(2);
    expect(byEngine.code! + byEngine.md! + byEngine.sql!).toBe(status.chunks);
    const text = await ragctl('status');
    expect(text.stdout).toContain(
      `files:    6 indexed, ${status.chunks} chunks (md 2, code ${byEngine.code}, sql ${byEngine.sql})`,
    );
  }, 180_000);

  it('remove takes a source out, keeping the rest of the file; its files leave the index', async () => {
    const r = await ragctl('remove', 'logs');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Removed logs from ');
    expect(r.stdout).toContain('Its files leave the index at the next `ragctl index`.');
    const text = await readFile(configFile, 'utf8');
    expect(text).toContain('# my own note about these sources');
    expect(parseYaml(text)).toEqual({
      sources: [{ path: join(root, 'notes') }, { path: join(root, 'shop'), engine: ['code', 'md'] }],
      search: { k: 7 },
    });
    expect(oneJsonLine(await ragctl('index', '--json'))).toMatchObject({ filesDeleted: 1, filesAdded: 0 });
  }, 180_000);

  it('adds another engine to a folder already listed, as a second entry; remove takes both', async () => {
    await mkdir(join(root, 'ops'));
    await writeFile(join(root, 'ops', 'q.sql'), 'SELECT id FROM orders WHERE total > 100;\n');
    await writeFile(join(root, 'ops', 'README.md'), '# Ops\n\nthe slow queries of the shop database\n');
    expect((await ragctl('add', 'ops', '--engine', 'sql')).code).toBe(0);
    const r = await ragctl('add', 'ops', '--engine', 'md');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Added ops (engine md)');
    expect(r.stdout).toContain(
      'It is now read by engines sql, md, one entry each; a file goes to the first that reads it.',
    );
    // Nothing else deleted: logs/ left while no source named sql, and its rows went then, from the
    // table sql no longer opened (else they would go now, as rows with no record).
    expect(oneJsonLine(await ragctl('index', '--json'))).toMatchObject({ filesAdded: 2, filesDeleted: 0 });
    const removed = oneJsonLine(await ragctl('remove', 'ops', '--json'));
    expect(removed).toMatchObject({ removed: { path: join(root, 'ops') } });
    expect(oneJsonLine(await ragctl('index', '--json'))).toMatchObject({ filesDeleted: 2, filesAdded: 0 });
  }, 180_000);

  it("a project's .sql files go to sql in a second entry that reads only them; remove takes both", async () => {
    await mkdir(join(root, 'billing/migrations'), { recursive: true });
    for (const m of ['refund', 'invoice'])
      await writeFile(join(root, 'billing', `${m}.py`), `def ${m}():\n    pass\n`);
    await writeFile(
      join(root, 'billing/migrations', '001_refunds.sql'),
      'CREATE TABLE refunds (id int PRIMARY KEY, order_id int, amount_cents int NOT NULL);\n',
    );
    await writeFile(join(root, 'billing', 'package.json'), '{"name": "billing"}\n');
    await writeFile(join(root, 'billing', 'npm-debug.log'), 'npm ERR! code ENOENT\n');
    const r = await ragctl('add', 'billing');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Added billing (engine code)');
    expect(r.stdout).toContain(
      '  Its 1 .sql file goes to engine sql, in a second entry that reads **/*.sql only.',
    );
    // A log by its name is still the sql engine's, and not read: named, with how to read it.
    expect(r.stdout).toContain(
      '  1 file of engine sql in it (npm-debug.log) will not be read (--engine code,sql reads them).',
    );
    expect(parseYaml(await readFile(configFile, 'utf8')).sources.slice(-2)).toEqual([
      { path: join(root, 'billing'), engine: 'code' },
      { path: join(root, 'billing'), engine: 'sql', include: ['**/*.sql'] },
    ]);
    // Two .py files and the migration; package.json and the log are read by nobody.
    expect(oneJsonLine(await ragctl('index', '--json'))).toMatchObject({ filesAdded: 3, filesDeleted: 0 });
    const found = oneJsonLine(await ragctl('search', '--json', '-k', '3', 'which table keeps refunds'));
    const paths = (found.results as Array<{ path: string; engine: string }>).map((h) => [h.engine, h.path]);
    expect(paths).toContainEqual(['sql', join(root, 'billing/migrations/001_refunds.sql')]);
    expect(paths.some(([, p]) => p!.endsWith('.log') || p!.endsWith('.json'))).toBe(false);
    expect(oneJsonLine(await ragctl('remove', 'billing', '--json'))).toMatchObject({
      removed: { path: join(root, 'billing') },
    });
    expect(
      parseYaml(await readFile(configFile, 'utf8')).sources.some(
        (s: { path: string }) => s.path === join(root, 'billing'),
      ),
    ).toBe(false);
    expect(oneJsonLine(await ragctl('index', '--json'))).toMatchObject({ filesDeleted: 3 });
    // Added again, --json says what the second entry reads.
    const json = oneJsonLine(await ragctl('add', 'billing', '--json'));
    expect(json).toMatchObject({
      added: { engines: ['code'], sqlFiles: { engine: 'sql', include: ['**/*.sql'] } },
      files: { code: 2, sql: 2 },
    });
    expect((await ragctl('remove', 'billing')).code).toBe(0);
  }, 180_000);

  it('a project with more .sql files than code is still read as code and docs, its .sql apart', async () => {
    await mkdir(join(root, 'ledger/db/migrations'), { recursive: true });
    await mkdir(join(root, 'ledger/logs'));
    await writeFile(join(root, 'ledger', 'README.md'), '# Ledger\n');
    await writeFile(join(root, 'ledger', 'app.py'), 'def balance():\n    pass\n');
    for (const [i, table] of ['customers', 'orders', 'payments'].entries())
      await writeFile(
        join(root, 'ledger/db/migrations', `00${i}_${table}.sql`),
        `CREATE TABLE ${table} (id int);\n`,
      );
    await writeFile(join(root, 'ledger/logs', 'app.log'), 'INFO app started\n');
    const json = oneJsonLine(await ragctl('add', 'ledger', '--json'));
    expect(json).toMatchObject({ files: { code: 1, md: 1, sql: 4 } });
    expect([...(json.added as { engines: string[] }).engines].sort()).toEqual(['code', 'md']);
    expect(json.added).toMatchObject({ sqlFiles: { engine: 'sql', include: ['**/*.sql'] } });
    expect((await ragctl('remove', 'ledger')).code).toBe(0);
  });

  it('remove works for a folder that is gone, and refuses one that is not a source', async () => {
    await mkdir(join(root, 'old'));
    expect((await ragctl('add', 'old')).code).toBe(0);
    await rmdir(join(root, 'old'));
    // The other sources are indexed; the missing folder is named, with how to let it go.
    const missing = await ragctl('index');
    expect(missing.code, missing.stderr).toBe(0);
    expect(missing.stdout).toContain(`\`ragctl remove ${join(root, 'old')}\` drops them`);
    const removed = oneJsonLine(await ragctl('remove', 'old', '--json'));
    expect(removed).toMatchObject({ removed: { path: join(root, 'old') }, config: configFile, daemon: null });

    const before = await readFile(configFile, 'utf8');
    const not = await ragctl('remove', 'shop/app');
    expect(not.code).toBe(2);
    expect(not.stderr).toContain(
      `ragctl: ${join(root, 'shop/app')} is not a source in ${configFile} (sources: ${join(root, 'notes')}, ${join(root, 'shop')})`,
    );
    expect(await readFile(configFile, 'utf8')).toBe(before);
  });

  it('a link inside a source to a folder elsewhere: the folder it links to is added', async () => {
    // Notes kept in a synced folder, linked into the notes folder: the walk of notes skips links.
    await mkdir(join(root, 'synced', 'work'), { recursive: true });
    await writeFile(join(root, 'synced', 'work', 'plan.md'), '# Plan\n\nShip the beta in March.\n');
    await symlink(join(root, 'synced', 'work'), join(root, 'notes', 'work'));
    const added = await ragctl('add', 'notes/work');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('Added synced/work (engine md)');
    expect(added.stdout).toContain('notes/work is a link to it');
    const config = parseYaml(await readFile(configFile, 'utf8')) as { sources: { path: string }[] };
    expect(config.sources.map((s) => s.path)).toContain(join(root, 'synced', 'work'));
  });
});
