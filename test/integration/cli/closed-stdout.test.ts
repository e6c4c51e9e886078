import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { RAGCTL_BIN } from '../../helpers/run-cli.js';

/**
 * Runs the CLI with a stdout pipe whose reading end is closed before the CLI writes, as
 * `ragctl … | head` leaves it once head has read enough.
 */
function runIntoClosedPipe(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.RAGCTL_CONFIG;
    const child = spawn(process.execPath, [RAGCTL_BIN, ...args], {
      cwd: tmpdir(),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

describe('ragctl writing into a pipe its reader closed', () => {
  it.each([
    ['search', '--help'],
    ['completion', 'bash'],
  ])('`ragctl %s %s | head` ends quietly with code 0, no EPIPE stack trace', async (...args) => {
    const result = await runIntoClosedPipe(args);
    expect(result.stderr).not.toContain('EPIPE');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
