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

  it('`ragctl mcp --help` adds the server for every project, as the README does (a plain add is this folder only)', async () => {
    const result = await runCli(['mcp', '--help'], { cwd: tmpdir() });
    expect(result.code, result.stderr).toBe(0);
    const adds = result.stdout.split('\n').filter((l) => l.includes('claude mcp add'));
    expect(adds.length).toBeGreaterThan(0);
    for (const line of adds) expect(line).toContain('claude mcp add --scope user ragctl -- ');
  });
});
