import type { IndexProblem } from '../app-reader.js';
import { plural } from '../cli/display.js';
import { nameInFile, placeOf, spansIn } from '../context/format.js';
import type { SearchResult, StatusResult, WireSearchHit } from '../ipc/protocol.js';
import { chunkBody } from '../search/body.js';
import type { Via } from './types.js';

/**
 * Text for a model. Paths are absolute (an agent opens them as they are), each hit says where
 * it is (`path:start-end`), what contains it (heading path, or the code symbol), and carries
 * the chunk's whole text as the file has it: it is what the agent came for, and a chunk is already
 * bounded by the embedder's token limit. Where the place holds more lines than the text (a class
 * summary, a long function's header), the hit says so.
 */

export function renderSearch(result: SearchResult): string {
  // Why the results are not what was asked for (a phrase nothing holds, text only): a model must know.
  const note = result.note ? ` Note: ${result.note}.` : '';
  if (result.results.length === 0) return `No results for "${result.query}" (${result.mode} search).${note}`;
  const head = `${result.results.length} result${result.results.length === 1 ? '' : 's'} for "${result.query}" (${result.mode} search, best first):${note}`;
  return [head, ...result.results.map((hit, i) => renderHit(hit, i + 1))].join('\n\n');
}

function renderHit(hit: WireSearchHit, rank: number): string {
  const facts = [`engine ${hit.engine}`, `score ${hit.score.toFixed(4)}`];
  const out = [`[${rank}] ${placeOf(hit)} (${facts.join(', ')})`];
  const symbol = hit.metadata.symbol;
  // Its name in the file: the path is on the line above (`shop/cart.py:Cart.total` → `Cart.total`).
  if (typeof symbol === 'string' && symbol)
    out.push(`symbol: ${nameInFile(symbol) || '(top level of the file)'}`);
  else if (hit.heading_path.length) out.push(`section: ${hit.heading_path.join(' > ')}`);
  // An engine's own one-line facts (the SQL engine: duration, time, fingerprint), as the CLI shows them.
  const display = hit.metadata.display;
  if (typeof display === 'string' && display) out.push(display);
  if (hit.repeats)
    out.push(
      `${hit.repeats.count} more like it were found and folded into this hit; search with ${hit.repeats.filter}: "${hit.repeats.value}" to list each`,
    );
  if (hit.parts)
    out.push(
      `more of this ${typeof symbol === 'string' && symbol ? 'definition' : 'section'} matched, ranked lower: ${spansIn(hit.path, hit.parts)}`,
    );
  if (hit.copies) out.push(`the same text is also in ${hit.copies.map((c) => placeOf(c)).join(', ')}`);
  const text = fileText(hit).trimEnd();
  const shown = text.split('\n').length;
  const span = hit.end_line - hit.start_line + 1;
  // A class as its outline, a long function as its header: the place holds more than the text.
  // (A converted page's lines are its source's, not its text's: only code is compared.)
  if (typeof symbol === 'string' && symbol && shown < span)
    out.push(
      `this shows ${shown} of the ${span} lines at ${placeOf(hit)}: read the file, or ask the context tool, for the rest`,
    );
  out.push('---', text, '---');
  return out.join('\n');
}

/**
 * The lines `path:start-end` hold, without what the chunker put before them for search's sake
 * (`metadata.bodyOffset`: a heading breadcrumb; a code chunk's symbol and name-word lines). Those
 * are not in the file, and an agent quoting or editing the file must not take them for its text.
 */
function fileText(hit: WireSearchHit): string {
  return chunkBody(hit.text, hit.metadata.bodyOffset);
}

/**
 * Said in every answer read from the index without a daemon: it may lag behind the files, and
 * what the reader found wrong (no index yet, another model) with its fix.
 */
export function readOnlyNote(notes: readonly IndexProblem[]): string {
  const lines = [
    'Note: no ragctl daemon is running, so this was answered from the index read-only; it may lag behind recent edits (start the daemon: `ragctl daemon start` where it is installed as a service, else `ragctl daemon run` in a terminal, with the --config this server was given).',
  ];
  for (const n of notes) lines.push(`Index problem: ${n.reason} (fix: ${n.fix})`);
  return lines.join('\n');
}

/**
 * Said with an answer the daemon read from an index that does not hold every file yet (a first
 * index, changes held while paused) or may not follow them (degraded): an agent told "no
 * results" would otherwise conclude that nothing is written there. Undefined when it is current.
 */
export function indexStateNote(state: StatusResult): string | undefined {
  const waiting = state.queue_depth;
  if (state.state === 'indexing') {
    const left = state.finding_files
      ? ', more still being found'
      : state.eta_seconds
        ? `, about ${state.eta_seconds} s left`
        : '';
    const progress =
      waiting > 0
        ? `${plural(state.files, 'file')} indexed so far, ${waiting} waiting${left}`
        : 'a change is being indexed now';
    return `Note: the daemon is still indexing (${progress}): what is not indexed yet cannot be found, so a missing result may only be late; call status to follow it.`;
  }
  if (state.state === 'paused' && waiting > 0)
    return `Note: indexing is paused with ${plural(waiting, 'change')} waiting, which these results do not show yet (\`ragctl resume\` restarts it).`;
  if (state.state === 'degraded' && state.reason)
    return `Note: the index may not follow the files: ${state.reason}${state.fix ? ` (fix: ${state.fix})` : ''}.`;
  return undefined;
}

/**
 * The answer's text with what qualifies it first: the read-only note when the index answered,
 * the daemon's state (`indexStateNote`) when it has not indexed everything yet.
 */
export function withSource(
  text: string,
  via: Via,
  notes: readonly IndexProblem[],
  stateNote?: string,
): string {
  if (via === 'index') return `${readOnlyNote(notes)}\n\n${text}`;
  return stateNote ? `${stateNote}\n\n${text}` : text;
}
