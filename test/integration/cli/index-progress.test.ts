import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess, DaemonWorkspace, endDaemonTest } from '../../helpers/daemon.js';
import { paragraph, Workspace } from '../../helpers/index-workspace.js';
import { RAGCTL_BIN, runCli } from '../../helpers/run-cli.js';

/** Enough sections that one file's new chunks take many of the embedder's batches. */
const SECTIONS = 300;

/**
 * Runs `ragctl …args` with stderr on a terminal (util-linux `script` gives it a pty): the
 * progress bar draws only there. Returns everything the terminal received.
 */
function runOnTerminal(args: readonly string[], cwd: string): Promise<{ code: number | null; out: string }> {
  const command = [process.execPath, RAGCTL_BIN, ...args]
    .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
    .join(' ');
  const env = { ...process.env };
  delete env.RAGCTL_CONFIG;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
      cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('ragctl index progress inside one big file', () => {
  let ws: Workspace;
  let config: string;

  beforeAll(async () => {
    ws = await Workspace.create('cli-index-progress');
    const body = Array.from({ length: SECTIONS }, (_, i) => `## Part ${i}\n\n${paragraph(`word${i}`)}\n`);
    await ws.write('big.md', `# Big\n\n${body.join('\n')}`);
    config = await ws.writeConfig({ engines: { md: { chunker: 'markdown', chunkMinTokens: 8 } } });
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('moves while the file is embedded, with its chunk count growing, before the file is done', async () => {
    const result = await runOnTerminal(['index', '--config', config], ws.root);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('1 file indexed');
    const counts = [...result.out.matchAll(/0\/1 files · embedding \S*big\.md: (\d+)\/(\d+) chun/g)].map(
      (m) => ({
        done: Number(m[1]),
        total: Number(m[2]),
      }),
    );
    // Several draws inside the one file, each further on than the last, all of one total.
    expect(counts.length, result.out).toBeGreaterThanOrEqual(3);
    const total = counts[0]!.total;
    expect(total).toBeGreaterThanOrEqual(SECTIONS);
    for (const [i, c] of counts.entries()) {
      expect(c.total).toBe(total);
      if (i > 0) expect(c.done).toBeGreaterThan(counts[i - 1]!.done);
    }
    expect(counts.some((c) => c.done > 0 && c.done < total)).toBe(true);
  }, 300_000);
});

describe('ragctl status while the daemon embeds one big file', () => {
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    ws = await DaemonWorkspace.create({ engines: { md: { chunker: 'markdown', chunkMinTokens: 8 } } });
    daemon = await DaemonProcess.start(ws);
    await daemon.idle();
  });
  afterAll(() => endDaemonTest(daemon, ws));

  it('shows the file and its chunks embedded so far, growing, then nothing once it is indexed', async () => {
    const body = Array.from({ length: SECTIONS }, (_, i) => `## Part ${i}\n\n${paragraph(`word${i}`)}\n`);
    const big = await ws.write('big.md', `# Big\n\n${body.join('\n')}`);
    const first = await daemon.until(
      'the big file being embedded',
      (s) => s.embedding?.path === big && s.embedding.chunks_done * 2 < s.embedding.chunks,
      120_000,
    );
    // Half of its chunks are left: seconds of embedding, far longer than a CLI call.
    const text = await runCli(['status', '--config', ws.configFile], { cwd: ws.root });
    expect(text.stdout).toMatch(/^now: +embedding \S*big\.md: \d+\/\d+ chunks(, about \d+ (s|min) left)?$/m);
    const seen: number[] = [first.embedding!.chunks_done];
    let total = first.embedding!.chunks;
    // Its own pace, once measured: the time its chunks left take, and at least the status's ETA.
    const etas: Array<{ file: number; all: number | null }> = [];
    await daemon.until(
      'the big file indexed',
      (s) => {
        if (s.embedding && s.embedding.path === big) {
          total = s.embedding.chunks;
          if (seen.at(-1) !== s.embedding.chunks_done) seen.push(s.embedding.chunks_done);
          if (typeof s.embedding.eta_seconds === 'number')
            etas.push({ file: s.embedding.eta_seconds, all: s.eta_seconds });
        }
        return s.files === 1 && s.state === 'idle';
      },
      240_000,
    );
    expect(etas.length, 'readings with the file’s time left').toBeGreaterThan(0);
    for (const e of etas) expect(e.all).toBeGreaterThanOrEqual(e.file);
    // Several readings inside the one file, each further on than the last, short of its total.
    expect(seen.length, JSON.stringify(seen)).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    expect(seen.at(-1)!).toBeLessThan(total);
    const status = await runCli(['status', '--json', '--config', ws.configFile], { cwd: ws.root });
    expect(JSON.parse(status.stdout)).toMatchObject({ embedding: null, files: 1 });
  }, 300_000);
});
