import { RagError } from '../../errors.js';
import type { ConvertedText } from './converted.js';
import {
  attribute as attr,
  localName as local,
  OfficeLines,
  partRels,
  relationships,
  walkXml,
  zipParts,
} from './office.js';

/** Placeholders whose text is the slide's furniture, not its content. */
const FURNITURE = new Set(['sldNum', 'dt', 'ftr', 'hdr', 'sldImg']);
const TITLES = new Set(['title', 'ctrTitle']);

/** What a slide (or its notes) holds, in the order of its shapes. */
type Block =
  | { kind: 'paragraph'; text: string; level: number; placeholder: string | undefined }
  | { kind: 'table'; rows: string[][] };

/**
 * A presentation (`.pptx`, Office Open XML) as the Markdown it reads as: the slides in the
 * order the presentation lists them, each under its title (the title slide's as the H1 above
 * them all, a slide without one as "Slide N"), its text as list items at their outline level,
 * its tables as Markdown tables, then its speaker notes. Left out: slide numbers, dates,
 * footers, pictures and charts.
 *
 * `lines[i]` is the 0-based slide of line `i`, as a PDF's are its pages: a hit names the slides
 * to open.
 */
export function pptxToMarkdown(bytes: Uint8Array): ConvertedText {
  const part = zipParts(bytes, 'PowerPoint presentation');
  const text = (name: string | undefined) => (name ? part(name)?.toString('utf8') : undefined);
  const presentation = text('ppt/presentation.xml');
  if (presentation === undefined)
    throw new RagError('E_SKIPPED', 'not a PowerPoint presentation: it has no ppt/presentation.xml');
  const targets = relationships(text('ppt/_rels/presentation.xml.rels'), 'ppt/presentation.xml');
  const out = new OfficeLines();
  slideIds(presentation).forEach((id, index) => {
    const path = targets.get(id);
    const slide = text(path);
    if (!path || slide === undefined) return;
    out.atPage(index);
    const blocks = readBlocks(slide);
    const notes = [...relationships(text(partRels(path)), path)].find(([, target]) =>
      /notesSlide\d*\.xml$/.test(target),
    );
    // In the notes, the slide's picture and number are placeholders of their own; the rest is what the speaker wrote.
    const noteBlocks = notes ? readBlocks(text(notes[1]) ?? '') : [];
    // A slide of pictures or charts alone has no text to find: no "Slide 4" heading over nothing.
    if (!blocks.length && !noteBlocks.length) return;
    const title = blocks.find((b) => b.kind === 'paragraph' && TITLES.has(b.placeholder ?? ''));
    if (title?.kind === 'paragraph' && title.placeholder === 'ctrTitle') out.title(title.text, index);
    else out.heading(1, title?.kind === 'paragraph' ? title.text : `Slide ${index + 1}`, index);
    writeBlocks(
      out,
      blocks.filter((b) => b !== title),
      index,
    );
    writeBlocks(out, noteBlocks, index, true);
  });
  return out.finish();
}

/** The slides' relationship ids, in the order the presentation shows them. */
function slideIds(xml: string): string[] {
  const ids: string[] = [];
  walkXml(xml, {
    open(name, attribs) {
      if (name !== 'sldId') return;
      // Its plain `id` is a number; the relationship's is the namespaced one (`r:id`).
      const id = Object.entries(attribs).find(([key]) => key.includes(':') && local(key) === 'id')?.[1];
      if (id) ids.push(id);
    },
  });
  return ids;
}

/** A slide's (or notes page's) shapes' text, in their order. */
function readBlocks(xml: string): Block[] {
  const blocks: Block[] = [];
  let placeholder: string | undefined;
  let paragraph: { text: string; level: number } | undefined;
  let inText = false;
  let table: string[][] | undefined;
  let row: string[] | undefined;
  let cell: string[] | undefined;
  walkXml(xml, {
    open(name, attribs) {
      switch (name) {
        case 'sp':
          placeholder = undefined;
          break;
        case 'ph':
          // A placeholder without a type is the layout's body.
          placeholder = attr(attribs, 'type') ?? 'body';
          break;
        case 'p':
          paragraph = { text: '', level: 0 };
          break;
        case 'pPr':
          if (paragraph) paragraph.level = Number(attr(attribs, 'lvl')) || 0;
          break;
        case 't':
          inText = true;
          break;
        case 'br':
        case 'tab':
          if (paragraph) paragraph.text += ' ';
          break;
        case 'tbl':
          table = [];
          break;
        case 'tr':
          row = [];
          break;
        case 'tc':
          cell = [];
          break;
      }
    },
    text(text) {
      if (inText && paragraph) paragraph.text += text;
    },
    close(name) {
      switch (name) {
        case 't':
          inText = false;
          break;
        case 'p': {
          const text = paragraph?.text.replace(/\s+/g, ' ').trim();
          if (text && cell) cell.push(text);
          else if (text && !FURNITURE.has(placeholder ?? ''))
            blocks.push({ kind: 'paragraph', text, level: paragraph?.level ?? 0, placeholder });
          paragraph = undefined;
          break;
        }
        case 'tc':
          if (cell && row) row.push(cell.join(' '));
          cell = undefined;
          break;
        case 'tr':
          if (row && table) table.push(row);
          row = undefined;
          break;
        case 'tbl':
          if (table?.length) blocks.push({ kind: 'table', rows: table });
          table = undefined;
          break;
      }
    },
  });
  return blocks;
}

/** A slide's blocks (or, `notes`, its speaker notes: paragraphs) as Markdown on slide `slide`. */
function writeBlocks(out: OfficeLines, blocks: readonly Block[], slide: number, notes = false): void {
  for (const block of blocks) {
    if (block.kind === 'table') out.table(block.rows);
    else if (notes || block.placeholder === 'subTitle') out.paragraph(block.text, slide);
    else out.listItem(block.level, block.text, slide);
  }
}
