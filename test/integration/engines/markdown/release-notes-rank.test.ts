import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../../helpers/index-workspace.js';
import { explainedHits, type FusionOfHit, fusedBeforeRankDown, runCli } from '../../../helpers/run-cli.js';

/** The page that answers a question about timeouts. */
const GUIDE = `# Guide

## Waiting for a slow server

Each call waits for the server's answer as long as its \`timeout\` option allows, in seconds.
When no answer has come by then, the call gives up with a timeout error, which you can catch.

## Sending a body

Pass a dictionary as \`json\` and it is encoded for you, with the content type set.

## Going through a proxy

Set \`proxy\` to the address of a forward proxy; every connection goes through it.
`;

/** A changelog whose entry names the feature in the question's own words. */
const CHANGELOG = `# Changelog

## 2.4.0 (2024-03-02)

- Added a timeout option: a request now fails with a timeout error when the server takes too long to answer.
- Fixed proxies being ignored for HTTPS URLs.

## 2.3.0 (2023-11-20)

- Retries now wait longer between attempts.
- Dropped support for Node 16.
`;

interface Hit extends FusionOfHit {
  path: string;
}

describe("a project's changelog in hybrid search: ranked down, unless the query asks about releases", () => {
  let ws: Workspace;
  let config: string;
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });
  const search = (query: string) => explainedHits<Hit>(ragctl, 'md', 'hybrid', query);
  const file = (hit: Hit | undefined) => hit?.path.split('/').at(-1);
  const fused = (hit: Hit | undefined) => fusedBeforeRankDown(hit, hit?.path);

  beforeAll(async () => {
    ws = await Workspace.create('release-notes-rank');
    await ws.write('docs/guide.md', GUIDE);
    await ws.write('CHANGELOG.md', CHANGELOG);
    // Re-ranking off: this is about the fused order, which decides what re-ranking reads.
    config = await ws.writeConfig({ search: { rerank: 0 } });
    const indexed = await ragctl('index', '--json');
    expect(indexed.code, indexed.stderr).toBe(0);
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('a how-to question the changelog matches better comes to the page that answers it first', async () => {
    const hits = await search('request fails when the server takes too long to answer');
    const changelog = hits.find((h) => file(h) === 'CHANGELOG.md');
    const guide = hits.find((h) => file(h) === 'guide.md');
    // The legs together prefer the changelog's entry: without ranking it down it would be first.
    expect(fused(changelog)).toBeGreaterThan(fused(guide));
    expect(file(hits[0])).toBe('guide.md');
    expect(changelog?.explain.fusion?.rankDown).toBe(0.7);
    expect(guide?.explain.fusion?.rankDown).toBeUndefined();
  });

  it('a question about releases keeps the changelog where the legs put it', async () => {
    const hits = await search('which version made a request fail when the server takes too long');
    expect(file(hits[0])).toBe('CHANGELOG.md');
    for (const hit of hits) expect(hit.explain.fusion?.rankDown, hit.path).toBeUndefined();
  });
});
