import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.js';

describe('ragctl <command> --help', () => {
  it.each([['search']])(
    '`ragctl %s --help` says "repeat for several" at most once per option',
    async (command) => {
      const result = await runCli([command, '--help'], { cwd: tmpdir() });
      expect(result.code, result.stderr).toBe(0);
      // One option's help runs from its flag to the next line that starts with a flag.
      const options = result.stdout.split(/\n(?= {2}-)/);
      expect(options.some((o) => o.includes('--type <type>'))).toBe(true);
      for (const option of options) {
        expect(
          option.replace(/\s+/g, ' ').split('repeat for several').length - 1,
          option,
        ).toBeLessThanOrEqual(1);
      }
    },
  );

  it('`ragctl context --help` describes the search flags it takes as `search --help` does (k aside)', async () => {
    const optionsOf = async (command: string) => {
      const result = await runCli([command, '--help'], { cwd: tmpdir() });
      expect(result.code, result.stderr).toBe(0);
      const section = result.stdout.split('\nOptions:\n')[1] ?? '';
      return new Map(
        section
          .split(/\n(?= {2}-)/)
          .map((o) => o.replace(/\s+/g, ' ').trim())
          .map((o) => [o.split(' ').slice(0, 2).join(' '), o] as const),
      );
    };
    const search = await optionsOf('search');
    const context = await optionsOf('context');
    expect(search.get('--lang <name>')).toContain('repeat for several');
    // A --no- flag says what it does, not what the parameter it turns off does.
    expect([...search.values()].find((o) => o.startsWith('--no-rerank'))).toMatch(
      /^--no-rerank keep hybrid's fused order, faster: by default/,
    );
    for (const [flag, help] of search) {
      if (flag.startsWith('-k') || flag.startsWith('-h') || flag.startsWith('--json')) continue;
      expect(context.get(flag), flag).toBe(help);
    }
  });

  it('`ragctl mcp --help` adds the server for every project, as the README does (a plain add is this folder only)', async () => {
    const result = await runCli(['mcp', '--help'], { cwd: tmpdir() });
    expect(result.code, result.stderr).toBe(0);
    const adds = result.stdout.split('\n').filter((l) => l.includes('claude mcp add'));
    expect(adds.length).toBeGreaterThan(0);
    for (const line of adds) expect(line).toContain('claude mcp add --scope user ragctl -- ');
  });
});
