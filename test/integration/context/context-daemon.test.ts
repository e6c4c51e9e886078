import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContextResultJson } from '../../../src/context/types.js';
import { isRagError } from '../../../src/errors.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest, waitFor } from '../../helpers/daemon.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/context', import.meta.url));

/** Start-up, then the first indexing of three small files (model load included) on a busy 2-core box. */
const INDEXED_MS = 60_000;

/** The keys of a `--json` block: the documented shape, nothing missing and nothing extra. */
const BLOCK_KEYS = [
  'end_line',
  'engine',
  'heading_path',
  'path',
  'role',
  'score',
  'start_line',
  'symbol',
  'text',
];

describe('context over the socket (a real daemon) and from the CLI (through it, and without it)', () => {
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess | undefined;
  const ragctl = (...args: string[]) => runCli([...args, '--config', ws.configFile], { cwd: ws.root });
  const question = { query: 'digest of one tarball member', engine: 'code', symbol: 'Archive.pack.*', k: 1 };

  beforeAll(async () => {
    ws = await DaemonWorkspace.create();
    await ws.write('code/lib/archive.py', await readFile(`${FIXTURES}/archive.py`, 'utf8'));
    await ws.write('docs/garden.md', await readFile(`${FIXTURES}/garden.md`, 'utf8'));
    await ws.writeConfig({
      engines: {
        md: { chunker: 'markdown' },
        code: { chunker: 'code', mapper: 'code', include: ['**/*.py'] },
      },
      sources: [
        { path: ws.path('docs'), engine: 'md' },
        { path: ws.path('code'), engine: 'code' },
      ],
    });
    daemon = await DaemonProcess.start(ws);
    await waitFor(
      'both files indexed',
      async () => (await daemon!.status()).files === 2 && (await daemon!.status()).queue_depth === 0,
      INDEXED_MS,
    );
  }, INDEXED_MS + 30_000);
  afterAll(async () => {
    await endDaemonTest(daemon, ws);
  });

  it('answers `context` on the socket: the hit with its method, class and imports', async () => {
    const result = await daemon!.request('context', { ...question, budget: 1500 });
    expect(result.budget).toBe(1500);
    expect(result.tokens).toBeGreaterThan(0);
    expect(result.tokens).toBeLessThanOrEqual(1500);
    expect(result.blocks.map((b) => [b.role, b.symbol])).toEqual([
      ['imports', 'lib/archive.py'],
      ['parent', 'lib/archive.py:Archive'],
      ['parent', 'lib/archive.py:Archive.pack'],
      ['hit', 'lib/archive.py:Archive.pack.rolling_member_digest'],
    ]);
  });

  it('refuses a bad budget on the socket, naming the field', async () => {
    const err = await daemon!.request('context', { ...question, budget: 3 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRagError(err) && err.code).toBe('E_PROTOCOL');
    expect(String((err as Error).message)).toContain(
      'params.budget must be an integer from 16 to 200000, not 3',
    );
  });

  it('ragctl context --json asks the daemon and prints the documented shape', async () => {
    const r = await ragctl(
      'context',
      '--json',
      '--budget',
      '1500',
      '--engine',
      'code',
      '--symbol',
      'Archive.pack.*',
      '-k',
      '1',
      'digest',
      'of',
      'one',
      'tarball',
      'member',
    );
    expect(r.code, r.stderr).toBe(0);
    const json = oneJsonLine(r) as unknown as ContextResultJson & { via: string };
    expect(json.via).toBe('daemon');
    expect(Object.keys(json).sort()).toEqual([
      'blocks',
      'budget',
      'dropped',
      'query',
      'tokenizer',
      'tokens',
      'took_ms',
      'via',
    ]);
    expect(json.query).toBe('digest of one tarball member');
    expect(json.tokenizer).toBe('embedder');
    expect(json.blocks).toHaveLength(4);
    // `outline` only on a class's outline.
    for (const b of json.blocks)
      expect(Object.keys(b).sort()).toEqual(
        b.outline === true ? [...BLOCK_KEYS, 'outline'].sort() : BLOCK_KEYS,
      );
    const hit = json.blocks[3]!;
    expect(hit).toMatchObject({
      path: ws.path('code/lib/archive.py'),
      start_line: 17,
      end_line: 22,
      role: 'hit',
      engine: 'code',
      symbol: 'lib/archive.py:Archive.pack.rolling_member_digest',
      heading_path: ['Archive', 'Archive.pack'],
    });
    expect(typeof hit.score).toBe('number');
    expect(hit.text).toContain('digest = hashlib.sha1()');
  });

  it('ragctl context prints blocks ready to paste: path and lines on each; a bad budget exits 2', async () => {
    const r = await ragctl('context', '--engine', 'md', '-k', '1', 'pruning roses in late winter');
    expect(r.code, r.stderr).toBe(0);
    const headers = r.stdout.split('\n').filter((l) => l.startsWith('--- '));
    expect(headers).toHaveLength(3);
    expect(headers[1]).toMatch(/^--- notes\/docs\/garden\.md:\d+-\d+ Garden › Roses \(hit \d\.\d{3}\)$/);
    expect(headers[0]).toMatch(/\(neighbour\)$/);
    expect(r.stdout).toContain('Roses are pruned in late winter');
    expect(r.stderr).toMatch(/\(\d+ of 2000 tokens\)/);

    const bad = await ragctl('context', '--budget', 'lots', 'roses');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--budget must be an integer from 16 to 200000, not "lots"');
  });

  it('ragctl context --tokenizer counts with an LLM encoding and says which; an unknown one exits 2', async () => {
    const r = await ragctl(
      'context',
      '--json',
      '--tokenizer',
      'cl100k_base',
      '--budget',
      '300',
      'pruning roses',
    );
    expect(r.code, r.stderr).toBe(0);
    const json = oneJsonLine(r) as unknown as ContextResultJson;
    expect(json.tokenizer).toBe('cl100k_base');
    expect(json.tokens).toBeLessThanOrEqual(300);

    const bad = await ragctl('context', '--tokenizer', 'gpt4', 'roses');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--tokenizer must be one of embedder, cl100k_base, o200k_base, not "gpt4"');
    const socket = await daemon!
      .request('context', {
        ...question,
        // The socket takes any JSON: a wrong name on purpose.
        tokenizer: 'o200k_bas' as 'o200k_base',
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(String((socket as Error).message)).toContain(
      `params.tokenizer must be one of embedder, cl100k_base, o200k_base, not "o200k_bas" (did you mean 'o200k_base'?)`,
    );
  });

  it('without a daemon, ragctl context reads the index directly and gives the same blocks', async () => {
    const viaDaemon = await daemon!.request('context', question);
    await daemon!.stop();
    daemon = undefined;
    const r = await ragctl(
      'context',
      '--json',
      '--engine',
      'code',
      '--symbol',
      'Archive.pack.*',
      '-k',
      '1',
      'digest of one tarball member',
    );
    expect(r.code, r.stderr).toBe(0);
    const json = oneJsonLine(r) as unknown as ContextResultJson & { via: string };
    expect(json.via).toBe('index');
    expect(json.blocks.map((b) => [b.path, b.start_line, b.end_line, b.role, b.text])).toEqual(
      viaDaemon.blocks.map((b) => [b.path, b.start_line, b.end_line, b.role, b.text]),
    );

    // `context.tokenizer` in the config is the default a request may override.
    await ws.writeConfig({ ...ws.rawConfig(), context: { tokenizer: 'o200k_base' } });
    const configured = oneJsonLine(await ragctl('context', '--json', '-k', '1', 'pruning roses'));
    expect(configured.tokenizer).toBe('o200k_base');
    const overridden = oneJsonLine(
      await ragctl('context', '--json', '-k', '1', '--tokenizer', 'embedder', 'pruning roses'),
    );
    expect(overridden.tokenizer).toBe('embedder');
  });
});
