#!/usr/bin/env node
// Offline replay of hybrid's fusion on the code bases, chosen leave-one-base-out.
//
//   node bench/code/fusion-replay.mjs --dump --base click   # after eval.mjs built the index
//   node bench/code/fusion-replay.mjs [--brief]             # replay click, ajv, flask, pflag, toml dumps
//
// --dump saves, per question, the two legs as hybrid asked for them before §30 at k 10: the
// vector leg's top 50 (vector mode, k 50: same filter, same scan) and the full-text leg with the
// class summaries left out (text mode k 200 read, summary kinds dropped; a candidate fusion drops
// its own kinds and keeps the first 50, as the live leg's `where` does: BM25's statistics are the
// table's either way), each hit with its kind and, for a part of a
// split definition, its part number and head chunk; plus the live hybrid top 10, to check that
// the replay of what src/ ships reproduces it. → bench/out/code-legs-<base>.json
//
// The replay then ranks every question under each candidate fusion, prints the per-question
// analysis (what hybrid puts above an answer that vector ranks higher, and why; --brief skips it),
// and for each rotation (choose on the other bases by mean MRR@10, report on the held-out one) the
// held-out paired difference chosen − before §30 with bootstrap 95 % intervals, and §30's keep
// rule per family.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bootstrapMean } from '../stats.mjs';
import { isAnswer } from './judge.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const out = join(repo, 'bench/out');
const { values: args } = parseArgs({
  options: {
    dump: { type: 'boolean', default: false },
    base: { type: 'string' },
    bases: { type: 'string', default: 'click,ajv,flask,pflag,toml' },
    /** Skip the per-question analysis of the shipped fusion. */
    brief: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    resamples: { type: 'string', default: '10000' },
  },
});
const K = 10;
const POOL = 50;
// The store's own normalisation and the code mapper's summary kinds, so the replay cannot drift from them.
register('../store/ts-loader.mjs', import.meta.url);
const { normalizedScores } = await import('../../src/store/search.js');
const SUMMARY_KINDS = new Set((await import('../../src/engines/code/types.js')).SUMMARY_KINDS);
const { TEST_PATHS } = await import('../../src/engines/code/test-paths.js');
const { codeMapper } = await import('../../src/engines/code-mapper.js');
/** What src/ ships now, as a replay setting: its text-leg kinds beyond the summaries, its test factor. */
const SRC_NOW = {
  w: 0.5,
  textSkipKinds: codeMapper.hybridTextSkip.value.filter((kind) => !SUMMARY_KINDS.has(kind)),
  testFactor: codeMapper.hybridRankDown?.factor,
  testPaths: codeMapper.hybridRankDown?.paths,
};

async function dump(base) {
  const { loadConfig } = await import('../../src/config/load.js');
  const { createLogger } = await import('../../src/log.js');
  const { App } = await import('../../src/app.js');
  const dir = join(here, base);
  const config = loadConfig({ configPath: join(dir, 'config.yaml') });
  const root = config.sources[0].path;
  const questions = readFileSync(join(dir, 'questions.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  const app = await App.open(config, {
    logger: createLogger({ level: 'warn', pretty: false }),
    readConsistencyS: 0,
  });
  const slim = (h) => {
    const rel = relative(root, h.path);
    const s = typeof h.metadata?.symbol === 'string' ? h.metadata.symbol : '';
    return {
      id: h.id,
      rel,
      symbol: s.startsWith(`${rel}:`) ? s.slice(rel.length + 1) : s === rel ? '' : s,
      kind: h.metadata?.kind ?? '',
      // The definition a part of a split function belongs to (its head chunk's id), for the parts family.
      part: typeof h.metadata?.part === 'number' ? h.metadata.part : null,
      parent: typeof h.metadata?.parentScope === 'string' ? h.metadata.parentScope : null,
      startLine: h.startLine,
      endLine: h.endLine,
      score: h.score,
    };
  };
  const rows = [];
  try {
    for (const q of questions) {
      const vector = (await app.search.search({ query: q.question, mode: 'vector', k: POOL })).results.map(
        slim,
      );
      const textAll = (await app.search.search({ query: q.question, mode: 'text', k: 200 })).results.map(
        slim,
      );
      // Deeper than the pool: a candidate that leaves more kinds out of the text leg takes its 50
      // from what is left, as the live leg's `where` does.
      const text = textAll.filter((h) => !SUMMARY_KINDS.has(h.kind));
      const hybrid = (await app.search.search({ query: q.question, mode: 'hybrid', k: K })).results.map(slim);
      rows.push({ id: q.id, question: q.question, relevant: q.relevant, vector, text, hybrid });
    }
  } finally {
    await app.close();
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `code-legs-${base}.json`), JSON.stringify({ base, questions: rows }));
  console.error(`${base}: ${rows.length} questions → bench/out/code-legs-${base}.json`);
}

// --- replay ----------------------------------------------------------------------------------

/** A chunk's definition: a part of a split definition belongs to its head chunk (its parent). */
const definitionOf = (h) => (h.part !== null && h.part !== undefined && h.parent ? h.parent : h.id);

/** Test code by its path, the conventions of the bases' languages (Go, Python, JS/TS). */
const isTestPath = (rel, paths = TEST_PATHS) => paths.test(rel);

/** Keeps a list's best member of each definition (lists are best first). */
function bestPerDefinition(list) {
  const seen = new Set();
  return list.filter((h) => {
    const d = definitionOf(h);
    if (seen.has(d)) return false;
    seen.add(d);
    return true;
  });
}

/**
 * src/store/search.ts's fusion, with its knobs open: weight, text pool, RRF, file evidence,
 * text-leg kinds, and the levers of §30: split parts collapsed (`parts`: best | sum | per-leg),
 * test files' fused score multiplied by `testFactor`.
 */
function fuse(q, s) {
  let byVector = q.vector.slice(0, s.vectorPool ?? POOL);
  let byText = q.text.filter((h) => !(s.textSkipKinds ?? []).includes(h.kind)).slice(0, s.textPool ?? POOL);
  if (s.parts === 'per-leg') {
    byVector = bestPerDefinition(byVector);
    byText = bestPerDefinition(byText);
  }
  // Per-leg collapsing fuses by definition, so the two legs' best parts of one function meet.
  const keyOf = s.parts === 'per-leg' ? definitionOf : (h) => h.id;
  const fused = new Map();
  const add = (list, weight, rrf) => {
    const n = normalizedScores(list);
    list.forEach((h, i) => {
      const c = rrf ? 1 / (60 + i + 1) : weight * (n.get(h.id) ?? 0);
      const key = keyOf(h);
      const seen = fused.get(key);
      if (!seen) fused.set(key, { ...h, score: c, best: c });
      else {
        seen.score += c;
        // The representative is the member that brought the larger contribution.
        if (c > seen.best) Object.assign(seen, { ...h, score: seen.score, best: c });
      }
    });
  };
  add(byVector, s.w, s.rrf);
  add(byText, 1 - s.w, s.rrf);
  let hits = [...fused.values()];
  if (s.testFactor !== undefined)
    hits = hits.map((h) => (isTestPath(h.rel, s.testPaths) ? { ...h, score: h.score * s.testFactor } : h));
  hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  if (s.parts === 'best') hits = bestPerDefinition(hits);
  if (s.parts === 'sum') {
    const total = new Map();
    for (const h of hits) total.set(definitionOf(h), (total.get(definitionOf(h)) ?? 0) + h.score);
    hits = bestPerDefinition(hits).map((h) => ({ ...h, score: total.get(definitionOf(h)) }));
    hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  }
  const f = s.file ?? 0.01;
  const perFile = new Map();
  for (const h of hits) {
    const x = perFile.get(h.rel) ?? { sum: 0, count: 0 };
    x.sum += h.score;
    x.count++;
    perFile.set(h.rel, x);
  }
  hits = hits.map((h) => {
    const x = perFile.get(h.rel);
    return { ...h, fusedScore: h.score, score: h.score + f * (x.count > 1 ? x.sum - h.score : 0) };
  });
  hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  return hits.slice(0, K);
}

const rankOf = (q, hits) => {
  const i = hits.findIndex(isAnswer(q));
  return i < 0 ? null : i + 1;
};
const METRICS = {
  'R@5': (r) => (r !== null && r <= 5 ? 1 : 0),
  'R@10': (r) => (r !== null && r <= 10 ? 1 : 0),
  'MRR@10': (r) => (r !== null && r <= 10 ? 1 / r : 0),
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

function candidates() {
  // The baseline of §25 and §30's keep rule: summaries out of the text leg, nothing else.
  const list = [{ name: 'before §30', w: 0.5 }];
  for (const w of [0.55, 0.6, 0.65, 0.7, 0.75, 0.8]) list.push({ name: `w=${w}`, family: 'w', w });
  for (const t of [10, 20, 30]) list.push({ name: `textPool=${t}`, family: 'pool', w: 0.5, textPool: t });
  list.push({ name: 'rrf', family: 'rrf', w: 0.5, rrf: true });
  list.push({ name: 'file=0', family: 'file', w: 0.5, file: 0 });
  list.push({
    name: 'text skips module+imports',
    family: 'kinds',
    w: 0.5,
    textSkipKinds: ['module', 'imports'],
  });
  for (const parts of ['best', 'sum', 'per-leg'])
    list.push({ name: `parts ${parts}`, family: 'parts', w: 0.5, parts });
  for (const t of [0.9, 0.8, 0.7]) list.push({ name: `tests ×${t}`, family: 'tests', w: 0.5, testFactor: t });
  // §30: the families that passed the keep rule alone, together, judged as one family.
  for (const t of [0.9, 0.8, 0.7])
    list.push({
      name: `kinds + tests ×${t}`,
      family: 'kinds+tests',
      w: 0.5,
      textSkipKinds: ['module', 'imports'],
      testFactor: t,
    });
  return list;
}

function replay(bases) {
  const data = Object.fromEntries(
    bases.map((b) => [b, JSON.parse(readFileSync(join(out, `code-legs-${b}.json`), 'utf8')).questions]),
  );
  // The fusion before §30 (summaries out of the text leg only): the baseline the analysis reads.
  const shipped = { w: 0.5 };
  // 1. The replay of what src/ ships must be the live hybrid the dump saved.
  for (const b of bases) {
    let same = 0;
    let before = 0;
    for (const q of data[b]) {
      const live = q.hybrid.map((h) => h.id).join();
      if (
        fuse(q, shipped)
          .map((h) => h.id)
          .join() === live
      )
        before++;
      if (
        fuse(q, SRC_NOW)
          .map((h) => h.id)
          .join() === live
      )
        same++;
      else console.log(`${b} ${q.id}: replay of src ≠ live`);
    }
    console.log(
      `${b}: replay of src's fusion = live hybrid top 10 on ${same}/${data[b].length} (the fusion before §30: ${before})`,
    );
  }
  // 2. Analysis: questions where vector ranks the answer higher than hybrid.
  for (const b of args.brief ? [] : bases)
    for (const q of data[b]) {
      const vr = rankOf(q, q.vector.slice(0, K));
      const hits = fuse(q, shipped);
      const hr = rankOf(q, hits);
      if (vr === null || (hr !== null && hr <= vr)) continue;
      console.log(`\n${b} ${q.id} vector ${vr} hybrid ${hr ?? '-'}: ${q.question}`);
      for (const h of hits.slice(0, hr === null ? K : hr)) {
        const ti = q.text.findIndex((x) => x.id === h.id);
        const vi = q.vector.findIndex((x) => x.id === h.id);
        const file = h.score - h.fusedScore;
        console.log(
          `  ${isAnswer(q)(h) ? '*' : ' '} ${h.kind.padEnd(9)} ${`${h.rel}:${h.symbol || h.startLine}`.padEnd(52)} vec#${vi < 0 ? '-' : vi + 1} text#${ti < 0 ? '-' : `${ti + 1} bm25 ${q.text[ti].score.toFixed(2)}`} fused ${h.fusedScore.toFixed(3)} file +${file.toFixed(4)}`,
        );
      }
    }
  // 3. Every candidate on every base.
  const cands = candidates();
  const ranks = {};
  for (const c of cands) {
    ranks[c.name] = {};
    for (const b of bases) ranks[c.name][b] = data[b].map((q) => rankOf(q, fuse(q, c)));
  }
  const vecRanks = Object.fromEntries(
    bases.map((b) => [b, data[b].map((q) => rankOf(q, q.vector.slice(0, K)))]),
  );
  const fmt = (x) => x.toFixed(3);
  console.log(`\n${'candidate'.padEnd(28)} ${bases.map((b) => `${b} R@5/R@10/MRR@10`.padEnd(26)).join(' ')}`);
  const row = (name, r) =>
    console.log(
      `${name.padEnd(28)} ${bases
        .map((b) =>
          Object.values(METRICS)
            .map((m) => fmt(mean(r[b].map(m))))
            .join('/')
            .padEnd(26),
        )
        .join(' ')}`,
    );
  row('vector leg', vecRanks);
  for (const c of cands) row(c.name, ranks[c.name]);
  // 4. Leave one base out: choose by mean MRR@10 over the two others (ties: the earlier in the list).
  const seed = Number(args.seed);
  const resamples = Number(args.resamples);
  console.log(
    '\nleave-one-base-out (choice on the other bases by mean MRR@10; held-out chosen − before §30, 95 % CI)',
  );
  for (const held of bases) {
    const train = bases.filter((b) => b !== held);
    const score = (c) => mean(train.map((b) => mean(ranks[c.name][b].map(METRICS['MRR@10']))));
    let best = cands[0];
    for (const c of cands) if (score(c) > score(best) + 1e-12) best = c;
    const diffs = Object.entries(METRICS).map(([m, f]) => {
      const d = ranks[best.name][held].map((r, i) => f(r) - f(ranks['before §30'][held][i]));
      const ci = bootstrapMean(d, seed, resamples);
      return `${m} ${mean(d) >= 0 ? '+' : ''}${fmt(mean(d))} [${fmt(ci[0])}, ${fmt(ci[1])}]`;
    });
    console.log(
      `held out ${held}: chosen ${best.name} (train MRR@10 ${fmt(score(best))} vs before §30 ${fmt(score(cands[0]))}) → ${diffs.join('  ')}`,
    );
    // The same within each family, so every knob the brief names gets its own rotation.
    for (const fam of ['w', 'pool', 'rrf', 'file', 'kinds', 'parts', 'tests', 'kinds+tests']) {
      const fc = [cands[0], ...cands.filter((c) => c.family === fam)];
      let fb = fc[0];
      for (const c of fc) if (score(c) > score(fb) + 1e-12) fb = c;
      const d = Object.entries(METRICS).map(([m, f]) => {
        const x = ranks[fb.name][held].map((r, i) => f(r) - f(ranks['before §30'][held][i]));
        return `${m} ${mean(x) >= 0 ? '+' : ''}${fmt(mean(x))}`;
      });
      console.log(`    family ${fam.padEnd(5)} chosen ${fb.name.padEnd(26)} ${d.join('  ')}`);
    }
  }
  verdicts(bases, cands, ranks, data);
}

/**
 * §30's keep rule, per family: in every rotation the held-out choice lowers no metric (paired
 * mean ≥ 0), and the mean held-out MRR@10 difference over the bases is > 0. The tests family
 * must also raise MRR@10 on a base that ships tests and lower nothing on those bases.
 */
function verdicts(bases, cands, ranks, data) {
  const fmt = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
  const seed = Number(args.seed);
  const resamples = Number(args.resamples);
  // How often the top 5 before §30 holds a second chunk of one definition, and how much of it is test code.
  for (const b of bases) {
    let extra = 0;
    let tests = 0;
    let slots = 0;
    for (const q of data[b]) {
      const top = fuse(q, { w: 0.5 }).slice(0, 5);
      slots += top.length;
      extra += top.length - new Set(top.map(definitionOf)).size;
      tests += top.filter((h) => isTestPath(h.rel)).length;
    }
    console.log(
      `${b}: top-5 slots before §30 ${slots}, held by a 2nd+ part of one definition ${extra}, by test files ${tests}`,
    );
  }
  const basesWithTests = bases.filter((b) => data[b].some((q) => q.vector.some((h) => isTestPath(h.rel))));
  console.log(`\n§30 keep rule per family (bases with tests: ${basesWithTests.join(', ') || 'none'})`);
  for (const fam of ['kinds', 'parts', 'tests', 'kinds+tests']) {
    const fc = [cands[0], ...cands.filter((c) => c.family === fam)];
    let holds = true;
    const mrrDiffs = [];
    const byBase = {};
    console.log(`family ${fam}`);
    for (const held of bases) {
      const train = bases.filter((b) => b !== held);
      const score = (c) => mean(train.map((b) => mean(ranks[c.name][b].map(METRICS['MRR@10']))));
      let fb = fc[0];
      for (const c of fc) if (score(c) > score(fb) + 1e-12) fb = c;
      const cells = Object.entries(METRICS).map(([m, f]) => {
        const d = ranks[fb.name][held].map((r, i) => f(r) - f(ranks['before §30'][held][i]));
        const ci = bootstrapMean(d, seed, resamples);
        if (mean(d) < -1e-12) holds = false;
        if (m === 'MRR@10') mrrDiffs.push(mean(d));
        byBase[held] = { ...byBase[held], [m]: mean(d) };
        return `${m} ${fmt(mean(d))} [${fmt(ci[0])}, ${fmt(ci[1])}]`;
      });
      console.log(`  held out ${held.padEnd(6)} chosen ${fb.name.padEnd(26)} ${cells.join('  ')}`);
    }
    const meanMrr = mean(mrrDiffs);
    let pass = holds && meanMrr > 1e-12;
    if (fam.includes('tests'))
      pass =
        pass &&
        basesWithTests.some((b) => byBase[b]['MRR@10'] > 1e-12) &&
        basesWithTests.every((b) => Object.values(byBase[b]).every((x) => x >= -1e-12));
    console.log(
      `  mean held-out MRR@10 ${fmt(meanMrr)}; no metric lowered: ${holds} → ${pass ? 'ADOPT' : 'keep before §30'}`,
    );
  }
}

if (args.dump) {
  if (!args.base) throw new Error('--dump needs --base click|ajv|flask');
  await dump(args.base);
} else {
  replay(args.bases.split(','));
}
