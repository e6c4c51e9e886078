import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../../helpers/index-workspace.js';
import { explainedHits, type FusionOfHit, fusedBeforeRankDown, runCli } from '../../../helpers/run-cli.js';

/** The function a question about slugs wants. */
const SLUG = `package slug

import "strings"

// Slugify lowercases a title and joins its words.
func Slugify(title string) string {
	words := strings.Fields(strings.ToLower(title))
	return strings.Join(words, "-")
}
`;

/** Its test says what it does in the question's words, twice. */
const SLUG_TEST = `package slug

import "testing"

// TestSlugify: Slugify lowercases a title and joins its words with dashes.
func TestSlugify(t *testing.T) {
	if got := Slugify("Title Words"); got != "title-words" {
		t.Errorf("Slugify lowercases a title and joins its words with dashes: got %q", got)
	}
}

// TestCountWordsOfEmptyText checks that an empty string has no words at all.
func TestCountWordsOfEmptyText(t *testing.T) {
	if n := CountWords(""); n != 0 {
		t.Fatalf("an empty string has %d words, want none", n)
	}
}
`;

/** Other helpers, which share a word or two with the question and no more. */
const TEXT = `package slug

import "unicode"

// CountWords returns how many words a sentence has.
func CountWords(sentence string) int {
	n := 0
	inWord := false
	for _, r := range sentence {
		if unicode.IsSpace(r) {
			inWord = false
		} else if !inWord {
			inWord = true
			n++
		}
	}
	return n
}

// Truncate cuts a title to at most max runes.
func Truncate(title string, max int) string {
	r := []rune(title)
	if len(r) <= max {
		return title
	}
	return string(r[:max])
}

// Capitalize upper-cases the first letter of a name.
func Capitalize(name string) string {
	r := []rune(name)
	if len(r) == 0 {
		return name
	}
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
`;

interface Hit extends FusionOfHit {
  metadata: { symbol: string; kind: string };
  explain: FusionOfHit['explain'] & {
    text: { rank: number } | null;
    textWhere?: string;
  };
}

describe("the code table's hybrid search: module code and imports out of the text leg, tests ranked down", () => {
  let ws: Workspace;
  let config: string;
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });
  const search = (mode: string, query: string) => explainedHits<Hit>(ragctl, 'code', mode, query);
  const symbols = (hits: Hit[]) => hits.map((h) => h.metadata.symbol);
  const fused = (hit: Hit | undefined) => fusedBeforeRankDown(hit, hit?.metadata.symbol);

  beforeAll(async () => {
    ws = await Workspace.create('code-hybrid-kinds');
    await ws.write('slug.go', SLUG);
    await ws.write('slug_test.go', SLUG_TEST);
    await ws.write('text.go', TEXT);
    config = await ws.writeConfig({
      engines: { code: { chunker: 'code', mapper: 'code', include: ['**/*.go'] } },
      sources: [{ path: ws.notes, engine: 'code' }],
    });
    const indexed = await ragctl('index', '--json');
    expect(indexed.code, indexed.stderr).toBe(0);
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('a test that matches better than the function it tests comes second, with the factor in explain', async () => {
    const hits = await search('hybrid', 'lowercases a title and joins its words with dashes');
    const test = hits.find((h) => h.metadata.symbol === 'slug_test.go:TestSlugify');
    const code = hits.find((h) => h.metadata.symbol === 'slug.go:Slugify');
    // The legs together prefer the test: without ranking it down, hybrid would put it first.
    expect(fused(test)).toBeGreaterThan(fused(code));
    expect(symbols(hits).slice(0, 2)).toEqual(['slug.go:Slugify', 'slug_test.go:TestSlugify']);
    expect(test?.explain.fusion?.rankDown).toBe(0.7);
    expect(test?.explain.fusion?.rankDownFor).toEqual(['a test file']);
    expect(code?.explain.fusion?.rankDown).toBeUndefined();
  });

  it('a question only a test answers still finds that test first', async () => {
    const hits = await search('hybrid', 'an empty string has no words at all');
    expect(symbols(hits)[0]).toBe('slug_test.go:TestCountWordsOfEmptyText');
  });

  it('import blocks and module code are ranked by their vector only in hybrid, and text mode still reads them', async () => {
    const query = 'import the strings unicode testing packages';
    const text = await search('text', query);
    const asText = text.filter((h) => h.metadata.kind === 'imports' || h.metadata.kind === 'module');
    expect(asText.length, 'text mode matches the import blocks').toBeGreaterThan(0);
    const hybrid = await search('hybrid', query);
    const outOfText = hybrid.filter((h) => h.metadata.kind === 'imports' || h.metadata.kind === 'module');
    expect(outOfText.length, 'still candidates through their vector').toBeGreaterThan(0);
    for (const hit of outOfText) expect(hit.explain.text, hit.metadata.symbol).toBeNull();
    expect(hybrid[0]?.explain.textWhere).toMatch(/'module', 'imports'/);
  });
});
