import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../../helpers/index-workspace.js';
import { explainedHits, type FusionOfHit, fusedBeforeRankDown, runCli } from '../../../helpers/run-cli.js';

/** Rust keeps unit tests beside the code: this test says what `slugify` does, in more of a question's words. */
const LIB = `/// Lowercases a title and joins its words with dashes.
pub fn slugify(title: &str) -> String {
    title.to_lowercase().split_whitespace().collect::<Vec<_>>().join("-")
}

/// Cuts a title to at most max characters.
pub fn truncate(title: &str, max: usize) -> String {
    title.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// slugify lowercases a title and joins its words with dashes: "Title Words" is "title-words".
    #[test]
    fn slugify_joins_words_with_dashes() {
        assert_eq!(slugify("Title Words"), "title-words");
    }
}
`;

interface Hit extends FusionOfHit {
  metadata: { symbol: string; kind: string };
}

describe("a Rust file's #[cfg(test)] module in hybrid search", () => {
  let ws: Workspace;
  let config: string;
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });

  beforeAll(async () => {
    ws = await Workspace.create('code-rust-tests');
    await ws.write('src/lib.rs', LIB);
    config = await ws.writeConfig({
      engines: { code: { chunker: 'code', mapper: 'code', include: ['**/*.rs'] } },
      sources: [{ path: ws.notes, engine: 'code' }],
    });
    const indexed = await ragctl('index', '--json');
    expect(indexed.code, indexed.stderr).toBe(0);
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('its test functions are found by name and ranked down as a test file is', async () => {
    const hits = await explainedHits<Hit>(
      ragctl,
      'code',
      'hybrid',
      'lowercases a title and joins its words with dashes',
    );
    const test = hits.find((h) => h.metadata.symbol === 'src/lib.rs:tests.slugify_joins_words_with_dashes');
    const code = hits.find((h) => h.metadata.symbol === 'src/lib.rs:slugify');
    expect(test?.metadata.kind).toBe('function');
    // The legs prefer the test; ranked down, it comes after the function it tests.
    expect(fusedBeforeRankDown(test, test?.metadata.symbol)).toBeGreaterThan(
      fusedBeforeRankDown(code, code?.metadata.symbol),
    );
    expect(hits.map((h) => h.metadata.symbol).slice(0, 2)).toEqual([
      'src/lib.rs:slugify',
      'src/lib.rs:tests.slugify_joins_words_with_dashes',
    ]);
    expect(test?.explain.fusion?.rankDownFor).toEqual(['a test module']);
    expect(code?.explain.fusion?.rankDown).toBeUndefined();
  });
});
