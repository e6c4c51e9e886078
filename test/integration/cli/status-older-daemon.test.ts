import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StatusParams } from '../../../src/ipc/protocol.js';
import { ProtocolError, parseRequest } from '../../../src/ipc/protocol.js';
import { builtinSearchParams } from '../../../src/search/params.js';
import { oneJsonLine, RAGCTL_BIN, runCli } from '../../helpers/run-cli.js';
import { fakeDaemon, Harness, STATUS } from '../ipc/helpers.js';

/**
 * A daemon of the release before `status` took `sources` (the CLI upgraded, the daemon not yet
 * restarted): a stand-in on a real socket whose status refuses the parameter with the very
 * error that release's request parser gave, and answers without it. `ragctl status` and the
 * MCP status tool take its status without the counts rather than fail.
 */
describe('status from a daemon that predates per-source counts', () => {
  let h: Harness;
  let config: string;
  let asked: StatusParams[];

  beforeEach(async () => {
    h = new Harness();
    asked = [];
    // The older parser knew no status params: a method that takes none refuses `sources` so.
    const refusal = parseRequest(
      { v: 1, id: 1, method: 'pause', params: { sources: true } },
      builtinSearchParams(),
    );
    expect(refusal).toBeInstanceOf(ProtocolError);
    const { socketPath } = await h.listening(
      fakeDaemon({
        status: async (params) => {
          asked.push(params);
          if (params.sources !== undefined) throw refusal;
          return STATUS;
        },
      }),
    );
    config = join(dirname(dirname(socketPath)), 'config.yaml');
    await writeFile(
      config,
      JSON.stringify({ dataDir: join(dirname(config), 'data'), socketPath, sources: [] }),
    );
  });
  afterEach(async () => {
    await h.teardown();
  });

  it('ragctl status shows its status, without the counts', async () => {
    const json = oneJsonLine(
      await runCli(['status', '--json', '--config', config], { cwd: dirname(config) }),
    );
    expect(json).toEqual({ ...STATUS, via: 'daemon' });
    expect(asked).toEqual([{ sources: true }, {}]);
    const text = await runCli(['status', '--config', config], { cwd: dirname(config) });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^state: +idle \(pid \d+\)\n/);
    expect(text.stdout).not.toContain('sources:');
  }, 30_000);

  it('the MCP status tool does the same', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [RAGCTL_BIN, '--config', config, 'mcp'],
      stderr: 'pipe',
    });
    const client = new Client({ name: 'ragctl-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const result = (await client.callTool({ name: 'status', arguments: {} })) as {
        isError?: boolean;
        structuredContent?: Record<string, unknown>;
      };
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ via: 'daemon', state: 'idle', files: STATUS.files });
      expect(result.structuredContent).not.toHaveProperty('sources');
      expect(asked).toEqual([{ sources: true }, {}]);
    } finally {
      await client.close();
    }
  }, 30_000);
});
