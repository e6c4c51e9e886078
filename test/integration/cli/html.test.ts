import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paragraph, Workspace } from '../../helpers/index-workspace.js';
import { writePdf } from '../../helpers/pdf-writer.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * A folder of saved HTML pages, a Jupyter notebook, a PDF, office documents, an e-book, a LaTeX
 * paper, a TextEdit note and an Obsidian canvas under a source that
 * names no engine: they are read as the text they show, without the site's menu, the notebook's
 * outputs or the PDF's running heads, and a hit's heading path and lines (a PDF's and a Word
 * document's: pages) are the file's.
 */
describe('ragctl index and search over HTML pages, notebooks, PDFs and Word documents', () => {
  let ws: Workspace;
  let config: string;
  let page: string;
  let notebook: string;
  let pdf: string;
  let word: string;
  let odt: string;
  let slides: string;
  let book: string;
  let paper: string;
  let richText: string;
  let board: string;

  beforeAll(async () => {
    ws = await Workspace.create('cli-html');
    page = await ws.write(
      'docs/deploy.html',
      [
        '<!DOCTYPE html>',
        '<html><head><title>Operations — Handbook</title><script>track("page")</script></head>',
        '<body>',
        '<nav><ul><li><a href="/">Handbook home</a></li><li><a href="/billing">Billing and invoices</a></li></ul></nav>',
        '<main>',
        '<h1>Operations</h1>',
        `<p>${paragraph('how the service runs in production', 2)}</p>`,
        '<h2 id="rollback">Rolling back a release<a class="headerlink" href="#rollback">¶</a></h2>',
        `<p>Roll back with the previous image tag.`,
        `${paragraph('the rollback keeps the database', 2)}</p>`,
        '<pre>',
        'deploy --tag previous',
        '</pre>',
        '</main>',
        '<footer>Billing and invoices are handled by finance.</footer>',
        '</body></html>',
      ].join('\n'),
    );
    notebook = await ws.write(
      'analysis/sales.ipynb',
      await readFile(join(import.meta.dirname, '../../fixtures/notebook/analysis.ipynb'), 'utf8'),
    );
    // Four pages, as a manual prints them: a running head and a page number on each.
    const body = (topic: string) =>
      paragraph(topic, 4)
        .split(/(?<=\.) /)
        .map((text, i) => ({ text, y: 670 - 14 * i }));
    const sections = [
      'Nightly backups',
      'Restoring a backup',
      'Monitoring the replicas',
      'Upgrading the cluster',
    ];
    pdf = await ws.write(
      'manuals/backup.pdf',
      writePdf(
        sections.map((title, n) => [
          { text: 'Runbook for the storage team', y: 760, size: 9 },
          { text: title, y: 700, size: 16 },
          ...(title === 'Restoring a backup'
            ? [{ text: 'Stop the database, then unpack the newest archive into the data folder.', y: 684 }]
            : []),
          ...body(title.toLowerCase()),
          { text: String(n + 1), y: 40, size: 9 },
        ]),
        { outline: sections.map((title, page) => ({ title, page, top: 715 })) },
      ),
    );
    // Written by pandoc (test/fixtures/docx/README.md): a real writer's Word document.
    word = await ws.write(
      'reports/q1.docx',
      await readFile(fileURLToPath(new URL('../../fixtures/docx/report.docx', import.meta.url))),
    );
    // Written by pandoc too (test/fixtures/odt/README.md): what LibreOffice opens.
    odt = await ws.write(
      'notes/greenhouse.odt',
      await readFile(fileURLToPath(new URL('../../fixtures/odt/handbook.odt', import.meta.url))),
    );
    slides = await ws.write(
      'talks/migration.pptx',
      await readFile(fileURLToPath(new URL('../../fixtures/pptx/edited.pptx', import.meta.url))),
    );
    book = await ws.write(
      'books/sourdough.epub',
      await readFile(fileURLToPath(new URL('../../fixtures/epub/book.epub', import.meta.url))),
    );
    paper = await ws.write(
      'papers/caching.tex',
      await readFile(fileURLToPath(new URL('../../fixtures/latex/thesis.tex', import.meta.url))),
    );
    richText = await ws.write(
      'notes/garden.rtf',
      await readFile(fileURLToPath(new URL('../../fixtures/rtf/note.rtf', import.meta.url))),
    );
    board = await ws.write(
      'vault/garden.canvas',
      await readFile(fileURLToPath(new URL('../../fixtures/canvas/garden.canvas', import.meta.url))),
    );
    config = await ws.writeConfig();
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('indexes the page under its headings, with its own line numbers, and leaves the menu out', async () => {
    const indexed = oneJsonLine(await runCli(['index', '--json', '--config', config], { cwd: ws.root }));
    expect(indexed).toMatchObject({ filesAdded: 10, failures: [] });
    const search = await runCli(['search', 'undo a bad deploy', '--json', '-k', '3', '--config', config], {
      cwd: ws.root,
    });
    expect(search.code, search.stderr).toBe(0);
    type Hit = { path: string; heading_path: string[]; text: string; start_line: number; end_line: number };
    const hits = oneJsonLine(search).results as Hit[];
    const rollback = hits.find((h) => h.text.includes('previous image tag'));
    expect(rollback?.heading_path).toEqual(['Operations', 'Rolling back a release']);
    expect(rollback?.text).not.toMatch(/<\/?(p|h2|a|pre)\b|¶/);
    // Its lines are the page's: from the heading's line through the code block's.
    const lines = (await readFile(page, 'utf8')).split('\n');
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    expect(rollback?.start_line).toBeLessThanOrEqual(lineOf('Roll back with'));
    expect(rollback?.start_line).toBeGreaterThanOrEqual(lineOf('<h1>'));
    expect(rollback?.end_line).toBeGreaterThanOrEqual(
      lineOf(rollback!.text.includes('deploy --tag') ? 'deploy --tag' : 'Roll back with'),
    );
    // The menu and footer are not the page's text: no chunk holds their words.
    const billing = oneJsonLine(
      await runCli(['search', 'billing invoices', '--mode', 'text', '--json', '--config', config], {
        cwd: ws.root,
      }),
    );
    expect((billing.results as Hit[]).filter((h) => h.path === page)).toEqual([]);
  }, 120_000);

  it("finds a notebook's cells under its Markdown headings, on the notebook's lines, without its outputs", async () => {
    const search = await runCli(
      ['search', 'throw away refunded orders', '--json', '-k', '3', '--config', config],
      {
        cwd: ws.root,
      },
    );
    expect(search.code, search.stderr).toBe(0);
    type Hit = { path: string; heading_path: string[]; text: string; start_line: number; end_line: number };
    const hit = (oneJsonLine(search).results as Hit[]).find((h) => h.path === notebook);
    expect(hit?.heading_path).toEqual(['Sales analysis', 'Cleaning']);
    const lines = (await readFile(notebook, 'utf8')).split('\n');
    expect(lines[hit!.start_line - 1]).toContain('## Cleaning');
    const outputs = oneJsonLine(
      await runCli(['search', 'Figure size Axes', '--mode', 'text', '--json', '--config', config], {
        cwd: ws.root,
      }),
    );
    expect(outputs.results).toEqual([]);
  }, 120_000);

  it("finds a PDF's text under its bookmarks, its pages as lines, without its running head", async () => {
    const question = 'how do I bring back the database from an archive';
    const search = await runCli(['search', question, '--json', '-k', '3', '--config', config], {
      cwd: ws.root,
    });
    expect(search.code, search.stderr).toBe(0);
    type Hit = { path: string; heading_path: string[]; text: string; start_line: number; end_line: number };
    const hit = (oneJsonLine(search).results as Hit[]).find((h) => h.path === pdf);
    expect(hit?.heading_path).toEqual(['Restoring a backup']);
    expect([hit?.start_line, hit?.end_line]).toEqual([2, 2]);
    const heads = oneJsonLine(
      await runCli(['search', 'runbook storage team', '--mode', 'text', '--json', '--config', config], {
        cwd: ws.root,
      }),
    );
    expect((heads.results as Hit[]).filter((h) => h.path === pdf)).toEqual([]);
  }, 120_000);

  it("finds a Word document's text under its title and headings, its table as rows", async () => {
    const ask = async (question: string) => {
      const search = await runCli(['search', question, '--json', '-k', '3', '--config', config], {
        cwd: ws.root,
      });
      expect(search.code, search.stderr).toBe(0);
      type Hit = { path: string; heading_path: string[]; text: string; start_line: number };
      return (oneJsonLine(search).results as Hit[]).find((h) => h.path === word);
    };
    const downtime = await ask('how long was the billing database down during the migration');
    expect(downtime?.heading_path.slice(0, 2)).toEqual(['Quarterly Infrastructure Report', 'Summary']);
    expect(downtime?.text).toContain('Downtime was 14 minutes.');
    expect(downtime?.start_line).toBe(1);
    const costs = await ask('what did storage cost in the second quarter');
    expect(costs?.text).toContain('| Storage | 3,100 | 3,450 |');
  }, 120_000);

  it('finds an OpenDocument text under its title, its table as rows, its footnote left out', async () => {
    const search = await runCli(
      ['search', 'what stops blossom end rot on tomatoes', '--json', '-k', '3', '--config', config],
      { cwd: ws.root },
    );
    expect(search.code, search.stderr).toBe(0);
    type Hit = { path: string; heading_path: string[]; text: string };
    const hit = (oneJsonLine(search).results as Hit[]).find((h) => h.path === odt);
    // A small document is one chunk under its title, its headings inside.
    expect(hit?.heading_path[0]).toBe('Greenhouse handbook');
    expect(hit?.text).toContain(
      '## Watering\n\nWater the tomatoes at the base every second morning; a drip line',
    );
    const heater = await runCli(
      ['search', 'paraffin heater', '--json', '--mode', 'text', '--config', config],
      {
        cwd: ws.root,
      },
    );
    const texts = (oneJsonLine(heater).results as Hit[]).filter((h) => h.path === odt).map((h) => h.text);
    expect(texts.join('\n')).toContain('| April | 7 °C |');
    expect(texts.join('\n')).not.toContain('Footnote text');
  }, 120_000);

  it("finds a slide's text and speaker notes under the deck's title, on the slide it is on", async () => {
    const search = await runCli(
      ['search', 'how much did the support contract renewal cost', '--json', '-k', '3', '--config', config],
      { cwd: ws.root },
    );
    expect(search.code, search.stderr).toBe(0);
    type Hit = { path: string; heading_path: string[]; text: string; start_line: number; end_line: number };
    const hit = (oneJsonLine(search).results as Hit[]).find((h) => h.path === slides);
    expect(hit?.heading_path[0]).toBe('Storage migration plan');
    expect(hit?.text).toContain('Speaker note: mention the support contract renewal quote of 40k.');
    expect(hit?.text).not.toContain('Confidential footer');
    // Lines are slides: the note is on the second.
    expect(hit!.start_line).toBeLessThanOrEqual(2);
    expect(hit!.end_line).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it("finds an e-book's chapter under the book's title", async () => {
    const search = await runCli(
      [
        'search',
        'how often does a refrigerated starter need feeding',
        '--json',
        '-k',
        '3',
        '--config',
        config,
      ],
      { cwd: ws.root },
    );
    expect(search.code, search.stderr).toBe(0);
    type Hit = { path: string; heading_path: string[]; text: string };
    const hit = (oneJsonLine(search).results as Hit[]).find((h) => h.path === book);
    expect(hit?.heading_path[0]).toBe('The Sourdough Notebook');
    expect(hit?.text).toContain('A starter kept in the fridge needs one feed a week.');
  }, 120_000);

  it("finds a LaTeX paper's prose under its title and sections, on the source's lines, without its comments", async () => {
    const search = await runCli(
      ['search', 'why do edge caches reduce latency', '--json', '-k', '3', '--config', config],
      { cwd: ws.root },
    );
    expect(search.code, search.stderr).toBe(0);
    type Hit = { path: string; heading_path: string[]; text: string; start_line: number; end_line: number };
    const hit = (oneJsonLine(search).results as Hit[]).find((h) => h.path === paper);
    expect(hit?.heading_path[0]).toBe('Caching Strategies for Edge Networks');
    expect(hit?.text).toContain('## Introduction\n\nEdge caches cut latency for users far from the origin.');
    expect(hit?.text).toContain(
      'Most traffic is static: images, scripts and style sheets (Measured over one week in May.).',
    );
    expect(hit?.text).not.toMatch(/\\textbf|\\cite|smith2020/);
    const lines = (await readFile(paper, 'utf8')).split('\n');
    expect(lines[hit!.start_line - 1]).toMatch(/\\section\{Introduction\}|\\begin\{abstract\}/);
    // A comment is not the paper's text.
    const comment = oneJsonLine(
      await runCli(['search', 'Akamai paper', '--mode', 'text', '--json', '--config', config], {
        cwd: ws.root,
      }),
    );
    expect((comment.results as Hit[]).filter((h) => h.path === paper)).toEqual([]);
  }, 120_000);

  it("finds a TextEdit note's text, its characters decoded, without its fonts", async () => {
    const search = await runCli(
      [
        'search',
        'where do the coffee grounds for the compost come from',
        '--json',
        '-k',
        '3',
        '--config',
        config,
      ],
      { cwd: ws.root },
    );
    expect(search.code, search.stderr).toBe(0);
    type Hit = { path: string; text: string; start_line: number };
    const hit = (oneJsonLine(search).results as Hit[]).find((h) => h.path === richText);
    expect(hit?.text).toContain('The café next door gives us its coffee grounds for the compost.');
    expect(hit?.text).not.toMatch(/Helvetica|\\f0|\\cf0/);
    expect(hit?.start_line).toBe(8);
  }, 120_000);

  it("finds an Obsidian canvas's card under its group's label, its lines the cards'", async () => {
    const search = await runCli(
      ['search', 'when does the drip irrigation run', '--json', '-k', '5', '--config', config],
      { cwd: ws.root },
    );
    expect(search.code, search.stderr).toBe(0);
    type Hit = { path: string; heading_path: string[]; text: string; start_line: number; end_line: number };
    // The card itself, not the arrow from another card that names it.
    const hit = (oneJsonLine(search).results as Hit[]).find(
      (h) => h.path === board && /^Fix the drip line timer: it runs at 6 am/m.test(h.text),
    );
    // A small board is one chunk: its groups are headings inside it.
    expect(hit?.text).toContain(
      '# Tools\n\nhttps://example.org/drip-irrigation-guide\n\nFix the drip line timer',
    );
    expect(hit?.text).not.toMatch(/"x":|"width"/);
    const lines = (await readFile(board, 'utf8')).split('\n');
    const cardLine = lines.findIndex((l) => l.includes('Fix the drip line timer')) + 1;
    expect(hit!.start_line).toBeLessThanOrEqual(cardLine);
    expect(hit!.end_line).toBeGreaterThanOrEqual(cardLine);
  }, 120_000);
});
