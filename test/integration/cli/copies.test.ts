import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paragraph, Workspace } from '../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * A docs folder holding a page's Markdown source and its HTML rendering (as a project's built
 * docs sit beside their sources): a search shows the passage once, naming the other file, so
 * the k hits are k different passages; `--every` lists each copy.
 */
describe('ragctl search over a page and its rendering', () => {
  let ws: Workspace;
  let config: string;
  let source: string;
  let rendering: string;
  const restore = [
    'Stop the database service before you restore, then unpack the newest archive into the data folder.',
    'The restore keeps the configuration files that you changed by hand, and it never touches the replicas.',
    'Start the service again and check the log for the line that says recovery finished.',
  ];

  beforeAll(async () => {
    ws = await Workspace.create('cli-copies');
    source = await ws.write(
      'docs/backups.md',
      [
        '# Backups',
        '',
        paragraph('nightly archive schedule', 3),
        '',
        '## Restoring a backup',
        '',
        `${restore[0]} ${restore[1]!.replace('configuration files', '`configuration files`')}`,
        restore[2]!,
        '',
      ].join('\n'),
    );
    rendering = await ws.write(
      'docs/_build/backups.html',
      [
        '<html><head><title>Backups — Runbook</title></head><body><main>',
        '<h1>Backups</h1>',
        `<p>${paragraph('nightly archive schedule', 3)}</p>`,
        '<h2 id="restoring">Restoring a backup<a class="headerlink" href="#restoring">¶</a></h2>',
        `<p>${restore.join('\n')}</p>`,
        '</main></body></html>',
      ].join('\n'),
    );
    await ws.write('docs/monitoring.md', `# Monitoring\n\n${paragraph('replica lag alerts', 4)}\n`);
    config = await ws.writeConfig();
    const indexed = oneJsonLine(await runCli(['index', '--json', '--config', config], { cwd: ws.root }));
    expect(indexed).toMatchObject({ filesAdded: 3, failures: [] });
  }, 120_000);
  afterAll(async () => {
    await ws.cleanup();
  });

  type Hit = { path: string; heading_path: string[]; copies?: { path: string; start_line: number }[] };
  const search = async (...extra: string[]) => {
    const run = await runCli(
      [
        'search',
        'bring the database back from an archive',
        '--json',
        '-k',
        '3',
        ...extra,
        '--config',
        config,
      ],
      { cwd: ws.root },
    );
    expect(run.code, run.stderr).toBe(0);
    return oneJsonLine(run).results as Hit[];
  };

  it('shows the restore section once, naming the other file and its lines', async () => {
    const hits = await search();
    const restoring = hits.filter((h) => h.heading_path.at(-1) === 'Restoring a backup');
    expect(restoring).toHaveLength(1);
    const [hit] = restoring;
    const other = hit!.path === source ? rendering : source;
    expect(hit!.copies?.map((c) => c.path)).toEqual([other]);
    expect(hit!.copies?.[0]?.start_line).toBeGreaterThan(1);
    // Three hits, each its own passage: the fold made room for the next.
    expect(hits).toHaveLength(3);
    expect(new Set(hits.map((h) => `${h.path}#${h.heading_path.join('/')}`)).size).toBe(3);
  }, 60_000);

  it('lists each copy as its own hit with --every, and prints "also in" without --json', async () => {
    const every = await search('--every');
    const restoring = every.filter((h) => h.heading_path.at(-1) === 'Restoring a backup');
    expect(restoring.map((h) => h.path).sort()).toEqual([rendering, source].sort());
    expect(every.every((h) => h.copies === undefined)).toBe(true);
    const text = await runCli(
      ['search', 'bring the database back from an archive', '-k', '3', '--config', config],
      {
        cwd: ws.root,
      },
    );
    expect(text.stdout).toMatch(/also in \S*backups\.(md|html):\d+-\d+/);
    // `--limit` and `-n`, as other tools spell it, are -k.
    for (const flag of ['--limit', '-n']) {
      const one = await runCli(['search', 'restore', flag, '1', '--json', '--config', config], {
        cwd: ws.root,
      });
      expect(oneJsonLine(one).results).toHaveLength(1);
      // A bad value is reported under the flag that was typed.
      const bad = await runCli(['search', 'restore', flag, '0', '--config', config], { cwd: ws.root });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(
        `${flag === '-n' ? '--limit' : flag} must be an integer from 1 to 1000, not 0`,
      );
    }
    const k = await runCli(['context', 'restore', '-k', 'many', '--config', config], { cwd: ws.root });
    expect(k.stderr).toContain('-k must be an integer from 1 to 1000, not "many"');
  }, 60_000);
});
