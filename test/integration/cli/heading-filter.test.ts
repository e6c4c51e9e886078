import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * `--heading` on notes whose small sections are merged into one chunk (a daily note's `## Log`
 * and `## Tasks`, each a line or two): the chunk's heading path is its first section's, and the
 * filter still finds the sections after it, by their heading lines, in any case.
 */
describe('ragctl search --heading on merged sections', () => {
  let ws: Workspace;
  let config: string;
  const daily = (day: string, task: string) =>
    `# ${day}\n\n## Log\n\n- called the plumber about the leak\n\n## Tasks\n\n- [ ] ${task}\n`;

  beforeAll(async () => {
    ws = await Workspace.create('cli-heading');
    await ws.write('Daily/2024-03-11.md', daily('2024-03-11', 'buy washers for the kitchen tap'));
    await ws.write('Daily/2024-03-12.md', daily('2024-03-12', 'book the boiler service'));
    await ws.write('garden.md', '# Garden\n\n## Watering\n\nWater the tomatoes every evening in July.\n');
    await ws.write('Daily/2024-11-03.md', daily('2024-11-03', 'rake the leaves on the 11th of March path'));
    await ws.write(
      'manual.md',
      '# An Introduction to R\n\n## 2.5 Missing values\n\nNA marks a value that is not available.\n\n' +
        '## 5.2 Interface functions .C and .Fortran\n\nThese call compiled code.\n\n' +
        '## Appendix B. Invoking R\n\nRun R from a shell with options.\n\n' +
        '## 25.1. Routine Vacuuming\n\nVacuum each table now and then.\n',
    );
    config = await ws.writeConfig({ engines: { md: { chunker: 'markdown' } } });
    expect((await runCli(['index', '--config', config], { cwd: ws.root })).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await ws.cleanup();
  });

  const search = async (...args: string[]) => {
    const run = await runCli(
      ['search', '--json', '--mode', 'vector', '-k', '10', ...args, '--config', config],
      {
        cwd: ws.root,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    return oneJsonLine(run).results as Array<{ path: string; heading_path: string[] }>;
  };

  it('finds a section merged into the chunk before it, by its heading line, in any case', async () => {
    const every = await search('tasks');
    // The premise: the daily notes are one chunk each, under the day's heading and Log.
    const days = every.filter((h) => h.path.includes('Daily'));
    expect(days).toHaveLength(3);
    expect(days.every((h) => !h.heading_path.includes('Tasks'))).toBe(true);
    for (const heading of ['Tasks', 'tasks', 'TASKS']) {
      const hits = await search('--heading', heading, 'what do I have to do');
      expect(hits.map((h) => h.path).sort(), heading).toEqual([
        ws.path('Daily/2024-03-11.md'),
        ws.path('Daily/2024-03-12.md'),
        ws.path('Daily/2024-11-03.md'),
      ]);
    }
    // A heading path item still counts, and only whole headings do.
    expect((await search('--heading', 'watering', 'tomatoes')).map((h) => h.path)).toEqual([
      ws.path('garden.md'),
    ]);
    expect(await search('--heading', 'Task', 'what do I have to do')).toEqual([]);
  }, 60_000);

  it("a manual's numbered section by its title alone, or with its number", async () => {
    const under = async (heading: string) =>
      (await search('--heading', heading, 'how does it work')).map((h) => h.path);
    const manual = [ws.path('manual.md')];
    expect(await under('Missing values')).toEqual(manual);
    expect(await under('2.5 missing values')).toEqual(manual);
    expect(await under('interface functions .c and .fortran')).toEqual(manual);
    expect(await under('Invoking R')).toEqual(manual);
    // A number typed with or without its last dot.
    expect(await under('25.1 routine vacuuming')).toEqual(manual);
    expect(await under('2.5. Missing values')).toEqual(manual);
    // Still whole titles only, and a number typed must be the section's.
    expect(await under('values')).toEqual([]);
    expect(await under('3.1 Missing values')).toEqual([]);
  }, 60_000);

  it('a date as notes write it finds the notes holding it first, a month its days', async () => {
    const hybrid = async (query: string) => {
      const run = await runCli(['search', '--json', '-k', '3', query, '--config', config], { cwd: ws.root });
      expect(run.code, run.stderr).toBe(0);
      return (oneJsonLine(run).results as Array<{ path: string }>).map((h) => h.path);
    };
    expect((await hybrid('2024-03-11'))[0]).toBe(ws.path('Daily/2024-03-11.md'));
    expect((await hybrid('2024-11-03'))[0]).toBe(ws.path('Daily/2024-11-03.md'));
    expect((await hybrid('what did I do on 2024-03-12'))[0]).toBe(ws.path('Daily/2024-03-12.md'));
    expect((await hybrid('2024-03')).slice(0, 2).sort()).toEqual([
      ws.path('Daily/2024-03-11.md'),
      ws.path('Daily/2024-03-12.md'),
    ]);
  }, 60_000);
});
