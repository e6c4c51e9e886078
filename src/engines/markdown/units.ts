/**
 * What a hit's `startLine`/`endLine` count in a file the markdown engine reads from its bytes:
 * a PDF's and an office document's pages, a presentation's slides, a workbook's sheets, an
 * e-book's chapters. Light on purpose (the CLI and the MCP server name places with it): no
 * reader is loaded.
 */
export type PlaceUnit = 'page' | 'slide' | 'sheet' | 'chapter';

const UNITS: readonly [RegExp, PlaceUnit][] = [
  [/\.(?:pdf|docx|odt)$/i, 'page'],
  [/\.(?:pptx|odp)$/i, 'slide'],
  [/\.xlsx$/i, 'sheet'],
  [/\.epub$/i, 'chapter'],
];

/** The unit of `path`'s places; undefined for a file whose places are its lines. */
export function placeUnit(path: string): PlaceUnit | undefined {
  return UNITS.find(([pattern]) => pattern.test(path))?.[1];
}
