/**
 * A chunk's own text: what its file holds at its lines, without what the chunker put before it
 * for search's sake (`metadata.bodyOffset`: a heading breadcrumb; a code chunk's symbol and
 * name-word lines). The whole text when the chunk has no such offset (or a wrong one).
 */
export function chunkBody(text: string, bodyOffset: unknown): string {
  return typeof bodyOffset === 'number' && bodyOffset > 0 && bodyOffset < text.length
    ? text.slice(bodyOffset)
    : text;
}
