import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paragraph, Workspace } from '../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * Notes apps keep what a note is about, its other names and its properties in front matter
 * (`tags`, `aliases`, `status`), often in no line of its body. A search for one finds the note by its words;
 * the vector stays that of the text, so changing a tag embeds nothing.
 */
describe('front matter tags, aliases and properties are searchable', () => {
  let ws: Workspace;
  let config: string;
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });
  const paths = (json: Record<string, unknown>) =>
    (json.results as { path: string }[]).map((r) => r.path.slice(ws.notes.length + 1));

  beforeAll(async () => {
    ws = await Workspace.create('cli-front-matter');
    await ws.write(
      'restore.md',
      `---\ntags: [databases, "#ops"]\naliases: [PITR]\n---\n# Restoring the database\n\n${paragraph('replay the archived write-ahead log up to a chosen moment', 2)}\n`,
    );
    await ws.write(
      'garden.md',
      `---\nstatus: waiting-for-quote\ncontractor: Keller\ndraft: true\n---\n# Garden\n\n${paragraph('tomatoes need sun and water every day', 2)}\n`,
    );
    await ws.write(
      'trip.md',
      `# Trip\n\n${paragraph('the train leaves at nine from the central station', 2)}\n`,
    );
    config = await ws.writeConfig();
    const indexed = await runCli(['index', '--config', config], { cwd: ws.root });
    expect(indexed.code, indexed.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await ws.cleanup();
  });

  it('finds a note by an alias its body never uses, in text and hybrid mode', async () => {
    const text = oneJsonLine(await ragctl('search', 'PITR', '--mode', 'text', '--json'));
    expect(paths(text)).toEqual(['restore.md']);
    const hybrid = oneJsonLine(await ragctl('search', 'PITR', '--json'));
    expect(paths(hybrid)[0]).toBe('restore.md');
    const tag = oneJsonLine(await ragctl('search', 'ops', '--mode', 'text', '--json'));
    expect(paths(tag)).toEqual(['restore.md']);
  });

  it('does not print the keywords as the snippet', async () => {
    const human = await ragctl('search', 'PITR', '--mode', 'text');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('restore.md');
    expect(human.stdout).toContain('replay the archived');
    expect(human.stdout).not.toContain('databases, ops, PITR');
  });

  it('a changed alias is searchable at once, and embeds nothing', async () => {
    await ws.write(
      'restore.md',
      `---\ntags: [databases, "#ops"]\naliases: [point in time recovery]\n---\n# Restoring the database\n\n${paragraph('replay the archived write-ahead log up to a chosen moment', 2)}\n`,
    );
    const indexed = oneJsonLine(await runCli(['index', '--json', '--config', config], { cwd: ws.root }));
    expect(indexed).toMatchObject({ filesChanged: 1, chunksEmbedded: 0 });
    expect(paths(oneJsonLine(await ragctl('search', 'PITR', '--mode', 'text', '--json')))).toEqual([]);
    const now = oneJsonLine(await ragctl('search', 'point in time recovery', '--mode', 'text', '--json'));
    expect(paths(now)[0]).toBe('restore.md');
  }, 120_000);

  it("finds a note by its other properties' values, not by a flag's", async () => {
    const status = oneJsonLine(await ragctl('search', 'waiting for quote', '--mode', 'text', '--json'));
    expect(paths(status)).toEqual(['garden.md']);
    const who = oneJsonLine(await ragctl('search', 'Keller', '--json'));
    expect(paths(who)[0]).toBe('garden.md');
    // `draft: true` is a flag: its key is not a word of the note.
    expect(paths(oneJsonLine(await ragctl('search', 'draft', '--mode', 'text', '--json')))).toEqual([]);
  });
});
