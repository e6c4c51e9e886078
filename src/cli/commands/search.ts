import type { Command } from 'commander';
import { RagError } from '../../errors.js';
import type { SearchParams } from '../../ipc/protocol.js';
import type { SearchResultJson } from '../../search/types.js';
import type { SearchMode } from '../../store/types.js';
import { askDaemon } from '../daemon-client.js';
import { displayPath } from '../display.js';
import type { GlobalOptions } from '../main.js';
import { printJson } from '../output.js';

const MODES: readonly SearchMode[] = ['hybrid', 'vector', 'text'];
/** Characters of a result's text shown under it. */
const SNIPPET_CHARS = 240;

interface SearchOptions {
  k?: string;
  mode: string;
  engine?: string;
  path?: string;
  after?: string;
}

export function registerSearch(program: Command): void {
  program
    .command('search')
    .argument('<query...>', 'what you are looking for, in your own words')
    .option('-k, --k <n>', 'number of results (default: search.k in the config, 10)')
    .option(
      '-m, --mode <mode>',
      'hybrid (meaning + exact words), vector (meaning) or text (exact words)',
      'hybrid',
    )
    .option('-e, --engine <name>', 'search one engine only (e.g. md)')
    .option(
      '-p, --path <glob>',
      "only files matching this glob: relative to the source ('notes/**', '*.md') or absolute ('/home/me/x/**')",
    )
    .option('-a, --after <date>', 'only files modified since: 2024-05-01, an ISO time, or 7d / 12h ago')
    .description('search your files (asks the daemon; without one, reads the index directly)')
    .addHelpText(
      'after',
      `
Examples:
  ragctl search how do I restore a backup
  ragctl search "ENOSPC" --mode text
  ragctl search "meeting notes about pricing" --path 'work/**' --after 30d -k 5
  ragctl search --json "deploy checklist" | jq -r '.results[].path'`,
    )
    .action(async (words: string[], opts: SearchOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const params = toParams(words.join(' '), opts);
      const { result, via } = await askDaemon(g, 'search', params, async (app) => {
        const { toJson } = await import('../../search/types.js');
        return toJson(await app.search.search(params));
      });
      if (g.json) {
        printJson({ ...result, via });
        return;
      }
      if (via === 'index') process.stderr.write('(no daemon running: searched the index directly)\n');
      process.stdout.write(formatResults(result));
    });
}

function toParams(query: string, opts: SearchOptions): SearchParams {
  if (!query.trim()) throw new RagError('E_USAGE', 'the query is empty');
  if (!MODES.includes(opts.mode as SearchMode))
    throw new RagError('E_USAGE', `--mode must be one of ${MODES.join(', ')}`);
  const params: SearchParams = { query, mode: opts.mode as SearchMode };
  if (opts.k !== undefined) {
    const k = Number(opts.k);
    if (!Number.isInteger(k) || k < 1 || k > 1000)
      throw new RagError('E_USAGE', `-k must be a whole number from 1 to 1000, got ${opts.k}`);
    params.k = k;
  }
  if (opts.engine) params.engine = opts.engine;
  if (opts.path) params.path = opts.path;
  if (opts.after) params.after = normaliseAfter(opts.after);
  return params;
}

/** The socket takes ISO dates; the CLI also takes `7d` / `12h` / `30m` ago. */
function normaliseAfter(after: string): string {
  const rel = /^(\d+)\s*([dhm])$/.exec(after.trim());
  if (rel) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[rel[2] as 'd' | 'h' | 'm'];
    return new Date(Date.now() - Number(rel[1]) * unit).toISOString();
  }
  if (Number.isNaN(Date.parse(after)))
    throw new RagError(
      'E_USAGE',
      `--after: cannot read ${JSON.stringify(after)} as a date (use 2024-05-01, an ISO time, or 7d / 12h)`,
    );
  return /^\d{4}-\d{2}-\d{2}$/.test(after) ? after : new Date(after).toISOString();
}

export function formatResults(result: SearchResultJson): string {
  if (!result.results.length) return `No results for “${result.query}”.\n`;
  const lines: string[] = [];
  result.results.forEach((hit, i) => {
    const where = `${displayPath(hit.path)}:${hit.start_line}${hit.end_line !== hit.start_line ? `-${hit.end_line}` : ''}`;
    const heading = hit.heading_path.length ? `  ${hit.heading_path.join(' › ')}` : '';
    lines.push(`${String(i + 1).padStart(2)}. ${where}${heading}  (${formatScore(hit.score, result.mode)})`);
    lines.push(`    ${snippet(hit.text, hit.heading_path)}`);
  });
  return `${lines.join('\n')}\n`;
}

function formatScore(score: number, mode: SearchMode): string {
  return mode === 'vector' ? `similarity ${score.toFixed(3)}` : `score ${score.toFixed(4)}`;
}

/** The chunk's text without its heading breadcrumb, whitespace folded, cut at a word. */
function snippet(text: string, headingPath: string[]): string {
  let body = text;
  const crumb = headingPath.join(' > ');
  if (crumb && body.startsWith(crumb)) body = body.slice(crumb.length);
  body = body.replace(/\s+/g, ' ').trim();
  if (body.length <= SNIPPET_CHARS) return body;
  const cut = body.lastIndexOf(' ', SNIPPET_CHARS);
  return `${body.slice(0, cut > SNIPPET_CHARS / 2 ? cut : SNIPPET_CHARS)}…`;
}
