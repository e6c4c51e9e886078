import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paragraph, Workspace } from '../../helpers/index-workspace.js';
import { writePdf } from '../../helpers/pdf-writer.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * A folder of saved HTML pages, a Jupyter notebook, a PDF, office documents, an e-book, a LaTeX
 * paper, a TextEdit note, an Obsidian canvas and an Excel workbook under a source that
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
  let workbook: string;

  beforeAll(async () => {
    ws = await Workspace.create('cli-html');
    /** A fixture under test/fixtures, written into the workspace at `rel`. */
    const copy = async (rel: string, fixture: string) =>
      ws.write(rel, await readFile(fileURLToPath(new URL(`../../fixtures/${fixture}`, import.meta.url))));
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
    notebook = await copy('analysis/sales.ipynb', 'notebook/analysis.ipynb');
    // Four pages, as a manual prints them: a running head and a page number on each, the first
    // numbered apart (page labels `i`, then `1`, `2`, `3`).
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
        {
          outline: sections.map((title, page) => ({ title, page, top: 715 })),
          pageLabels: [
            { page: 0, style: 'r' },
            { page: 1, style: 'D' },
          ],
        },
      ),
    );
    // Written by pandoc (test/fixtures/docx/README.md): a real writer's Word document.
    word = await copy('reports/q1.docx', 'docx/report.docx');
    // Written by pandoc too (test/fixtures/odt/README.md): what LibreOffice opens.
    odt = await copy('notes/greenhouse.odt', 'odt/handbook.odt');
    slides = await copy('talks/migration.pptx', 'pptx/edited.pptx');
    book = await copy('books/sourdough.epub', 'epub/book.epub');
    paper = await copy('papers/caching.tex', 'latex/thesis.tex');
    richText = await copy('notes/garden.rtf', 'rtf/note.rtf');
    board = await copy('vault/garden.canvas', 'canvas/garden.canvas');
    workbook = await copy('money/budget.xlsx', 'xlsx/budget.xlsx');
    config = await ws.writeConfig();
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  type Hit = { path: string; heading_path: string[]; text: string; start_line: number; end_line: number };
  /** The hits of `ragctl search <args> --json`, which must succeed. */
  const hitsOf = async (...args: string[]): Promise<Hit[]> => {
    const search = await runCli(['search', ...args, '--json', '--config', config], { cwd: ws.root });
    expect(search.code, search.stderr).toBe(0);
    return oneJsonLine(search).results as Hit[];
  };
  /** The best hit in `file` among the top `k` for `question`. */
  const hitIn = async (file: string, question: string, k = 3, test: (h: Hit) => boolean = () => true) =>
    (await hitsOf(question, '-k', String(k))).find((h) => h.path === file && test(h));
  /** The hits in `file` of a full-text search for `words`. */
  const textHitsIn = async (file: string, words: string) =>
    (await hitsOf(words, '--mode', 'text')).filter((h) => h.path === file);

  it('indexes the page under its headings, with its own line numbers, and leaves the menu out', async () => {
    const indexed = oneJsonLine(await runCli(['index', '--json', '--config', config], { cwd: ws.root }));
    expect(indexed).toMatchObject({ filesAdded: 11, failures: [] });
    const rollback = await hitIn(page, 'undo a bad deploy', 3, (h) => h.text.includes('previous image tag'));
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
    expect(await textHitsIn(page, 'billing invoices')).toEqual([]);
  }, 120_000);

  it("finds a notebook's cells under its Markdown headings, on the notebook's lines, without its outputs", async () => {
    const hit = await hitIn(notebook, 'throw away refunded orders');
    expect(hit?.heading_path).toEqual(['Sales analysis', 'Cleaning']);
    const lines = (await readFile(notebook, 'utf8')).split('\n');
    expect(lines[hit!.start_line - 1]).toContain('## Cleaning');
    expect(await hitsOf('Figure size Axes', '--mode', 'text')).toEqual([]);
  }, 120_000);

  it("finds a PDF's text under its bookmarks, its pages as lines, without its running head", async () => {
    const hit = await hitIn(pdf, 'how do I bring back the database from an archive');
    expect(hit?.heading_path).toEqual(['Restoring a backup']);
    expect([hit?.start_line, hit?.end_line]).toEqual([2, 2]);
    expect(await textHitsIn(pdf, 'runbook storage team')).toEqual([]);
    // The page a viewer opens, and the number it prints, which the manual's references use.
    const search = await runCli(
      ['search', 'how do I bring back the database from an archive', '--config', config],
      {
        cwd: ws.root,
      },
    );
    expect(search.stdout).toMatch(/manuals\/backup\.pdf \(page 2, printed 1\)/);
  }, 120_000);

  it("finds a Word document's text under its title and headings, its table as rows", async () => {
    const downtime = await hitIn(word, 'how long was the billing database down during the migration');
    expect(downtime?.heading_path.slice(0, 2)).toEqual(['Quarterly Infrastructure Report', 'Summary']);
    expect(downtime?.text).toContain('Downtime was 14 minutes.');
    expect(downtime?.start_line).toBe(1);
    const costs = await hitIn(word, 'what did storage cost in the second quarter');
    expect(costs?.text).toContain('| Storage | 3,100 | 3,450 |');
  }, 120_000);

  it('finds an OpenDocument text under its title, its table as rows, its footnote left out', async () => {
    const hit = await hitIn(odt, 'what stops blossom end rot on tomatoes');
    // A small document is one chunk under its title, its headings inside.
    expect(hit?.heading_path[0]).toBe('Greenhouse handbook');
    expect(hit?.text).toContain(
      '## Watering\n\nWater the tomatoes at the base every second morning; a drip line',
    );
    const texts = (await textHitsIn(odt, 'paraffin heater')).map((h) => h.text);
    expect(texts.join('\n')).toContain('| April | 7 °C |');
    expect(texts.join('\n')).not.toContain('Footnote text');
  }, 120_000);

  it("finds a slide's text and speaker notes under the deck's title, on the slide it is on", async () => {
    const hit = await hitIn(slides, 'how much did the support contract renewal cost');
    expect(hit?.heading_path[0]).toBe('Storage migration plan');
    expect(hit?.text).toContain('Speaker note: mention the support contract renewal quote of 40k.');
    expect(hit?.text).not.toContain('Confidential footer');
    // Lines are slides: the note is on the second.
    expect(hit!.start_line).toBeLessThanOrEqual(2);
    expect(hit!.end_line).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it("finds an e-book's chapter under the book's title", async () => {
    const hit = await hitIn(book, 'how often does a refrigerated starter need feeding');
    expect(hit?.heading_path[0]).toBe('The Sourdough Notebook');
    expect(hit?.text).toContain('A starter kept in the fridge needs one feed a week.');
  }, 120_000);

  it("finds a LaTeX paper's prose under its title and sections, on the source's lines, without its comments", async () => {
    const hit = await hitIn(paper, 'why do edge caches reduce latency');
    expect(hit?.heading_path[0]).toBe('Caching Strategies for Edge Networks');
    expect(hit?.text).toContain('## Introduction\n\nEdge caches cut latency for users far from the origin.');
    expect(hit?.text).toContain(
      'Most traffic is static: images, scripts and style sheets (Measured over one week in May.).',
    );
    expect(hit?.text).not.toMatch(/\\textbf|\\cite|smith2020/);
    const lines = (await readFile(paper, 'utf8')).split('\n');
    expect(lines[hit!.start_line - 1]).toMatch(/\\section\{Introduction\}|\\begin\{abstract\}/);
    // A comment is not the paper's text.
    expect(await textHitsIn(paper, 'Akamai paper')).toEqual([]);
  }, 120_000);

  it("finds a TextEdit note's text, its characters decoded, without its fonts", async () => {
    const hit = await hitIn(richText, 'where do the coffee grounds for the compost come from');
    expect(hit?.text).toContain('The café next door gives us its coffee grounds for the compost.');
    expect(hit?.text).not.toMatch(/Helvetica|\\f0|\\cf0/);
    expect(hit?.start_line).toBe(8);
  }, 120_000);

  it("finds an Obsidian canvas's card under its group's label, its lines the cards'", async () => {
    // The card itself, not the arrow from another card that names it.
    const hit = await hitIn(board, 'when does the drip irrigation run', 5, (h) =>
      /^Fix the drip line timer: it runs at 6 am/m.test(h.text),
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

  it("finds a spreadsheet's row under its sheet's name, on the sheet it is on", async () => {
    const hit = await hitIn(workbook, 'how much did the roof repair cost', 3);
    expect(hit?.heading_path).toEqual(['Home budget']);
    expect(hit?.text).toContain('| Roof repair after the storm | House | 4200 | 2026-05-14 | TRUE |');
    expect([hit?.start_line, hit?.end_line]).toEqual([1, 1]);
    // A hidden sheet is not the workbook's text.
    const hidden = await textHitsIn(workbook, 'hidden working notes');
    expect(hidden.filter((h) => h.text.includes('hidden working'))).toEqual([]);
  }, 120_000);
});
