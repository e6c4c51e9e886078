import type { Meter } from './meter.js';
import type { Draft } from './types.js';

/**
 * Drafts of several parts that must add up exactly before the sums are trusted for the rest
 * of the file. BERT's WordPiece splits at whitespace before anything else, so the tokens of
 * parts joined at whitespace add up exactly and these few counts are all the checking a file
 * needs; a tokenizer that miscounts joins shows it at once, and then every draft is counted.
 */
const CONFIRMATIONS_NEEDED = 4;

/**
 * Once sums are trusted, drafts this close to the limit are still counted: a tokenizer whose
 * joins only rarely miscount would lose a token or two of such a chunk to truncation. Cheap:
 * about one draft in twenty is this full.
 */
const VERIFY_MARGIN_TOKENS = 2;

/**
 * Makes sure each draft fits the limit before it becomes a chunk. Counts a draft whole only
 * when its sum cannot be trusted, and halves one that is over (between its parts) until the
 * halves fit. A single part over the limit is kept: it was measured alone, so only a tokenizer
 * that does not add up at all gets there.
 */
export class DraftFitter {
  readonly #meter: Meter;
  #confirmations = 0;
  #sumsDrift = false;

  constructor(meter: Meter) {
    this.#meter = meter;
  }

  fit(draft: Draft): Draft[] {
    if (draft.span.isOversize) return [draft];
    const meter = this.#meter;
    const crumb = meter.breadcrumb(draft.path);
    const estimate = crumb.tokens + draft.span.tokens;
    const isTrusted = draft.span.isExact && !this.#sumsDrift && this.#confirmations >= CONFIRMATIONS_NEEDED;
    if (isTrusted && estimate <= meter.maxContent - VERIFY_MARGIN_TOKENS) return [draft];

    const actual = meter.count(crumb.prefix + meter.source.text.slice(draft.span.from, draft.span.to));
    if (draft.span.isExact && draft.parts.length > 1) {
      if (actual === estimate) this.#confirmations++;
      else this.#sumsDrift = true;
    }
    if (actual <= meter.maxContent || draft.parts.length < 2) return [draft];
    let half = 1;
    for (let sum = draft.parts[0]!.tokens; half < draft.parts.length - 1; half++) {
      sum += draft.parts[half]!.tokens;
      if (sum > draft.span.tokens / 2) break;
    }
    const left = draft.parts.slice(0, half);
    const right = draft.parts.slice(half);
    return [
      ...this.fit({ ...draft, span: meter.joinAll(left), parts: left }),
      ...this.fit({ ...draft, span: meter.joinAll(right), parts: right }),
    ];
  }
}
