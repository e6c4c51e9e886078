#!/usr/bin/env node
// A live PostgreSQL log rotated by Debian's logrotate policy (copytruncate, delaycompress,
// compress: /etc/logrotate.d/postgresql-common) under a running daemon: is every statement
// indexed exactly once, under the file that holds it now, after each round of rotations?
//
//   npm run build
//   apt-get install -y logrotate    # and PostgreSQL's server binaries (scripts/setup.sh)
//   node bench/sql/logrotate.mjs [--rounds 6] [--burst 600] [--rate 100] [--during 3] [--between 1]
//     [--gzip-pause-s 1.5] [--noise-tps 0] [--down 2,4] [--keep <dir>]
//
// Real parts only: a private PostgreSQL (initdb in a temp dir, run as `postgres` under root; no
// TCP) writing its stderr log with `pg_ctl -l`, as Debian's clusters do (no collector,
// log_min_duration_statement = 0, the README's prefix), `logrotate -f` on a config of the stock
// policy for that folder, and `ragctl daemon run` with one sql source: the folder. Each round
// runs --burst statements `SELECT 'lrmark blkNNNN mNNNNNN'` (unique markers; psql, --chunk a
// call, --rate a second), rotates --during times while they run and --between times after, then
// polls until every marker the folder's files hold (read here, .gz decompressed) is found exactly
// once by search over the socket (text mode, `every`, one search per block of 100 markers),
// under the file that holds it, each row holding its statement alone, and `status` is idle,
// counts the files on disk, and lists nothing skipped or failing; and stays so --stable-s.
// Reported per round: markers written (all rounds so far), on disk (copytruncate loses what the
// server writes between its copy and its truncate; a .gz past `rotate` is deleted), indexed
// once, missing, duplicated, under another file, rows of markers no file holds any more (a
// file renamed or removed by the rotation), mangled rows, and the seconds from the round's
// last write (a statement or a rotation's end) until all was right; then `ragctl status`.
//
// --gzip-pause-s: logrotate compresses through a `compresscmd` that is gzip, its output held
// back that long before its first byte and again halfway, so the daemon sees the .gz empty and
// then cut short, as it would a big log's; 0 is plain gzip. How often it read one cut short is
// counted from its log. --noise-tps: pgbench beside each burst (a busy server's log, megabytes
// to copy and compress). --down: rounds whose statements and rotations happen while the daemon
// is stopped (its start-up walk finds them).
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import {
  BIN,
  flags,
  fmt,
  int,
  ipc,
  loadAvg,
  logLines,
  machine,
  runMain,
  sleep,
  startDaemon,
  table,
  workFolder,
  writeResults,
} from '../daemon/common.mjs';

const run = promisify(execFile);

const args = flags('node bench/sql/logrotate.mjs [options]', {
  rounds: ['6', 'rounds of a burst and its rotations'],
  burst: ['600', 'marker statements per round'],
  chunk: ['10', 'statements per psql call'],
  rate: ['100', 'statements per second in a burst, so that it lasts while the rotations run'],
  'noise-tps': [
    '0',
    'beside each burst, pgbench runs this many statements a second of one text (a busy server: a log of megabytes to copy and compress; one vector, reused)',
  ],
  'noise-bytes': ['2000', 'length of the noise statement'],
  during: ['3', 'rotations while a burst runs, spread over it'],
  between: ['1', 'rotations after a burst, before the check'],
  rotate: ['10', "logrotate's `rotate` (the stock policy keeps 10): older .gz files are deleted"],
  'gzip-pause-s': [
    '1.5',
    "seconds gzip's output is held back before its first byte and again halfway (0: plain gzip)",
  ],
  down: ['', 'rounds (comma-separated) run with the daemon stopped; it starts again before their check'],
  'timeout-s': ['120', 'give up on a round when not all is indexed by then'],
  'stable-s': ['3', 'how long a round must stay right after it first is'],
  embedder: ['onnx', 'embedder type of the daemon'],
  pg: ['', "PostgreSQL's bin folder; default the newest /usr/lib/postgresql/<v>/bin"],
  keep: ['', 'work folder to keep; default a temp dir, removed'],
});

/** Markers per search: a block's rows are well under search's k limit (1000) even when duplicated. */
const BLOCK = 100;
/** Between two looks at the index while a round converges. */
const POLL_MS = 250;
const LOG_NAME = 'postgresql-15-main.log';
const MARKER = /lrmark blk(\d+) m(\d+)/;
/** A marker's row as the sql engine indexes it: the statement and nothing else. */
const WHOLE_ROW = /^SELECT 'lrmark blk\d+ m\d+';?$/;

const pad = (n, w) => String(n).padStart(w, '0');
const markerText = (m) => `lrmark blk${pad(Math.floor((m - 1) / BLOCK), 4)} m${pad(m, 6)}`;

function pgBin() {
  if (args.pg) return args.pg;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'pg_ctl'))) return join(root, v, 'bin');
  throw new Error('PostgreSQL server binaries not found: run scripts/setup.sh, or pass --pg');
}

function logrotateBin() {
  for (const p of ['/usr/sbin/logrotate', '/sbin/logrotate', '/usr/bin/logrotate'])
    if (existsSync(p)) return p;
  throw new Error('logrotate not found: apt-get install -y logrotate');
}

/** uid/gid of `postgres` under root (the server refuses to run as root); ours otherwise. */
function serverUser() {
  if (process.getuid() !== 0) return { asUser: [], uid: process.getuid(), gid: process.getgid() };
  const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { asUser: ['runuser', '-u', 'postgres', '--'], uid: id('-u'), gid: id('-g') };
}

/** The markers each file of `dir` holds now (.gz decompressed): marker → [paths]. */
function markersOnDisk(dir) {
  const where = new Map();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    let bytes = readFileSync(path);
    if (name.endsWith('.gz')) bytes = gunzipSync(bytes);
    for (const line of bytes.toString('utf8').split('\n')) {
      if (!line.includes('statement: SELECT')) continue;
      const m = MARKER.exec(line);
      if (!m) continue;
      const n = Number(m[2]);
      where.set(n, [...(where.get(n) ?? []), path]);
    }
  }
  return where;
}

async function main() {
  const onMachine = { ...machine(), openblasCoretype: process.env.OPENBLAS_CORETYPE ?? null };
  const { request } = await ipc();
  const bin = pgBin();
  const logrotate = logrotateBin();
  const rounds = int(args, 'rounds');
  const burst = int(args, 'burst');
  const chunk = Math.max(1, int(args, 'chunk'));
  const rate = Math.max(1, int(args, 'rate'));
  const noiseTps = int(args, 'noise-tps');
  const downRounds = new Set(args.down ? args.down.split(',').map(Number) : []);
  const during = int(args, 'during');
  const between = int(args, 'between');
  const gzipPauseS = Number(args['gzip-pause-s']);
  const timeoutMs = int(args, 'timeout-s') * 1000;
  const stableMs = Number(args['stable-s']) * 1000;

  const work = workFolder(args.keep || undefined, 'logrotate');
  // A kept folder starts over: a new server, log and index.
  for (const d of ['pg', 'logs', 'sql', 'data']) rmSync(join(work, d), { recursive: true, force: true });
  rmSync(join(work, 'logrotate.state'), { force: true });
  chmodSync(work, 0o755);
  const { asUser, uid, gid } = serverUser();
  const pgDir = join(work, 'pg');
  const logs = join(work, 'logs');
  const sqlDir = join(work, 'sql');
  for (const d of [pgDir, logs, sqlDir]) {
    mkdirSync(d, { recursive: true });
    chownSync(d, uid, gid);
  }
  const log = join(logs, LOG_NAME);
  const port = String(20000 + (process.pid % 20000));
  const pg = (cmd, cmdArgs) => {
    const [file, ...rest] = [...asUser, join(bin, cmd), ...cmdArgs];
    return run(file, rest, { cwd: pgDir, maxBuffer: 64 << 20 });
  };
  const psqlFile = (file) =>
    pg('psql', [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-o',
      '/dev/null',
      '-h',
      pgDir,
      '-p',
      port,
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-f',
      file,
    ]);

  // The stock policy, forced; `su root root` as Debian's file has it (only root may say it).
  const gzipCmd = join(work, 'slow-gzip');
  writeFileSync(
    gzipCmd,
    `#!/bin/sh
# gzip, its output held back: first nothing (the .gz is empty), then half of it, then the rest.
t=$(mktemp) || exit 1
gzip "$@" > "$t" || exit 1
n=$(stat -c %s "$t"); h=$((n / 2))
sleep ${gzipPauseS}
head -c "$h" "$t"
sleep ${gzipPauseS}
tail -c +"$((h + 1))" "$t"
rm -f "$t"
`,
    { mode: 0o755 },
  );
  const lrConf = join(work, 'logrotate.conf');
  writeFileSync(
    lrConf,
    `${logs}/*.log {
       weekly
       rotate ${int(args, 'rotate')}
       copytruncate
       delaycompress
       compress
       notifempty
       missingok
${process.getuid() === 0 ? '       su root root\n' : ''}${gzipPauseS > 0 ? `       compresscmd ${gzipCmd}\n` : ''}}
`,
  );
  const rotations = [];
  const rotateOnce = async (round, when) => {
    const t0 = performance.now();
    await run(logrotate, ['-f', '-s', join(work, 'logrotate.state'), lrConf]);
    rotations.push({ round, when, atMs: t0, seconds: (performance.now() - t0) / 1000 });
    return performance.now();
  };

  const noiseFile = join(sqlDir, 'noise.sql');
  writeFileSync(noiseFile, `SELECT 'noise ${'x'.repeat(Math.max(0, int(args, 'noise-bytes') - 16))}';\n`, {
    mode: 0o644,
  });
  await pg('initdb', ['-D', join(pgDir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const settings = {
    listen_addresses: "''",
    unix_socket_directories: `'${pgDir}'`,
    port,
    fsync: 'off',
    // Debian's clusters: no collector, the server's stderr into the file logrotate copies.
    logging_collector: 'off',
    log_min_duration_statement: '0',
    log_line_prefix: `'%m [%p] %q%u@%d '`,
  };
  const options = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  await pg('pg_ctl', ['-D', join(pgDir, 'data'), '-w', '-l', log, '-o', options, 'start']);
  const stopPg = async () => {
    await pg('pg_ctl', ['-D', join(pgDir, 'data'), '-w', '-m', 'fast', 'stop']).catch((err) =>
      console.error(`pg_ctl stop: ${err.message}`),
    );
  };

  const dataDir = join(work, 'data');
  const socket = join(dataDir, 'run', 'ragd.sock');
  const logFile = join(work, 'ragd.log');
  const config = join(work, 'config.yaml');
  writeFileSync(
    config,
    `${JSON.stringify(
      {
        dataDir,
        socketPath: socket,
        log: { level: 'info', file: logFile },
        embedders: { default: { type: args.embedder, model: 'sentence-transformers/all-MiniLM-L6-v2' } },
        sources: [{ path: logs, engine: 'sql' }],
      },
      null,
      2,
    )}\n`,
  );
  let daemon;
  let statusText = '';
  const results = [];
  try {
    daemon = await startDaemon({ config, socket, work, logFile, logLevel: 'info' });

    /** Every row search finds for the markers `1..written`: marker → [paths]. */
    const indexed = async (written) => {
      const where = new Map();
      const mangled = [];
      const blocks = Math.ceil(written / BLOCK);
      for (let b = 0; b < blocks; b++) {
        const query = `blk${pad(b, 4)}`;
        const r = await request(
          socket,
          'search',
          { query, mode: 'text', engine: 'sql', every: true, k: 1000 },
          { timeoutMs: 30_000 },
        );
        for (const hit of r.results) {
          const m = MARKER.exec(hit.text);
          if (!m) continue;
          // A row holding more than its statement: lines of two reads run together.
          if (!WHOLE_ROW.test(hit.text.trim()))
            mangled.push({ path: hit.path, text: hit.text.slice(0, 300) });
          if (m[1] !== pad(b, 4)) continue;
          const n = Number(m[2]);
          where.set(n, [...(where.get(n) ?? []), hit.path]);
        }
      }
      return { where, mangled };
    };

    /** Markers vs the index now; `ok` when each on disk is found once, under its file, and nothing else is. */
    const compare = async (written) => {
      const disk = markersOnDisk(logs);
      const { where: index, mangled } = await indexed(written);
      const status = await request(socket, 'status', { sources: true }, { timeoutMs: 30_000 });
      let once = 0;
      let dupes = 0;
      let wrongFile = 0;
      const missing = [];
      for (const [n, paths] of disk) {
        const rows = index.get(n) ?? [];
        if (rows.length === 0) missing.push(n);
        else if (rows.length > 1) dupes++;
        else if (rows[0] !== paths[0]) wrongFile++;
        else once++;
      }
      // Rows of markers no file holds any more (cut by copytruncate, or in a deleted .gz).
      let stale = 0;
      for (const [n, rows] of index) if (!disk.has(n)) stale += rows.length;
      const skipped = (status.sources ?? []).reduce((a, s) => a + s.skipped, 0);
      const settled = status.state === 'idle' && status.queue_depth === 0;
      const filesOnDisk = readdirSync(logs).length;
      const ok =
        missing.length === 0 &&
        dupes === 0 &&
        wrongFile === 0 &&
        stale === 0 &&
        mangled.length === 0 &&
        skipped === 0 &&
        status.files === filesOnDisk &&
        status.last_errors.length === 0 &&
        settled;
      return {
        ok,
        onDisk: disk.size,
        inSeveralFiles: [...disk.values()].filter((p) => p.length > 1).length,
        once,
        missing,
        dupes,
        wrongFile,
        stale,
        mangled: mangled.length,
        mangledSample: mangled.slice(0, 5),
        filesOnDisk,
        status: {
          state: status.state,
          reason: status.reason,
          queue: status.queue_depth,
          files: status.files,
          chunks: status.chunks,
          skipped,
          lastErrors: status.last_errors,
        },
      };
    };

    let written = 0;
    const t0 = performance.now();
    for (let round = 1; round <= rounds; round++) {
      const down = downRounds.has(round);
      // Stopped before the burst, started after its rotations: the start-up walk finds them.
      if (down) await daemon.stop();
      const calls = Math.ceil(burst / chunk);
      const spanMs = (burst / rate) * 1000;
      const start = performance.now();
      const until = (ms) => sleep(Math.max(0, start + ms - performance.now()));
      // Rotations beside the burst, evenly spaced over it; one at a time (logrotate locks its
      // state file), so a slow one delays the next, never the statements.
      const rotating = (async () => {
        let end = 0;
        for (let i = 1; i <= during; i++) {
          await until((i * spanMs) / (during + 1));
          end = await rotateOnce(round, 'during');
        }
        return end;
      })();
      const noise =
        noiseTps > 0
          ? pg('pgbench', [
              ...['-h', pgDir, '-p', port, '-U', 'postgres', '-n', '-c', '1', '-f', noiseFile],
              ...['-R', String(noiseTps), '-T', String(Math.ceil(spanMs / 1000)), 'postgres'],
            ])
          : Promise.resolve();
      let lastWriteMs = 0;
      for (let c = 0; c < calls; c++) {
        await until((c * chunk * 1000) / rate);
        const from = written + 1;
        const to = Math.min(written + chunk, written + (burst - c * chunk));
        const file = join(sqlDir, `r${round}-c${c}.sql`);
        let text = '';
        for (let m = from; m <= to; m++) text += `SELECT '${markerText(m)}';\n`;
        writeFileSync(file, text, { mode: 0o644 });
        await psqlFile(file);
        written = to;
        lastWriteMs = performance.now();
      }
      await noise;
      lastWriteMs = Math.max(lastWriteMs, performance.now(), await rotating);
      for (let i = 0; i < between; i++) lastWriteMs = await rotateOnce(round, 'between');
      if (down) daemon = await startDaemon({ config, socket, work, logFile, logLevel: 'info' });

      // Converge: right, and still right `stable-s` later.
      let firstOkMs = null;
      let last;
      let polls = 0;
      let first;
      for (;;) {
        last = await compare(written);
        polls++;
        // What the first look saw: the rotation's last steps as search met them.
        first ??= {
          missing: last.missing.length,
          dupes: last.dupes,
          stale: last.stale,
          state: last.status.state,
        };
        const now = performance.now();
        if (last.ok) {
          firstOkMs ??= now;
          if (now - firstOkMs >= stableMs) break;
        } else firstOkMs = null;
        if (now - lastWriteMs > timeoutMs) break;
        await sleep(POLL_MS);
      }
      const row = {
        round,
        daemonDown: down,
        written,
        ...last,
        missing: last.missing.length,
        missingSample: last.missing.slice(0, 10),
        allIndexedS: last.ok ? (firstOkMs - lastWriteMs) / 1000 : null,
        polls,
        firstPoll: first,
        atS: (performance.now() - t0) / 1000,
      };
      results.push(row);
      console.error(
        `round ${round}: written ${written}, on disk ${row.onDisk}, once ${row.once}, missing ${row.missing}, dupes ${row.dupes}, wrong file ${row.wrongFile}, stale ${row.stale}, skipped ${row.status.skipped}, ${row.ok ? `all indexed ${fmt(row.allIndexedS)} s after the last write` : 'NOT converged'}`,
      );
    }
    // What a user sees: `ragctl status` over the same socket.
    statusText = execFileSync(process.execPath, [BIN, 'status', '--config', config], { encoding: 'utf8' });
  } finally {
    await daemon?.stop();
    await stopPg();
  }

  // What the daemon saw of .gz files being written.
  const skippedGz = logLines(logFile, 'skipped').filter((l) => /not a whole gzip file/.test(l.reason ?? ''));
  const files = readdirSync(logs).sort();
  const out = {
    bench: 'sql-logrotate',
    machine: onMachine,
    loadAvgAtEnd: loadAvg(),
    args,
    command: `node bench/sql/logrotate.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    rotations,
    gzSeenCutShort: skippedGz.length,
    filesAtEnd: files,
    rounds: results,
    statusText,
  };
  const file = writeResults('sql-logrotate', out);
  console.log(
    table(
      [
        'round',
        'written',
        'on disk',
        'indexed once',
        'missing',
        'duplicated',
        'wrong file',
        'stale rows',
        'mangled rows',
        'skipped',
        'last write → all indexed',
      ],
      results.map((r) => [
        r.daemonDown ? `${r.round} (daemon down)` : r.round,
        r.written,
        r.onDisk,
        r.once,
        r.missing,
        r.dupes,
        r.wrongFile,
        r.stale,
        r.mangled,
        r.status.skipped,
        r.ok ? `${fmt(r.allIndexedS)} s` : `not in ${args['timeout-s']} s`,
      ]),
    ),
  );
  console.log(
    `\n${rotations.length} rotations (${rotations.filter((r) => r.when === 'during').length} during bursts), ` +
      `each ${fmt(Math.min(...rotations.map((r) => r.seconds)))}–${fmt(Math.max(...rotations.map((r) => r.seconds)))} s; ` +
      `.gz seen cut short ${skippedGz.length}×; files at end: ${files.join(' ')}; ` +
      `${onMachine.cpu}, ${onMachine.cores} cores, OPENBLAS_CORETYPE=${onMachine.openblasCoretype ?? 'unset'}; ` +
      `load at end ${out.loadAvgAtEnd}; ${file}`,
  );
  console.log(`\n$ ragctl status\n${statusText}`);
  const failed = results.filter((r) => !r.ok).map((r) => r.round);
  if (failed.length) throw new Error(`rounds ${failed.join(', ')} did not converge: see ${file}`);
}

runMain(main);
