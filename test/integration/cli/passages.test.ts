import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paragraph, Workspace } from '../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * A section long enough to be cut into several chunks, and a function long enough to be cut into
 * its header and body parts: each of their rows matches a question about it, and would fill the
 * first places on its own. A search shows each passage once (its best-ranked row, with the lines
 * of the others that matched), so k hits are k passages; `--every` and `context` keep the rows.
 */
describe('ragctl search: the rows of one passage shown once', () => {
  let ws: Workspace;
  let config: string;
  let runbook: string;
  let restorer: string;
  const restoreSentences = [
    'Stop the database service before you restore the backup archive into the data folder.',
    'The restore from the backup archive keeps the configuration files you changed by hand.',
    'Unpack the newest backup archive first, and restore older ones only when it is damaged.',
    'After the restore, start the database service and check that the archive was complete.',
  ];

  beforeAll(async () => {
    ws = await Workspace.create('cli-passages');
    runbook = await ws.write(
      'docs/runbook.md',
      [
        '# Runbook',
        '',
        '## Monitoring',
        '',
        paragraph('replica lag alerts', 3),
        '',
        '## Restoring a backup',
        '',
        // Paragraphs of ~60 word pieces under one heading: several chunks at chunkMaxTokens 64.
        ...restoreSentences.flatMap((s, i) => [`${s} ${paragraph(`restore step ${i}`, 2)}`, '']),
        '## Upgrades',
        '',
        paragraph('version upgrade checklist', 3),
        '',
      ].join('\n'),
    );
    await ws.write('docs/backups.md', `# Backup schedule\n\n${paragraph('nightly backup archive', 3)}\n`);
    await ws.write('docs/storage.md', `# Storage\n\n${paragraph('disk space for the archive', 3)}\n`);
    const steps = Array.from(
      { length: 24 },
      (_, i) =>
        `    archive_step_${i} = restore_archive_part(archive, ${i})  # restore part ${i} of the backup archive`,
    );
    restorer = await ws.write(
      'src/restore.py',
      [
        'def restore_backup_archive(archive, folder):',
        '    """Restore a backup archive into the data folder, part by part."""',
        ...steps,
        '    return folder',
        '',
        '',
        'def list_archives(folder):',
        '    return sorted(folder.glob("*.tar"))',
        '',
      ].join('\n'),
    );
    config = await ws.writeConfig({
      engines: {
        md: { chunker: 'markdown', chunkMinTokens: 8, chunkMaxTokens: 64 },
        code: { chunker: 'code', mapper: 'code', chunkMaxTokens: 96 },
      },
      sources: [
        { path: `${ws.notes}/docs`, engine: 'md' },
        { path: `${ws.notes}/src`, engine: 'code' },
      ],
    });
    const indexed = oneJsonLine(await runCli(['index', '--json', '--config', config], { cwd: ws.root }));
    expect(indexed).toMatchObject({ failures: [] });
  }, 120_000);
  afterAll(async () => {
    await ws.cleanup();
  });

  type Hit = {
    path: string;
    start_line: number;
    end_line: number;
    heading_path: string[];
    metadata: Record<string, unknown>;
    parts?: { start_line: number; end_line: number }[];
  };
  const search = async (query: string, ...extra: string[]) => {
    const run = await runCli(['search', query, '--json', ...extra, '--config', config], { cwd: ws.root });
    expect(run.code, run.stderr).toBe(0);
    return oneJsonLine(run).results as Hit[];
  };
  const inRestoring = (h: Hit) => h.path === runbook && h.heading_path.at(-1) === 'Restoring a backup';
  const isRestorer = (h: Hit) =>
    h.path === restorer && String(h.metadata.symbol).endsWith(':restore_backup_archive');
  /** The code engine's rows for the function's question, each its own hit. */
  const everyRow = (k: number) =>
    search('restore every part of the backup archive', '--engine', 'code', '--every', '-k', String(k));

  it('shows neighbouring chunks of a long section as one hit, with the lines of the others', async () => {
    // Every row, as many as the folded search draws from (k and twice k spare).
    const every = await search(
      'how do I restore the backup archive',
      '--engine',
      'md',
      '--every',
      '-k',
      '30',
    );
    const rows = every.filter(inRestoring);
    // The premise: the section is several chunks, and more than one of them is a hit.
    expect(rows.length).toBeGreaterThan(1);
    const pieceAt = new Map(rows.map((r) => [r.start_line, r.metadata.piece as number]));

    const hits = await search('how do I restore the backup archive', '--engine', 'md', '-k', '4');
    const restoring = hits.filter(inRestoring);
    // Folded: fewer hits than rows, the best-ranked row first, each row once (as a hit or a part).
    expect(restoring.length).toBeLessThan(rows.length);
    expect([restoring[0]!.start_line, restoring[0]!.end_line]).toEqual([
      rows[0]!.start_line,
      rows[0]!.end_line,
    ]);
    const shown = restoring.flatMap((h) => [h, ...(h.parts ?? [])]).map((p) => [p.start_line, p.end_line]);
    expect(shown.sort((a, b) => a[0]! - b[0]!)).toEqual(
      rows.map((r) => [r.start_line, r.end_line]).sort((a, b) => a[0]! - b[0]!),
    );
    // Each hit is a run of neighbouring pieces.
    for (const h of restoring) {
      const pieces = [h, ...(h.parts ?? [])].map((p) => pieceAt.get(p.start_line)!).sort((a, b) => a - b);
      expect(pieces).toEqual(pieces.map((_, i) => pieces[0]! + i));
    }
    // k hits: the fold made room for the other files and sections.
    expect(hits).toHaveLength(4);
    expect(hits.some((h) => h.path !== runbook)).toBe(true);
  }, 60_000);

  it("shows a long function once: its best row, the other parts' lines", async () => {
    // Every row, as many as the folded search draws from (k and twice k spare).
    const rows = (await everyRow(30)).filter(isRestorer);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.some((h) => typeof h.metadata.part === 'number')).toBe(true);

    const hits = await search('restore every part of the backup archive', '--engine', 'code');
    const function_ = hits.filter((h) => String(h.metadata.symbol).endsWith(':restore_backup_archive'));
    expect(function_).toHaveLength(1);
    expect([function_[0]!.start_line, function_[0]!.end_line]).toEqual([
      rows[0]!.start_line,
      rows[0]!.end_line,
    ]);
    // Every other row's lines, but the header's when the best row is a part: the header spans
    // the whole function, which the hit's symbol names already.
    const [best, ...others] = rows;
    const listed = others.filter((r) => !(r.start_line <= best!.start_line && best!.end_line <= r.end_line));
    expect(listed.length).toBeGreaterThan(0);
    expect(function_[0]!.parts).toEqual(
      expect.arrayContaining(listed.map((r) => ({ start_line: r.start_line, end_line: r.end_line }))),
    );
    expect(function_[0]!.parts?.length).toBe(listed.length);
    // The other function is a passage of its own.
    expect(hits.find((h) => String(h.metadata.symbol).endsWith(':list_archives'))?.parts).toBeUndefined();
  }, 60_000);

  it('fills k when one passage has more matching rows than the spare hits drawn to fold from', async () => {
    // The premise: at -k 2 the first draw (k and twice k spare) is all of this one function.
    const every = await everyRow(6);
    expect(every).toHaveLength(6);
    expect(every.every(isRestorer)).toBe(true);

    const hits = await search('restore every part of the backup archive', '--engine', 'code', '-k', '2');
    expect(hits).toHaveLength(2);
    expect(hits.filter(isRestorer)).toHaveLength(1);
    expect(hits.find((h) => !isRestorer(h))?.metadata.symbol).toMatch(/:list_archives$/);
  }, 60_000);

  it('prints "more of it matched: lines …" and leaves context its rows', async () => {
    const text = await runCli(
      ['search', 'how do I restore the backup archive', '--engine', 'md', '-k', '4', '--config', config],
      { cwd: ws.root },
    );
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/\n {4}more of it matched: lines? \d+(-\d+)?(, \d+(-\d+)?)*\n/);

    // The context assembler gathers a hit's section itself: every matching chunk is a hit there.
    const context = await runCli(
      [
        'context',
        'how do I restore the backup archive',
        '--engine',
        'md',
        '--budget',
        '4000',
        '--json',
        '--config',
        config,
      ],
      { cwd: ws.root },
    );
    expect(context.code, context.stderr).toBe(0);
    const blocks = oneJsonLine(context).blocks as { path: string; role: string; heading_path: string[] }[];
    const restoringHits = blocks.filter(
      (b) => b.role === 'hit' && b.path === runbook && b.heading_path.at(-1) === 'Restoring a backup',
    );
    expect(restoringHits.length).toBeGreaterThan(1);
  }, 60_000);
});
