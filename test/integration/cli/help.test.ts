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
});
