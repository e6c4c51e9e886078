import { cp, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { emptyContext, formatContext } from '../../../src/context/format.js';
import type { ContextParams, ContextResultJson, WireContextBlock } from '../../../src/context/types.js';
import type { Embedder } from '../../../src/embed/types.js';
import type { Workspace } from '../../helpers/index-workspace.js';
import { usePipeline } from '../../helpers/pipeline.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/context', import.meta.url));

/** Lines the assembler writes itself: where a nested block was cut out, or the first hit was cut. */
const NOTE =
  /^\s*… \((lines \d+-\d+ (below|cut: over the budget)|\d+ more imports?, not used by the code shown)\)$/;

describe('the context assembler over a real index (code and markdown, real model and LanceDB)', () => {
  const pipeline = usePipeline('file');
  let model: Embedder;
  let ws: Workspace;
  let app: App;
  const files = new Map<string, string[]>();
  const context = (params: ContextParams): Promise<ContextResultJson> => app.context.assemble(params);
  /** Tokens of the printed context, counted apart from the code under test: the model's count less [CLS]/[SEP]. */
  const tokensOf = (text: string) => model.tokenizer.countTokens(text) - model.tokenizer.countTokens('');

  beforeAll(async () => {
    model = pipeline.model;
    ws = await pipeline.workspace('context');
    // Two sources: code under code/ (symbols are named relative to it: lib/archive.py), notes under docs/.
    await cp(FIXTURES, ws.path('code/lib'), { recursive: true });
    await cp(`${FIXTURES}/garden.md`, ws.path('docs/garden.md'));
    for (const rel of ['code/lib/archive.py', 'code/lib/queue.ts', 'code/lib/feeds.py', 'docs/garden.md'])
      files.set(ws.path(rel), (await readFile(ws.path(rel), 'utf8')).split('\n'));
    app = await pipeline.open(
      ws.config({
        engines: {
          md: { chunker: 'markdown' },
          code: { chunker: 'code', mapper: 'code', include: ['**/*.py', '**/*.ts'] },
        },
        sources: [
          { path: ws.path('docs'), engine: 'md' },
          { path: ws.path('code'), engine: 'code' },
        ],
      }),
      pipeline.counter(),
    );
    const run = await app.indexer.reconcile();
    expect(run.filesAdded).toBe(4);
  });

  /** Every line a block shows is a whole line of its file (or a summary's elided signature, or a note). */
  function expectWholeLines(block: WireContextBlock): void {
    const lines = files.get(block.path)!;
    for (const line of block.text.split('\n')) {
      if (NOTE.test(line) || lines.includes(line)) continue;
      const signature = line.replace(/ (\.\.\.|…|\{ … \})$/, '');
      expect(
        signature !== line && lines.some((l) => l.startsWith(signature)),
        `${block.path}:${block.start_line}: ${JSON.stringify(line)} is a line of the file`,
      ).toBe(true);
    }
  }

  it('a hit in a nested function brings the method and the class around it, and the imports', async () => {
    const result = await context({
      query: 'digest of one tarball member',
      engine: 'code',
      symbol: 'Archive.pack.*',
      k: 1,
    });
    const path = ws.path('code/lib/archive.py');
    expect(result.blocks.map((b) => [b.role, b.symbol, b.start_line, b.end_line])).toEqual([
      ['imports', 'lib/archive.py', 2, 4],
      ['parent', 'lib/archive.py:Archive', 7, 30],
      ['parent', 'lib/archive.py:Archive.pack', 13, 26],
      ['hit', 'lib/archive.py:Archive.pack.rolling_member_digest', 17, 22],
    ]);
    expect(result.blocks.every((b) => b.path === path)).toBe(true);
    const [imports, cls, method, hit] = result.blocks as [
      WireContextBlock,
      WireContextBlock,
      WireContextBlock,
      WireContextBlock,
    ];
    expect(imports.text).toBe('import hashlib\nimport tarfile\nfrom pathlib import Path');
    // The class as its header and member signatures; the method whole but for the nested
    // function, which is shown once, as the hit.
    expect(cls.text).toContain('class Archive:');
    expect(cls.text).toContain('def size(self): …');
    // Said to be an outline, in --json and in the text an agent reads: not the file's lines.
    expect(cls.outline).toBe(true);
    expect([imports, method, hit].some((b) => b.outline)).toBe(false);
    expect(formatContext(result)).toContain('Archive (parent; outline, bodies elided)');
    expect(method.text).toContain('def pack(self, name):');
    expect(method.text).toContain('        … (lines 17-22 below)');
    expect(method.text).toContain('return target');
    expect(method.text).not.toContain('hashlib.sha1()');
    expect(hit.text).toContain('digest = hashlib.sha1()');
    expect(hit.text.startsWith('        def rolling_member_digest(member):')).toBe(true);
    for (const b of result.blocks) expectWholeLines(b);
    expect(result.tokens).toBe(tokensOf(formatContext(result)));
    expect(result.tokens).toBeLessThanOrEqual(result.budget);
  });

  it('a TypeScript method brings its class summary and the import block', async () => {
    const result = await context({
      query: 'delay before the next attempt doubles',
      engine: 'code',
      symbol: 'RetryQueue.backoffDelay',
      k: 1,
    });
    expect(result.blocks.map((b) => [b.role, b.symbol])).toEqual([
      ['imports', 'lib/queue.ts'],
      ['parent', 'lib/queue.ts:RetryQueue'],
      ['hit', 'lib/queue.ts:RetryQueue.backoffDelay'],
    ]);
    expect(result.blocks[0]!.text).toContain("import { EventEmitter } from 'node:events';");
  });

  it('a markdown hit has its heading path and, when the budget allows, the sections before and after', async () => {
    const wide = await context({ query: 'pruning roses in late winter', engine: 'md', k: 1 });
    expect(wide.blocks.map((b) => [b.role, b.heading_path.at(-1)])).toEqual([
      ['neighbour', 'Tomatoes'],
      ['hit', 'Roses'],
      ['neighbour', 'Compost'],
    ]);
    const hit = wide.blocks[1]!;
    expect(hit.heading_path).toEqual(['Garden', 'Roses']);
    expect(hit.text).toContain('Roses are pruned in late winter');
    expect(formatContext(wide)).toContain(
      `--- ${hit.path}:${hit.start_line}-${hit.end_line} Garden › Roses (hit `,
    );
    for (const b of wide.blocks) expectWholeLines(b);

    // Room for the hit and not for a neighbour: the neighbours are the ones left out.
    const hitOnly = tokensOf(formatContext({ ...wide, blocks: [hit] }));
    const narrow = await context({
      query: 'pruning roses in late winter',
      engine: 'md',
      k: 1,
      budget: hitOnly + 5,
    });
    expect(narrow.blocks.map((b) => b.role)).toEqual(['hit']);
    expect(narrow.dropped).toBe(2);
    expect(narrow.tokens).toBe(hitOnly);
  });

  it('never goes over its budget, never repeats a block, and cuts only between lines', async () => {
    const questions = [
      'digest of one tarball member',
      'retry a failing job later',
      'how big is the archive on disk',
      'what goes into the compost heap',
      'watering and feeding tomatoes',
    ];
    for (const query of questions) {
      for (const budget of [16, 40, 90, 200, 400, 900, 2000, 8000]) {
        const result = await context({ query, budget });
        const where = `"${query}" in ${budget} tokens`;
        expect(result.budget, where).toBe(budget);
        expect(result.tokens, where).toBeLessThanOrEqual(budget);
        expect(tokensOf(formatContext(result)), where).toBe(result.tokens);
        const keys = result.blocks.map((b) => `${b.path}:${b.start_line}-${b.end_line}`);
        expect(new Set(keys).size, `${where}: ${keys.join(', ')}`).toBe(keys.length);
        for (const b of result.blocks) expectWholeLines(b);
        // A block inside another one shown whole would repeat its lines: the outer one must cut it out.
        for (const inner of result.blocks)
          for (const outer of result.blocks) {
            const isInside =
              inner !== outer &&
              inner.path === outer.path &&
              outer.start_line <= inner.start_line &&
              inner.end_line <= outer.end_line;
            if (isInside) expect(outer.text.includes(inner.text), `${where}: ${keys.join(', ')}`).toBe(false);
          }
      }
    }
  });

  it('counts the budget with a named LLM tokenizer: never over it by that count, and fitted by it, not by the embedder', async () => {
    // Counted apart from the code under test: js-tiktoken's own o200k encoder on the printed text.
    const { Tiktoken } = await import('js-tiktoken/lite');
    const o200k = new Tiktoken((await import('js-tiktoken/ranks/o200k_base')).default);
    const llmTokensOf = (text: string) => o200k.encode(text, [], []).length;
    let countsDisagree = 0;
    let overByEmbedder = 0;
    for (const query of [
      'digest of one tarball member',
      'retry a failing job later',
      'watering and feeding tomatoes',
    ]) {
      for (const budget of [40, 200, 900]) {
        const where = `"${query}" in ${budget} o200k tokens`;
        const llm = await context({ query, budget, tokenizer: 'o200k_base' });
        expect(llm.tokenizer, where).toBe('o200k_base');
        const text = formatContext(llm);
        expect(llmTokensOf(text), where).toBeLessThanOrEqual(budget);
        // What it says it used is the safe side of the real count (a line break between blocks counts 1).
        expect(llm.tokens, where).toBeGreaterThanOrEqual(llmTokensOf(text));
        expect(llm.tokens, where).toBeLessThanOrEqual(budget);
        if (tokensOf(text) !== llmTokensOf(text)) countsDisagree++;
        // WordPiece spends more tokens on code and paths: the same budget by o200k holds more.
        if (tokensOf(text) > budget) overByEmbedder++;
      }
    }
    expect(countsDisagree).toBeGreaterThan(0);
    expect(overByEmbedder).toBeGreaterThan(0);
    // Without the parameter: the embedder's count, and it says so.
    expect((await context({ query: 'retry a failing job later', budget: 200 })).tokenizer).toBe('embedder');
  });

  it('refuses a tokenizer it does not know, naming the ones it does', async () => {
    const err = await context({
      query: 'retry a failing job later',
      tokenizer: 'o200k' as ContextParams['tokenizer'],
    }).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(err?.code).toBe('E_USAGE');
    expect(err?.message).toBe(
      `tokenizer must be one of embedder, cl100k_base, o200k_base, not "o200k" (did you mean 'o200k_base'?)`,
    );
  });

  it('a function too long for one chunk comes whole: its header and the body parts after it, as one hit', async () => {
    const ask = (budget?: number) =>
      context({
        query: 'manifest line per archived entry',
        engine: 'code',
        symbol: 'write_manifest',
        k: 1,
        budget,
      });
    const result = await ask();
    const lines = files.get(ws.path('code/lib/archive.py'))!;
    expect(result.blocks.map((b) => [b.role, b.symbol, b.start_line, b.end_line])).toEqual([
      ['imports', 'lib/archive.py', 2, 4],
      ['hit', 'lib/archive.py:write_manifest', 38, 71],
    ]);
    // Header and parts together are the whole function, each line once, in order.
    expect(result.blocks[1]!.text).toBe(lines.slice(37, 71).join('\n'));
    expect(result.tokens).toBe(tokensOf(formatContext(result)));

    // Less room: the header and as many parts as fit, and the block says which lines it shows.
    const seen = new Set<number>();
    for (let budget = 40; budget < result.tokens; budget += 8) {
      const small = await ask(budget);
      expect(small.tokens).toBeLessThanOrEqual(budget);
      const hit = small.blocks.find((b) => b.role === 'hit');
      if (!hit) continue;
      const shown = hit.text.split('\n').filter((l) => !NOTE.test(l));
      expect(hit.start_line).toBe(38);
      expect(shown.join('\n')).toBe(lines.slice(37, 37 + shown.length).join('\n'));
      expect(hit.end_line, `budget ${budget}`).toBe(37 + shown.length);
      seen.add(hit.end_line);
    }
    // The header alone, the header with some of its body, and more: not only all or nothing.
    expect(seen.size).toBeGreaterThan(2);
  });

  it('a hit in a later part of a long function brings the rest of it: the function whole', async () => {
    const result = await context({
      query: 'symbolic links are listed but not followed; large entry with its bytes',
      engine: 'code',
      symbol: 'write_manifest',
      mode: 'text',
      k: 1,
    });
    const lines = files.get(ws.path('code/lib/archive.py'))!;
    const whole = result.blocks.find((b) => b.symbol === 'lib/archive.py:write_manifest');
    // The hit was a part (its own range ends the function, past the header's lines).
    const hit = await app.search.search({
      query: 'symbolic links are listed but not followed; large entry with its bytes',
      engine: 'code',
      symbol: 'write_manifest',
      mode: 'text',
      k: 1,
    });
    expect(hit.results[0]!.metadata.part).toBeGreaterThan(1);
    expect(whole).toMatchObject({ role: 'hit', start_line: 38, end_line: 71 });
    expect(whole!.text).toBe(lines.slice(37, 71).join('\n'));
  });

  it('an import block too long for one chunk comes as one block, cut to the imports the hit uses', async () => {
    const result = await context({
      query: 'date of the newest entry in a feed',
      engine: 'code',
      symbol: 'newest_entry_date',
      k: 1,
      budget: 4000,
    });
    const lines = files.get(ws.path('code/lib/feeds.py'))!;
    const last = lines.findLastIndex((l) => l.startsWith('import ')) + 1;
    expect(result.blocks.map((b) => [b.role, b.symbol, b.start_line, b.end_line])).toEqual([
      ['imports', 'lib/feeds.py', 3, last],
      ['hit', 'lib/feeds.py:newest_entry_date', last + 3, last + 6],
    ]);
    // One block of the whole import statement's range, cut to the imports the hit uses.
    const [imports, hitBlock] = result.blocks as [WireContextBlock, WireContextBlock];
    const shown = imports.text.split('\n');
    expect(shown.at(-1)).toMatch(/^… \(\d+ more imports, not used by the code shown\)$/);
    const kept = shown.slice(0, -1);
    expect(kept.length).toBeGreaterThan(0);
    for (const line of kept) {
      expect(lines.slice(2, last)).toContain(line);
      expect(hitBlock.text).toContain(line.split(' as ').at(-1)!.trim());
    }
    // It was more than one chunk in the index: the blocks were joined, not read whole.
    const chunks = await app.search.search({
      query: 'feed module imports',
      engine: 'code',
      path: '**/feeds.py',
      mode: 'vector',
      k: 20,
      // Each row: a search shows a block's parts as one hit.
      every: true,
    });
    expect(chunks.results.filter((h) => h.metadata.kind === 'imports').length).toBeGreaterThan(1);
  });

  it('with a budget not even the first line fits, says the hit is over it, not that nothing was found', async () => {
    const result = await context({ query: 'digest of one tarball member', engine: 'code', k: 1, budget: 16 });
    expect(result.blocks).toEqual([]);
    expect(result.dropped).toBeGreaterThan(0);
    expect(emptyContext(result)).toBe(
      `No context for “digest of one tarball member”: its first hit alone is over the budget of 16 tokens (${result.dropped} blocks found); raise the budget.`,
    );
    expect(emptyContext({ ...result, dropped: 0 })).toBe(
      'No context for “digest of one tarball member”: nothing found.',
    );
  });

  it('with a budget too small for the top hit, cuts it after its last whole line that fits', async () => {
    const result = await context({
      query: 'digest of one tarball member',
      engine: 'code',
      symbol: 'Archive.pack',
      k: 1,
      budget: 80,
    });
    expect(result.blocks).toHaveLength(1);
    const [cut] = result.blocks as [WireContextBlock];
    expect(cut.role).toBe('hit');
    expect(cut.start_line).toBe(13);
    expect(cut.end_line).toBeLessThan(26);
    expect(cut.text.split('\n').at(-1)).toBe(`… (lines ${cut.end_line + 1}-26 cut: over the budget)`);
    expect(result.tokens).toBeLessThanOrEqual(80);
    expectWholeLines(cut);
  });
});
