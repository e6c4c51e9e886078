import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelError } from '../errors.js';
import type { TokenCounter } from './types.js';

/** Token ids for one text, already truncated to the model's limit and wrapped in [CLS] … [SEP]. */
export type TokenIds = Int32Array;

/**
 * Characters tokenised at first when a text may exceed the limit. A WordPiece token covers at
 * least one character, so a prefix of `maxTokens × PREFIX_CHARS_PER_TOKEN` usually holds
 * every token we keep; if it does not, the prefix doubles until it does (or the text ends).
 * This keeps a 10 MB file from being tokenised whole just to be cut at 256 tokens.
 */
const PREFIX_CHARS_PER_TOKEN = 8;

export class WordPieceTokenizer implements TokenCounter {
  readonly maxTokens: number;
  readonly #tokenizer: Tokenizer;
  readonly #sepId: number;
  readonly #file: string;

  constructor(modelDir: string, maxTokens: number) {
    this.#file = join(modelDir, 'tokenizer.json');
    const json = readJson(this.#file);
    const configFile = join(modelDir, 'tokenizer_config.json');
    let config: unknown = {};
    try {
      config = JSON.parse(readFileSync(configFile, 'utf8'));
    } catch {
      // tokenizer_config.json is optional: tokenizer.json alone describes a BERT tokenizer.
      config = {};
    }
    try {
      this.#tokenizer = new Tokenizer(json, config as object);
    } catch (err) {
      throw new ModelError(this.#file, `not a tokenizer this build can read: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const sep = this.#tokenizer.token_to_id('[SEP]');
    const cls = this.#tokenizer.token_to_id('[CLS]');
    if (sep === undefined || cls === undefined) {
      throw new ModelError(
        this.#file,
        'has no [CLS]/[SEP] tokens; only BERT-family (WordPiece) tokenizers are supported',
      );
    }
    this.#sepId = sep;
    this.maxTokens = maxTokens;
  }

  get vocabSize(): number {
    return this.#tokenizer.get_vocab(true).size;
  }

  /** Largest id the tokenizer can produce, to check against the model's embedding table. */
  maxId(): number {
    let max = 0;
    for (const id of this.#tokenizer.get_vocab(true).values()) if (id > max) max = id;
    return max;
  }

  countTokens(text: string): number {
    return this.#tokenizer.encode(text).ids.length;
  }

  unknownShare(text: string): number {
    const unknown = this.#tokenizer.token_to_id('[UNK]');
    const ids = this.#tokenizer.encode(text).ids.slice(1, -1);
    return ids.length ? ids.filter((id: number) => id === unknown).length / ids.length : 0;
  }

  /** Ids as the model reads them: truncated like Hugging Face's `LongestFirst` for one sequence. */
  encode(text: string): TokenIds {
    let prefixChars = this.maxTokens * PREFIX_CHARS_PER_TOKEN;
    for (;;) {
      const whole = prefixChars >= text.length;
      // A prefix cut mid-word tokenises that word differently (a 300-character word is one
      // [UNK]; its first 90 characters are dozens of pieces), so cut only where a word ends.
      const end = whole ? text.length : wordBoundaryAtOrBefore(text, prefixChars);
      if (whole || end > 0) {
        const ids = this.#tokenizer.encode(whole ? text : text.slice(0, end)).ids;
        if (ids.length > this.maxTokens + 1 || whole) return this.#truncate(ids);
      }
      prefixChars *= 2;
    }
  }

  /**
   * The text `encode` gave these ids for, without its [CLS]/[SEP]: what a remote server is sent
   * in place of a text cut at `maxTokens`, so that it reads the tokens the index was planned
   * with. [UNK] stays in as the literal `[UNK]`, which the server's tokenizer reads back as
   * [UNK]; dropping it (as `skip_special_tokens` would) changes the vector.
   */
  decode(ids: TokenIds): string {
    return this.#tokenizer.decode(Array.from(ids.subarray(1, -1)), { skip_special_tokens: false });
  }

  #truncate(ids: number[]): TokenIds {
    if (ids.length <= this.maxTokens) return Int32Array.from(ids);
    const out = new Int32Array(this.maxTokens);
    for (let i = 0; i < this.maxTokens - 1; i++) out[i] = ids[i]!;
    out[this.maxTokens - 1] = this.#sepId;
    return out;
  }
}

/**
 * The last index ≤ `at` holding a space, tab or line break (0 when there is none): cutting there
 * never splits a word. Other Unicode spaces are left alone on purpose: BERT's normaliser deletes
 * some of them (\v, \f, U+FEFF are control characters to it), which would join their neighbours.
 */
function wordBoundaryAtOrBefore(text: string, at: number): number {
  for (let i = at; i > 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) return i;
  }
  return 0;
}

function readJson(file: string): object {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelError(file, 'missing or unreadable', { cause: err, missing: true });
  }
  try {
    return JSON.parse(text) as object;
  } catch (err) {
    throw new ModelError(file, `is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}
