#!/usr/bin/env node
// A note renamed and another deleted while the daemon was down, beside --new notes written
// meanwhile: while the start-up walk runs, how long does search show the renamed note under
// its old name, under both names, and the deleted note at all?
//
//   npx tsc -p tsconfig.json
//   node bench/daemon/moves-while-down.mjs [--notes 30] [--new 200] [--ragctl <another checkout>/bin/ragctl.js]
//
// --notes small notes at the source's top (note-000.md…, each with its own marker word) are
// indexed by `ragctl index`; then, no daemon running, note-000.md is renamed moved-000.md,
// note-001.md deleted, and --new notes of --parts sections written under new/ (the renamed note
// is walked before them). `ragctl daemon run` is started and, every
// --poll-ms from its spawn until it is idle with every file indexed, both markers are searched
// over its socket (hybrid, `every: true`, `rerank: false`, as a user's `search` minus the
// re-ranker). Times are seconds since the daemon was spawned; a window is from the first to the
// last poll that saw it. The searches embed their query in the worker that embeds the walk's
// files, on both builds alike.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  BIN,
  flags,
  fmt,
  int,
  loadAvg,
  machine,
  rng,
  runMain,
  sleep,
  startDaemon,
  table,
  workFolder,
  writeConfig,
  writeResults,
} from './common.mjs';

const args = flags('node bench/daemon/moves-while-down.mjs [options]', {
  notes: ['30', 'notes indexed before the daemon is down (at least 2)'],
  new: ['200', 'notes written while the daemon is down'],
  parts: ['6', 'sections of 100 seeded random words in each new note (6: about 6 chunks)'],
  ragctl: [BIN, "the ragctl to drive (another checkout's bin/ragctl.js); its dist/ipc/client.js is used too"],
  'poll-ms': ['200', 'between two rounds of searches'],
  'timeout-s': ['600', 'give up when the daemon is not idle by then'],
  embedder: ['onnx', 'embedder type of the daemon'],
  keep: ['', 'work folder to keep; default a temp dir, removed'],
});

const note = (name, word) => `# ${name}\n\nA note holding the word ${word}, and nothing else of note.\n`;

const WORDS =
  'alpha beta gamma delta epsilon river mountain cloud violet orange lemon kernel thread queue socket disk memory vector index table search query engine'.split(
    ' ',
  );

/** A new note: its title, then `parts` sections of 100 seeded random words each ending in `word`. */
function bigNote(name, word, parts, random) {
  let text = `# ${name}\n`;
  for (let p = 0; p < parts; p++) {
    const words = Array.from({ length: 100 }, () => WORDS[Math.floor(random() * WORDS.length)]);
    text += `\n## Part ${p}\n\n${words.join(' ')} ${word}\n`;
  }
  return text;
}

/** The paths among `hits` (and their copies) whose text holds `word`. */
function pathsWith(hits, word) {
  const out = new Set();
  for (const h of hits) {
    if (!h.text.includes(word)) continue;
    out.add(h.path);
    for (const c of h.copies ?? []) out.add(c.path);
  }
  return out;
}

/** First and last time of the polls where `pred` held; null when none did. */
function windowOf(polls, pred) {
  const hit = polls.filter((p) => p.ok && pred(p));
  return hit.length ? { from: hit[0].atS, to: hit.at(-1).atS, polls: hit.length } : null;
}

async function main() {
  const onMachine = machine();
  const bin = resolve(args.ragctl);
  const { request } = await import(join(dirname(bin), '..', 'dist', 'ipc', 'client.js'));
  const nNotes = int(args, 'notes');
  const nNew = int(args, 'new');
  const pollMs = int(args, 'poll-ms');
  if (nNotes < 2) throw new Error('--notes must be at least 2: one is renamed, one deleted');
  const work = workFolder(args.keep || undefined, 'moves');
  const corpus = join(work, 'notes');
  rmSync(corpus, { recursive: true, force: true });
  rmSync(join(work, 'data'), { recursive: true, force: true });
  mkdirSync(corpus, { recursive: true });
  const pad = (i) => String(i).padStart(3, '0');
  for (let i = 0; i < nNotes; i++)
    writeFileSync(join(corpus, `note-${pad(i)}.md`), note(`note ${i}`, `quokka${i}x`));
  const paths = writeConfig(work, corpus, { logLevel: 'info', embedder: args.embedder });
  const indexStart = performance.now();
  execFileSync(process.execPath, [bin, 'index', '--config', paths.config], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const indexS = (performance.now() - indexStart) / 1000;

  // The daemon is down: one rename, one delete, --new new notes.
  const oldPath = join(corpus, `note-${pad(0)}.md`);
  const newPath = join(corpus, `moved-${pad(0)}.md`);
  const gonePath = join(corpus, `note-${pad(1)}.md`);
  const moved = 'quokka0x';
  const deleted = 'quokka1x';
  renameSync(oldPath, newPath);
  rmSync(gonePath);
  mkdirSync(join(corpus, 'new'));
  const random = rng(1);
  const parts = int(args, 'parts');
  for (let i = 0; i < nNew; i++)
    writeFileSync(
      join(corpus, 'new', `fresh-${pad(i)}.md`),
      bigNote(`fresh ${i}`, `wombat${i}x`, parts, random),
    );
  const expected = nNotes - 1 + nNew;

  const loadBefore = loadAvg();
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  const polls = [];
  let idleS;
  // Polls from the spawn on (errors until the socket answers), beside startDaemon's own wait.
  const poller = (async () => {
    const deadline = int(args, 'timeout-s');
    let idleStreak = 0;
    while (idleS === undefined) {
      const atS = since();
      if (atS > deadline) throw new Error(`the daemon was not idle after ${deadline} s`);
      const ask = (query) =>
        request(
          paths.socket,
          'search',
          { query, mode: 'hybrid', rerank: false, every: true, k: 40 },
          { timeoutMs: 10_000 },
        );
      try {
        const [m, d] = await Promise.all([ask(moved), ask(deleted)]);
        const mp = pathsWith(m.results, moved);
        const s = await request(paths.socket, 'status', {}, { timeoutMs: 10_000 });
        polls.push({
          atS,
          ok: true,
          old: mp.has(oldPath),
          new: mp.has(newPath),
          deleted: pathsWith(d.results, deleted).has(gonePath),
          state: s.state,
          files: s.files,
          queue: s.queue_depth,
        });
        const ready = s.state === 'idle' && s.queue_depth === 0 && s.files === expected;
        idleStreak = ready ? idleStreak + 1 : 0;
        // Two in a row: right after start the daemon may say idle before its walk is queued.
        if (idleStreak === 2) idleS = polls.at(-2).atS;
      } catch (err) {
        // Until the socket answers, E_NO_DAEMON; any other answered error is kept and counted.
        if (typeof err?.code !== 'string') throw err;
        polls.push({ atS, ok: false, error: err.code });
      }
      await sleep(pollMs);
    }
  })();
  // Awaited below; marked handled so a failure during startDaemon's wait is not fatal before clean-up.
  poller.catch(() => {});
  const daemon = await startDaemon({ ...paths, work, bin });
  const startedS = daemon.startMs / 1000;
  try {
    await poller;
  } finally {
    await daemon.stop();
  }

  const first = polls.find((p) => p.ok);
  const errors = polls
    .filter((p) => !p.ok && p.error !== 'E_NO_DAEMON')
    .map((p) => `${fmt(p.atS)} s ${p.error}`);
  const newW = windowOf(polls, (p) => p.new);
  const oldW = windowOf(polls, (p) => p.old);
  const bothW = windowOf(polls, (p) => p.old && p.new);
  const neitherW = windowOf(polls, (p) => !p.old && !p.new);
  const deletedW = windowOf(polls, (p) => p.deleted);
  const span = (w) => (w ? w.to - w.from : 0);
  const results = {
    bench: 'moves-while-down',
    machine: onMachine,
    loadAvgBeforeDaemon: loadBefore,
    loadAvgAtEnd: loadAvg(),
    ragctl: bin,
    ragctlCommit: (() => {
      try {
        return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
          cwd: dirname(bin),
          encoding: 'utf8',
        }).trim();
      } catch {
        return 'unknown';
      }
    })(),
    args,
    notes: nNotes,
    newNotes: nNew,
    indexS,
    answeredS: first?.atS ?? null,
    startedS,
    newPathFirstS: newW?.from ?? null,
    oldPathLastS: oldW?.to ?? null,
    both: bothW,
    bothS: span(bothW),
    neither: neitherW,
    deletedLastS: deletedW?.to ?? null,
    idleS,
    errors,
    polls,
  };
  const file = writeResults('moves-while-down', results);
  const s = (x) => (x == null ? '–' : `${fmt(x)} s`);
  const win = (w) => (w ? `${fmt(w.from)}–${fmt(w.to)} s (${fmt(w.to - w.from)} s)` : 'never');
  console.log(
    table(
      [
        'ragctl',
        'new path first found',
        'old path found until',
        'both paths found',
        'deleted note found until',
        'neither path found',
        'start-up run (idle)',
      ],
      [
        [
          results.ragctlCommit,
          s(results.newPathFirstS),
          s(results.oldPathLastS),
          win(bothW),
          s(results.deletedLastS),
          win(neitherW),
          s(idleS),
        ],
      ],
    ),
  );
  console.log(
    `\nseconds since spawn; socket answered at ${s(results.answeredS)}, "ragd started" at ${s(startedS)}; ` +
      `${polls.filter((p) => p.ok).length} polls answered` +
      (errors.length
        ? `, ${errors.length} failed after the socket answered (${errors.slice(0, 3).join(', ')})`
        : '') +
      `; load ${loadBefore} → ${results.loadAvgAtEnd}; ` +
      `${results.machine.cpu}, ${results.machine.cores} cores; ${file}`,
  );
}

runMain(main);
