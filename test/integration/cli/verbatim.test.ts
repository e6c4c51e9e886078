import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * A query of several words copied from where they are written (an error message pasted from a
 * terminal): the chunk that holds them as written comes first, ahead of chunks nearer in meaning
 * that only talk about the same things. `search.identifierFirst: false` turns it off with the
 * identifier rule.
 */
describe('ragctl search with text copied from where it is written', () => {
  let ws: Workspace;
  let config: string;
  let off: string;
  const message = 'called Execute() on a nil Command';
  const printed = 'Missing dependencies for SOCKS support.';

  beforeAll(async () => {
    ws = await Workspace.create('cli-verbatim');
    await ws.write(
      'guide.md',
      [
        '# Commands',
        '',
        '## Executing a command',
        '',
        'Call Execute() on the root command to run it. Execute() on a command that is nil fails:',
        'a nil command cannot be executed, and Execute() reports the nil command as an error.',
        '',
      ].join('\n'),
    );
    await ws.write(
      'socks.md',
      [
        '# SOCKS support',
        '',
        'SOCKS support needs extra dependencies. When the dependencies for SOCKS support are',
        'missing, install them: missing dependencies are why SOCKS support fails.',
        '',
      ].join('\n'),
    );
    await ws.write(
      'command.go',
      [
        'package cobra',
        '',
        '// ExecuteC runs the command tree and returns the command that ran.',
        'func (c *Command) ExecuteC() (cmd *Command, err error) {',
        '\tif c == nil {',
        `\t\treturn nil, fmt.Errorf("${message}")`,
        '\t}',
        '\targs := c.args',
        '\tif c.args == nil && filepath.Base(os.Args[0]) != "cobra.test" {',
        '\t\targs = os.Args[1:]',
        '\t}',
        '\treturn c.find(args)',
        '}',
        '',
        'func dialSocks(addr string) (net.Conn, error) {',
        '\tif socksDialer == nil {',
        `\t\treturn nil, errors.New("${printed}")`,
        '\t}',
        '\treturn socksDialer.Dial("tcp", addr)',
        '}',
        '',
      ].join('\n'),
    );
    const engines = { md: { chunker: 'markdown' }, code: { chunker: 'code', mapper: 'code' } };
    const sources = [{ path: ws.notes, engine: ['code', 'md'] }];
    off = join(ws.root, 'off.yaml');
    await writeFile(off, JSON.stringify(ws.raw({ engines, sources, search: { identifierFirst: false } })));
    config = await ws.writeConfig({ engines, sources });
    expect((await runCli(['index', '--config', config], { cwd: ws.root })).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await ws.cleanup();
  });

  const first = async (file: string, ...args: string[]) => {
    const run = await runCli(['search', '--json', '-k', '3', ...args, '--config', file], { cwd: ws.root });
    expect(run.code, run.stderr).toBe(0);
    return oneJsonLine(run).results as Array<{
      path: string;
      explain?: { exact?: { phrase?: true; held: boolean } };
    }>;
  };

  it('puts the chunk holding the words as written first; explain says why', async () => {
    // The premise: by meaning and words alone, the guide comes first.
    expect((await first(off, message))[0]!.path).toBe(ws.path('guide.md'));
    const hits = await first(config, '--explain', message);
    expect(hits[0]!.path).toBe(ws.path('command.go'));
    expect(hits[0]!.explain?.exact).toMatchObject({ phrase: true, held: true });
    expect(hits[1]!.explain?.exact).toMatchObject({ phrase: true, held: false });
    const text = await runCli(['search', '--explain', '-k', '2', message, '--config', config], {
      cwd: ws.root,
    });
    expect(text.stdout).toContain(`holds “${message}” as written: ranked with the hits that do, first`);
  }, 60_000);

  it('takes a sentence of plain words with its full stop for printed text, not without it', async () => {
    // The premise: by meaning and words alone, the guide comes first.
    expect((await first(off, printed))[0]!.path).toBe(ws.path('socks.md'));
    const hits = await first(config, '--explain', printed);
    expect(hits[0]!.path).toBe(ws.path('command.go'));
    expect(hits[0]!.explain?.exact).toMatchObject({ phrase: true, held: true });
    // Typed as a person types a search, without the full stop: ranked as words.
    const typed = printed.slice(0, -1);
    expect((await first(config, typed)).map((h) => h.path)).toEqual(
      (await first(off, typed)).map((h) => h.path),
    );
  }, 60_000);

  it('leaves a query of fewer words, or one no chunk holds as written, as it ranks', async () => {
    expect((await first(config, 'nil Command error'))[0]!.path).toBe(
      (await first(off, 'nil Command error'))[0]!.path,
    );
    const question = 'what happens when the root command is nil';
    expect((await first(config, question)).map((h) => h.path)).toEqual(
      (await first(off, question)).map((h) => h.path),
    );
  }, 60_000);
});
