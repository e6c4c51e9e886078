// How a code question's answer is judged, shared by eval.mjs, context-share.mjs,
// fusion-replay.mjs and bench/xengine/eval.mjs (bench/code/README.md, "questions").

/** The symbol of a hit inside its file (`Context.invoke`), '' for imports, module code and text. */
export function symbolOf(hit, rel) {
  const s = typeof hit.metadata?.symbol === 'string' ? hit.metadata.symbol : '';
  return s.startsWith(`${rel}:`) ? s.slice(rel.length + 1) : s === rel ? '' : s;
}

/**
 * Whether a hit `{rel, symbol, startLine, endLine}` answers a labelled definition `r`: the same
 * file and the labelled symbol or one nested in it (a part of a split function, a function
 * defined inside it); for an `unnamed` label, a chunk without a symbol overlapping its lines.
 */
export function answers(h, r) {
  return (
    r.path === h.rel &&
    (r.unnamed
      ? h.symbol === '' && h.startLine <= r.lines[1] && h.endLine >= r.lines[0]
      : h.symbol === r.symbol || h.symbol.startsWith(`${r.symbol}.`))
  );
}

/** Whether a hit answers a question: any of its labelled definitions. */
export const isAnswer = (q) => (h) => q.relevant.some((r) => answers(h, r));
