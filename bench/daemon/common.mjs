// Shared by the daemon benchmarks: corpus copies, a temp config, a real `ragctl daemon run`
// child, /proc sampling, percentiles and the results file. Nothing here imports ragctl's
// internals except the socket client (dist/ipc/client.js), the same one the CLI uses.
import { execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { rng } from '../stats.mjs';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const BIN = join(REPO, 'bin', 'ragctl.js');
export const INGEST_CORPUS = join(REPO, 'bench', 'data', 'ingest-corpus');
const TEMPLATE = join(import.meta.dirname, 'config.template.yaml');
const OUT_DIR = join(REPO, 'bench', 'out');

/** /proc/<pid>/stat times are in clock ticks; 100 on every Linux we run on (getconf CLK_TCK). */
const CLK_TCK = 100;
/** A daemon that has not stopped this long after SIGTERM is SIGKILLed (it gives itself 12 s). */
const STOP_GRACE_MS = 15_000;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let clientModule;
/** The built socket client; a clear message when `npx tsc -p tsconfig.json` has not run. */
export async function ipc() {
  if (clientModule) return clientModule;
  const path = join(REPO, 'dist', 'ipc', 'client.js');
  if (!existsSync(path)) throw new Error(`${path} is missing: build first (npx tsc -p tsconfig.json)`);
  clientModule = await import(path);
  return clientModule;
}

/**
 * parseArgs with `--help`: `spec` maps flag → [default, help]. Every value comes back as a
 * string (or boolean for `false` defaults); callers convert.
 */
export function flags(usage, spec) {
  const options = { help: { type: 'boolean', default: false } };
  for (const [name, [def]] of Object.entries(spec))
    options[name] =
      typeof def === 'boolean' ? { type: 'boolean', default: def } : { type: 'string', default: def };
  const { values } = parseArgs({ options, strict: true });
  if (values.help) {
    const lines = Object.entries(spec).map(
      ([n, [d, h]]) => `  --${n.padEnd(16)} ${h} (default: ${d === '' ? 'none' : d})`,
    );
    console.log(`${usage}\n\n${lines.join('\n')}`);
    process.exit(0);
  }
  return values;
}

export function int(values, name) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${values[name]}`);
  return n;
}

// ---------------------------------------------------------------- cleanup, whatever happens

const cleanups = [];
const syncCleanups = [];
/** Registers async clean-up for a normal or failed end, and a sync fallback for process exit. */
export function onCleanup(asyncFn, syncFn) {
  cleanups.push(asyncFn);
  if (syncFn) syncCleanups.push(syncFn);
}

let cleaning;
export function cleanupAll() {
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error(`clean-up step failed: ${err?.message ?? err}`);
      }
    }
  })();
  return cleaning;
}

process.on('exit', () => {
  for (const fn of syncCleanups.reverse()) {
    try {
      fn();
    } catch {
      // Exiting anyway: nothing more can be done from an exit handler.
    }
  }
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    console.error(`${sig}: cleaning up`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

/** Runs a benchmark body; on success or failure the daemon is stopped and temp data removed. */
export async function runMain(body) {
  let code = 0;
  try {
    await body();
  } catch (err) {
    console.error(err?.stack ?? err);
    code = 1;
  }
  await cleanupAll();
  process.exit(code);
}

// ---------------------------------------------------------------- work folder and corpus

/**
 * A work folder: a fresh temp dir removed at the end, or `keep` (a path) left in place so a big
 * corpus and its index can be reused by the next run (the start-up reconcile then finds nothing
 * to do).
 */
export function workFolder(keep, prefix) {
  if (keep) {
    mkdirSync(keep, { recursive: true });
    return resolve(keep);
  }
  const dir = mkdtempSync(join(tmpdir(), `ragctl-daemon-bench-${prefix}-`));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  onCleanup(async () => remove(), remove);
  return dir;
}

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

export function listFiles(dir) {
  return [...walk(dir)];
}

// The seeded generator (bench/stats.mjs), so two runs pick the same files and queries.
export { rng };

export function shuffle(xs, random) {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/**
 * Copies `n` markdown files of the ingest corpus (bench/ingest/make-corpus.mjs) into `dest`. Fewer than
 * the corpus holds: a seeded random sample, so package docs and tldr pages are mixed. More:
 * every file, then padding — real files of the corpus again, in the same seeded order, under
 * `pad-<round>/<original path>` (their text is identical to the original's, so their chunks
 * reuse its vectors only if the indexer dedupes by content; BM25 sees duplicates).
 * An existing `dest` with exactly these files (a kept work folder) is reused as it is.
 */
export function buildCorpus(dest, n, seed = 1) {
  let source;
  try {
    // Only files the daemon indexes: markdown outside dot-folders (the default include globs,
    // `**/*.md` and co., do not match `.github/` or `.history/`).
    source = listFiles(INGEST_CORPUS).filter(
      (f) =>
        /\.(md|markdown|mdx)$/i.test(f) &&
        !relative(INGEST_CORPUS, f)
          .split('/')
          .some((part) => part.startsWith('.')),
    );
  } catch {
    throw new Error(
      `${INGEST_CORPUS} is missing: node bench/ingest/make-corpus.mjs --tldr /work/.mirror/tldr-pages+tldr/repo`,
    );
  }
  const order = shuffle(source, rng(seed));
  const marker = join(dest, '.bench-corpus.json');
  const wanted = { n, seed, sourceFiles: source.length };
  if (
    existsSync(marker) &&
    JSON.stringify(JSON.parse(readFileSync(marker, 'utf8')).wanted) === JSON.stringify(wanted)
  ) {
    return { ...JSON.parse(readFileSync(marker, 'utf8')).summary, reused: true };
  }
  rmSync(dest, { recursive: true, force: true });
  const files = [];
  for (let i = 0; i < n; i++) {
    const src = order[i % order.length];
    const round = Math.floor(i / order.length);
    const rel = relative(INGEST_CORPUS, src);
    const to = join(dest, round === 0 ? rel : join(`pad-${round}`, rel));
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(src, to);
    files.push(to);
  }
  const summary = {
    files: n,
    real: Math.min(n, order.length),
    padded: Math.max(0, n - order.length),
    sourceFiles: order.length,
  };
  // Dot-files are not markdown: the indexer ignores the marker.
  writeFileSync(marker, JSON.stringify({ wanted, summary }));
  return summary;
}

/** The first `n` package READMEs of bench/data/quality-corpus (by path) copied into `dest`; their count. */
export function copyReadmes(dest, n) {
  const corpus = join(REPO, 'bench', 'data', 'quality-corpus');
  const files = listFiles(corpus)
    .filter((f) => /\.md$/i.test(f))
    .sort()
    .slice(0, n);
  for (const f of files) {
    const to = join(dest, relative(corpus, f));
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(f, to);
  }
  return files.length;
}

/**
 * Writes the benchmark config for a corpus; returns the paths a run needs. `embedder` is the
 * embedder type (`mlx-bert`, `onnx`, `auto`), so one script compares backends under the daemon.
 */
export function writeConfig(work, corpus, { logLevel = 'info', embedder = 'mlx-bert' } = {}) {
  const dataDir = join(work, 'data');
  const socket = join(dataDir, 'run', 'ragd.sock');
  const logFile = join(work, 'ragd.log');
  const text = readFileSync(TEMPLATE, 'utf8')
    .replace('"@DATA_DIR@"', JSON.stringify(dataDir))
    .replace('"@SOCKET@"', JSON.stringify(socket))
    .replace('"@LOG_LEVEL@"', JSON.stringify(logLevel))
    .replace('"@LOG_FILE@"', JSON.stringify(logFile))
    .replace('"@CORPUS@"', JSON.stringify(corpus))
    .replace('type: mlx-bert', `type: ${embedder}`);
  const config = join(work, 'config.yaml');
  writeFileSync(config, text);
  return { config, dataDir, socket, logFile, logLevel };
}

// ---------------------------------------------------------------- the daemon process

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every descendant of `pid` (the embed worker, and anything it started), from /proc. */
export function descendants(pid) {
  const out = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      let kids = '';
      try {
        kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const k of kids.trim().split(/\s+/).filter(Boolean).map(Number)) {
        if (!out.includes(k)) {
          out.push(k);
          stack.push(k);
        }
      }
    }
  }
  return out;
}

/**
 * Starts `node bin/ragctl.js daemon run --config <config>` (or another checkout's `bin`) and
 * resolves once its socket answers `status`. The returned handle's `stop()` sends SIGTERM,
 * waits, then SIGKILLs the daemon and any worker left (the embed worker runs in its own process
 * group, so it is killed by pid). The socket is asked with this checkout's client.
 */
export async function startDaemon({
  config,
  socket,
  work,
  logFile,
  logLevel,
  env = {},
  readyTimeoutMs = 180_000,
  bin = BIN,
}) {
  const { request } = await ipc();
  const stderrFile = join(work, 'daemon-stderr.log');
  writeFileSync(stderrFile, '');
  const child = spawn(process.execPath, [bin, 'daemon', 'run', '--config', config], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  child.stderr.on('data', (b) => appendFileSync(stderrFile, b));
  const pid = child.pid;
  const known = new Set();
  let exited = false;
  const exitedP = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  exitedP.then(() => {
    exited = true;
  });
  const remember = () => {
    for (const k of descendants(pid)) known.add(k);
  };
  const killAllSync = () => {
    for (const p of [pid, ...known]) if (isAlive(p)) process.kill(p, 'SIGKILL');
  };
  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      remember();
      if (!exited) {
        child.kill('SIGTERM');
        const done = await Promise.race([exitedP.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
        if (!done) {
          console.error(`daemon ${pid} did not stop within ${STOP_GRACE_MS} ms: SIGKILL`);
          child.kill('SIGKILL');
          await exitedP;
        }
      }
      // The worker exits when its IPC channel closes; give it a moment, then make sure.
      for (let i = 0; i < 20 && [...known].some(isAlive); i++) await sleep(100);
      for (const p of known) if (isAlive(p)) process.kill(p, 'SIGKILL');
    })();
    return stopping;
  };
  onCleanup(stop, killAllSync);

  const started = performance.now();
  for (;;) {
    if (exited) {
      throw new Error(
        `the daemon exited during start-up; its stderr:\n${readFileSync(stderrFile, 'utf8').slice(-4000)}`,
      );
    }
    try {
      await request(socket, 'status', {}, { timeoutMs: 5_000 });
      break;
    } catch (err) {
      if (err?.code !== 'E_NO_DAEMON' && err?.code !== 'E_TIMEOUT') throw err;
    }
    if (performance.now() - started > readyTimeoutMs)
      throw new Error(`no answer on ${socket} after ${readyTimeoutMs} ms`);
    await sleep(100);
  }
  const answeringMs = performance.now() - started;
  // The socket answers before the watcher is up and the start-up reconcile is queued (status
  // says idle meanwhile); "ragd started" is logged once both are done.
  const logsInfo = ['trace', 'debug', 'info'].includes(logLevel);
  while (logsInfo) {
    if (exited) throw new Error(`the daemon exited during start-up; see ${stderrFile}`);
    let log = '';
    try {
      log = readFileSync(logFile, 'utf8');
    } catch {
      // Not created yet.
    }
    if (log.includes('"msg":"ragd started"')) break;
    if (performance.now() - started > readyTimeoutMs)
      throw new Error(`no "ragd started" in ${logFile} after ${readyTimeoutMs} ms`);
    await sleep(100);
  }
  remember();
  return {
    pid,
    /** Until the socket answered status. */
    answeringMs,
    socket,
    stderrFile,
    /** Until "ragd started" was logged (watcher up, start-up reconcile queued); = answeringMs below log level info. */
    startMs: performance.now() - started,
    /** The embed worker(s): found from /proc, as the daemon starts them on its own schedule. */
    workers() {
      remember();
      return descendants(pid);
    },
    get exited() {
      return exited;
    },
    stop,
  };
}

/**
 * Waits until the daemon has finished indexing: `idle` with an empty queue on `stable`
 * consecutive polls, after it was seen indexing or reached `minFiles`. (Right after start the
 * daemon can report idle for a moment, before its start-up reconcile is queued.)
 */
export async function waitIdle(
  socket,
  { minFiles = 0, pollMs = 1_000, stable = 3, timeoutMs = 6 * 3600_000, onPoll } = {},
) {
  const { request } = await ipc();
  const started = performance.now();
  let seenIndexing = false;
  let streak = 0;
  let last;
  for (;;) {
    last = await request(socket, 'status', {}, { timeoutMs: 60_000 });
    onPoll?.(last);
    if (last.state === 'degraded') throw new Error(`daemon degraded: ${last.reason} (fix: ${last.fix})`);
    if (last.state === 'indexing' || last.queue_depth > 0) seenIndexing = true;
    const ready = last.state === 'idle' && last.queue_depth === 0 && (seenIndexing || last.files >= minFiles);
    streak = ready ? streak + 1 : 0;
    if (streak >= stable) return { status: last, waitedMs: performance.now() - started };
    if (performance.now() - started > timeoutMs)
      throw new Error(`still not idle after ${timeoutMs} ms: ${JSON.stringify(last)}`);
    await sleep(pollMs);
  }
}

/** Prints indexing progress at most every `everyMs`. */
export function progressPrinter(label, everyMs = 10_000) {
  let lastAt = 0;
  const t0 = performance.now();
  return (s) => {
    const now = performance.now();
    if (now - lastAt < everyMs) return;
    lastAt = now;
    console.error(
      `${label}: ${((now - t0) / 1000).toFixed(0)} s, ${s.state}, ${s.files} files, ${s.chunks} chunks, queue ${s.queue_depth}, ${s.rate} files/s`,
    );
  };
}

// ---------------------------------------------------------------- /proc sampling

/** utime+stime (s), RSS (MB), threads, and context switches summed over the process's threads. */
export function procSample(pid) {
  let stat;
  let status;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces: split after its closing parenthesis.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  let voluntary = 0;
  let involuntary = 0;
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      try {
        const ts = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
        voluntary += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(ts)?.[1] ?? 0);
        involuntary += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(ts)?.[1] ?? 0);
      } catch {
        // A thread that ended between readdir and read.
      }
    }
  } catch {
    return null;
  }
  return {
    atMs: performance.now(),
    cpuS: (Number(f[11]) + Number(f[12])) / CLK_TCK,
    rssMb: field('VmRSS') / 1024,
    threads: field('Threads'),
    voluntary,
    involuntary,
  };
}

// ---------------------------------------------------------------- statistics and output

/** Nearest-rank percentile of unsorted numbers; NaN for none. */
export function pct(xs, p) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function summarise(xs) {
  return {
    n: xs.length,
    p50: pct(xs, 50),
    p95: pct(xs, 95),
    p99: pct(xs, 99),
    max: xs.length ? Math.max(...xs) : NaN,
    min: xs.length ? Math.min(...xs) : NaN,
    mean: xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN,
  };
}

/** The parts of a daemon's `status.memory` (bytes) that the memory benches report. */
export const MEMORY_PARTS = {
  rss: (m) => m.rss_bytes,
  heapUsed: (m) => m.heap_used_bytes,
  external: (m) => m.external_bytes,
  arrayBuffers: (m) => m.array_buffers_bytes,
  storeCache: (m) => m.store_cache_bytes,
  // What neither V8 nor LanceDB's caches account for: native allocations and the allocator's slack.
  rest: (m) => m.rss_bytes - m.heap_used_bytes - m.external_bytes - m.store_cache_bytes,
};

/** Least-squares slope of y over x. */
export function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : NaN;
}

export const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '–');

export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/** The machine as the results file records it, with the load average: these numbers are noisy on a busy box. */
export function machine() {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  let commit = 'unknown';
  try {
    const git = (a) => execFileSync('git', a, { cwd: REPO, encoding: 'utf8' }).trim();
    commit =
      git(['rev-parse', '--short', 'HEAD']) +
      (git(['status', '--porcelain', '--', 'src']) ? ' (src has uncommitted changes)' : '');
  } catch {
    // Not a git checkout: leave it unknown.
  }
  return {
    commit,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    loadAvgAtStart: load,
  };
}

export function loadAvg() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

export function writeResults(name, results) {
  mkdirSync(OUT_DIR, { recursive: true });
  const file = join(OUT_DIR, `daemon-${name}-${new Date().toISOString().replace(/[:.]/g, '')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

/**
 * The daemon's JSON log lines with `msg` (pino: `time` is epoch ms), or [] when the log is
 * missing. Used only for optional breakdowns: the log's content is not a stable interface.
 */
export function logLines(logFile, msg) {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return [];
  }
  const out = [];
  for (const line of text.split('\n')) {
    if (!line.includes(`"msg":"${msg}"`)) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // A line cut by a crash: skip it.
    }
  }
  return out;
}
