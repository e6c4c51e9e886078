import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * A query that starts with "-" (`--dry-run`, an option someone wants to read about) reaches
 * ragctl without the shell's quotes, and commander takes it for an option: the error says how
 * to pass it, and `--` does.
 */
describe('ragctl search for text that starts with a dash', () => {
  let ws: Workspace;
  let config: string;

  beforeAll(async () => {
    ws = await Workspace.create('cli-dash-query');
    await ws.write(
      'deploy.md',
      '# Deploying\n\nRun `deploy --dry-run` first: it prints the plan and changes nothing.\n',
    );
    config = await ws.writeConfig();
    expect((await runCli(['index', '--config', config], { cwd: ws.root })).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await ws.cleanup();
  });

  it('an unknown option, or a known flag that leaves no query, is told to put -- before it', async () => {
    const unknown = await runCli(['search', '--dry-run', '--config', config], { cwd: ws.root });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown option '--dry-run'");
    expect(unknown.stderr).toContain(
      'if "--dry-run" is what to search for, put -- before it: ragctl search [options] -- "--dry-run"',
    );
    const flag = await runCli(['search', '--config', config, '--no-rerank'], { cwd: ws.root });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('put -- before it: ragctl search [options] -- "--no-rerank"');
    const context = await runCli(['context', '--dry-run', '--config', config], { cwd: ws.root });
    expect(context.stderr).toContain('if "--dry-run" is what to ask about, put -- before it');
    // No query at all after a flag with its value: a query forgotten, not one taken for a flag.
    const forgotten = await runCli(['search', '--config', config], { cwd: ws.root });
    expect(forgotten.code).toBe(2);
    expect(forgotten.stderr).toContain("missing required argument 'query'");
    expect(forgotten.stderr).not.toContain('put -- before it');
    // Other commands' unknown options get no such hint.
    const status = await runCli(['status', '--dry-run', '--config', config], { cwd: ws.root });
    expect(status.code).toBe(2);
    expect(status.stderr).not.toContain('put -- before it');
  }, 60_000);

  it('with -- the query is searched', async () => {
    const found = await runCli(['search', '--json', '--config', config, '--', '--dry-run'], { cwd: ws.root });
    expect(found.code, found.stderr).toBe(0);
    const results = oneJsonLine(found).results as Array<{ text: string }>;
    expect(results[0]!.text).toContain('deploy --dry-run');
  }, 60_000);
});
