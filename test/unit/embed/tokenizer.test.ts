import { describe, expect, it } from 'vitest';
import { WordPieceTokenizer } from '../../../src/embed/tokenizer.js';
import { testModel } from '../../helpers/model.js';
import { parityReference, parityTexts } from '../../helpers/parity.js';

const MAX_TOKENS = 256;
const CLS = 101;
const SEP = 102;
const UNK = 100;

const tokenizer = new WordPieceTokenizer(testModel().dir, MAX_TOKENS);
const texts = parityTexts();
const ref = parityReference();

describe('WordPieceTokenizer', () => {
  it('gives the ids sentence-transformers gave for every fixture text, truncation included', () => {
    expect(ref.input_ids.length).toBe(texts.length);
    const truncated = ref.token_counts.filter((n) => n === MAX_TOKENS).length;
    expect(truncated).toBeGreaterThan(3);
    const mismatches = texts
      .map((text, i) => ({ i, got: Array.from(tokenizer.encode(text)), want: ref.input_ids[i]! }))
      .filter(({ got, want }) => got.length !== want.length || got.some((id, k) => id !== want[k]))
      .map(({ i, got, want }) => ({ i, text: texts[i]!.slice(0, 40), got: got.length, want: want.length }));
    expect(mismatches).toEqual([]);
  });

  it('returns an Int32Array wrapped in [CLS] … [SEP] and never longer than the limit', () => {
    for (const text of texts) {
      const ids = tokenizer.encode(text);
      expect(ids).toBeInstanceOf(Int32Array);
      expect(ids.length).toBeLessThanOrEqual(MAX_TOKENS);
      expect(ids[0]).toBe(CLS);
      expect(ids[ids.length - 1]).toBe(SEP);
    }
  });

  it('counts the tokens it encodes: equal below the limit, more above it', () => {
    texts.forEach((text, i) => {
      const count = tokenizer.countTokens(text);
      const encoded = tokenizer.encode(text).length;
      expect(encoded, `text ${i}`).toBe(Math.min(count, MAX_TOKENS));
      expect(encoded, `text ${i}`).toBe(ref.token_counts[i]);
      if (encoded === MAX_TOKENS) expect(count, `text ${i}`).toBeGreaterThanOrEqual(MAX_TOKENS);
    });
    expect(tokenizer.countTokens('')).toBe(2);
    expect(tokenizer.maxTokens).toBe(MAX_TOKENS);
  });

  it('cuts at the limit exactly as tokenising the whole text would, whatever word the prefix ends in', () => {
    // encode() tokenises a prefix of 256 × 8 characters first. Put a word across that cut, after
    // enough words that the prefix alone passes the limit: cut, 'x' × 300 is dozens of pieces;
    // whole, it is one [UNK] (over 100 characters). The ids must not depend on where the cut fell.
    const PREFIX = MAX_TOKENS * 8;
    const whole = new WordPieceTokenizer(testModel().dir, 1_000_000);
    const mismatches: string[] = [];
    for (const word of ['x'.repeat(300), 'supercalifragilisticexpialidocious', 'ab'.repeat(60)]) {
      for (const fillerWords of [200, 230, 250, 254, 260]) {
        for (const cutInside of [1, 7, 20, 60, 99]) {
          const filler = 'word '.repeat(fillerWords);
          const pad = PREFIX - cutInside - filler.length;
          if (pad < 0 || cutInside >= word.length) continue;
          const text = `${filler}${' '.repeat(pad)}${word} ${'more '.repeat(300)}`;
          const want = [...whole.encode(text).subarray(0, MAX_TOKENS - 1), SEP];
          const got = Array.from(tokenizer.encode(text));
          if (JSON.stringify(got) !== JSON.stringify(want))
            mismatches.push(`${word.slice(0, 12)}… after ${fillerWords} words, cut ${cutInside} in`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  // Tokenising only a prefix is what makes this fast (milliseconds, against seconds for the
  // whole text): bench/ingest/huge-text.mjs measures it; this checks the ids are the right ones.
  it('encodes a 10 MB text to the ids of its first 255 tokens', () => {
    const sentence = 'The daemon re-embeds only the chunks whose text changed since the last run. ';
    const huge = sentence.repeat(Math.ceil((10 * 1024 * 1024) / sentence.length));
    expect(huge.length).toBeGreaterThanOrEqual(10 * 1024 * 1024);
    const ids = tokenizer.encode(huge);
    expect(ids.length).toBe(MAX_TOKENS);
    expect(ids[MAX_TOKENS - 1]).toBe(SEP);
    expect(Array.from(ids.subarray(0, 40))).toEqual(
      Array.from(tokenizer.encode(sentence.repeat(4)).subarray(0, 40)),
    );
  });

  it('keeps doubling the prefix until the text ends when it never reaches the limit', () => {
    // One 1 MB "word": WordPiece turns any word over 100 characters into [UNK], so no prefix
    // ever yields more than 3 tokens and the whole text must be read to know that.
    const ids = tokenizer.encode('a'.repeat(1024 * 1024));
    expect(Array.from(ids)).toEqual([CLS, UNK, SEP]);
    // The last word straddling every prefix boundary must not be cut into extra tokens.
    const text = `${'word '.repeat(300)}${'b'.repeat(5000)}`;
    expect(Array.from(tokenizer.encode(text))).toEqual(
      Array.from(new WordPieceTokenizer(testModel().dir, 100_000).encode(text))
        .slice(0, MAX_TOKENS - 1)
        .concat(SEP),
    );
  });

  it('knows its vocabulary: 30522 entries, ids below that', () => {
    expect(tokenizer.vocabSize).toBe(30522);
    expect(tokenizer.maxId()).toBe(30521);
  });
});
