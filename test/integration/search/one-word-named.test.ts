import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { usePipeline } from '../../helpers/pipeline.js';

/**
 * A type whose name is one word that dozens of other rows share (Rust's `Span`, which every node
 * of a syntax tree carries and returns from its `span()`): the query `Span` finds the type first,
 * though neither leg's candidates hold it, then the impl blocks named after it.
 */
const NODES = Array.from(
  { length: 70 },
  (_, i) => `pub struct Node${i} {
    span: Span,
}

impl Node${i} {
    pub fn span(&self) -> Span {
        self.span
    }
}
`,
).join('\n');

const SPAN = `/// Where a piece of the pattern starts and ends, as byte offsets.
#[derive(Clone, Copy, Eq, PartialEq)]
pub struct Span {
    /// The first byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl core::fmt::Debug for Span {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Span({:?}, {:?})", self.start, self.end)
    }
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}
`;

describe('a one-word query naming a type many rows mention', () => {
  const pipeline = usePipeline('file');
  let app: App;

  beforeAll(async () => {
    const ws = await pipeline.workspace('one-word-named');
    await ws.write('src/nodes.rs', NODES);
    await ws.write('src/span.rs', SPAN);
    app = await pipeline.open(
      ws.config({ sources: [{ path: ws.notes, engine: 'code' }] }),
      pipeline.counter(),
    );
    await app.indexer.reconcile();
  });

  it('puts the type first, then its impl blocks, and the lower-case word finds the methods', async () => {
    const { results } = await app.search.search({ query: 'Span', k: 5, explain: true });
    expect(results.slice(0, 3).map((h) => [h.metadata.symbol, h.metadata.kind])).toEqual([
      ['src/span.rs:Span', 'type'],
      ['src/span.rs:Span', 'impl'],
      ['src/span.rs:Span', 'impl'],
    ]);
    expect(results[0]!.text).toContain('pub struct Span');
    const methods = await app.search.search({ query: 'span', k: 3 });
    expect(methods.results.map((h) => String(h.metadata.symbol).replace(/\d+/, 'N'))).toEqual([
      'src/nodes.rs:NodeN.span',
      'src/nodes.rs:NodeN.span',
      'src/nodes.rs:NodeN.span',
    ]);
  });
});
