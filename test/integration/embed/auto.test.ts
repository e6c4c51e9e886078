import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend, readBackendChoice, willMeasure } from '../../../src/embed/auto/choose.js';
import type { BackendChoice } from '../../../src/embed/auto/types.js';
import { hubCacheDir } from '../../../src/embed/model/resolve.js';
import { silentLogger } from '../../../src/log.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest, waitFor } from '../../helpers/daemon.js';
import { testModelSpec } from '../../helpers/index-workspace.js';
import { runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * `type: auto` on this (non-Apple) machine: both fp32 backends measured for real, each in its own
 * process, the faster kept in a cache of its own (a temp XDG_CACHE_HOME); a daemon configured
 * with `type: auto` then runs that backend, indexes and answers, and `model info` says which
 * and why. The workload is cut to one short batch: this tests the choice, not the speeds.
 */
const WORKLOAD = { lengths: [32], repeats: 1 };
/** Two measured model loads and a daemon start on a shared machine. */
const SLOW_MS = 240_000;

const cache = await makeTempDir('auto-cache');
const model = testModelSpec();
/** The temp cache for ragctl's measurements; the model stays where the real HF cache has it. */
const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cache.dir, HF_HUB_CACHE: hubCacheDir() };
delete env.RAGCTL_EMBED_BACKEND;
let choice: BackendChoice;
let ws: DaemonWorkspace | undefined;
let daemon: DaemonProcess | undefined;

beforeAll(async () => {
  // OpenBLAS's kernel measurement has its own test: reuse what this machine measured, if anything.
  const real = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ragctl');
  await mkdir(join(cache.dir, 'ragctl'), { recursive: true });
  const names = await readdir(real).catch(() => [] as string[]);
  for (const name of names.filter((n) => /^openblas-.*\.json$/.test(n)))
    await copyFile(join(real, name), join(cache.dir, 'ragctl', name));
}, SLOW_MS);
afterAll(async () => {
  await endDaemonTest(daemon, ws);
  await cache.cleanup();
});

describe('type auto', () => {
  it(
    'measures each fp32 backend in its own process and keeps the faster one for this CPU',
    async () => {
      // What `ragctl index` asks before it opens the index, to say why the next minute is quiet.
      expect(willMeasure(model, env)).toBe(true);
      expect(willMeasure(model, { ...env, RAGCTL_EMBED_BACKEND: 'onnx' })).toBe(false);
      choice = await chooseBackend(model, env, silentLogger(), { force: true, workload: WORKLOAD });
      expect(choice.source).toBe('measured');
      expect(willMeasure(model, env)).toBe(false);
      const timings = choice.timings ?? [];
      expect(timings.map((t) => t.type).sort()).toEqual(['mlx-bert', 'onnx']);
      for (const t of timings) {
        expect(t.error, `${t.type} failed`).toBeUndefined();
        expect(t.eligible).toBe(true);
        expect(t.totalMs).toBeGreaterThan(0);
        expect(t.perLength[0]?.textsPerSecond).toBeGreaterThan(0);
      }
      const fastest = timings.reduce((a, b) => ((b.totalMs ?? Infinity) < (a.totalMs ?? Infinity) ? b : a));
      expect(choice.type).toBe(fastest.type);
      expect(choice.reason).toContain(choice.type);
      expect(readBackendChoice(choice.file!)?.type).toBe(choice.type);
      // The next start reads it: no second measurement.
      const again = await chooseBackend(model, env, silentLogger());
      expect(again).toMatchObject({ type: choice.type, source: 'cache', file: choice.file });
    },
    SLOW_MS,
  );

  it(
    'a daemon whose config names no type runs auto: the chosen backend, from the cache; model info --json says which and why',
    async () => {
      expect(choice, 'the measurement above ran').toBeDefined();
      // No `type`: auto is the default, so the choice measured above is read, not measured again.
      ws = await DaemonWorkspace.create({ embedders: { default: { model } } });
      await ws.write('wombat.md', '# Burrows\n\nThe wombat digs its burrow with strong claws at dusk.\n');
      daemon = await DaemonProcess.start(ws, { env });
      const hits = await waitFor(
        'the note to be searchable',
        async () => {
          const found = await daemon!.search('wombat burrow');
          return found.some((h) => h.path === ws!.path('wombat.md')) ? found : undefined;
        },
        SLOW_MS / 2,
      );
      expect(hits[0]?.path).toBe(ws.path('wombat.md'));
      const ready = ws.logLines().find((l) => l.msg === 'embed worker ready') as
        | { backend: string; details: Record<string, unknown> }
        | undefined;
      expect(ready?.details).toMatchObject({ auto: choice.type, autoSource: 'cache' });
      expect(ready?.backend).toBe(choice.type === 'onnx' ? 'onnx-cpu' : 'mlx-cpu');

      const info = await runCli(['model', 'info', '--json', '--config', ws.configFile], {
        cwd: ws.root,
        env,
      });
      expect(info.code, info.stderr).toBe(0);
      const runtime = (JSON.parse(info.stdout) as { runtime: Record<string, unknown> }).runtime;
      expect(runtime).toMatchObject({
        type: 'auto',
        chosen: choice.type,
        source: 'measured',
        reason: choice.reason,
      });
      expect(runtime.timings).toEqual(choice.timings);
    },
    SLOW_MS,
  );
});
