/**
 * Writes a small but real PDF (1.4): pages of text lines in Helvetica (one of the 14 standard
 * fonts, so nothing is embedded) at given positions, an optional outline (bookmarks) whose
 * entries point at a page and a height on it, optional page labels (the numbers a viewer shows)
 * and an optional document title. pdf.js reads it as it reads any PDF; tests use it to know
 * exactly what each page holds.
 */
export interface PdfLine {
  text: string;
  /** Baseline, in points from the page's bottom (a page is 612 × 792). */
  y: number;
  /** Left edge, in points from the page's left (72 unless given): a page number set right of a head. */
  x?: number;
  size?: number;
}

export interface PdfBookmark {
  title: string;
  /** 0-based page. */
  page: number;
  /** Where on the page it points: points from the bottom. */
  top: number;
  children?: PdfBookmark[];
}

/**
 * Where a page numbering starts (a PDF's page labels): from 0-based `page` on, pages are numbered
 * in `style` (`D` 1 2 3, `r` i ii iii, `R`, `a`, `A`) from `start` (1), after `prefix`.
 */
export interface PdfPageLabels {
  page: number;
  style?: 'D' | 'r' | 'R' | 'a' | 'A';
  start?: number;
  prefix?: string;
}

/** A PDF's numbered objects (from 1); one can be reserved first and written once its body is known. */
class Objects {
  readonly bodies: string[] = [];
  add(body = ''): number {
    return this.bodies.push(body);
  }
  set(id: number, body: string): void {
    this.bodies[id - 1] = body;
  }
}

export function writePdf(
  pages: readonly PdfLine[][],
  options: { outline?: PdfBookmark[]; title?: string; pageLabels?: PdfPageLabels[] } = {},
): Buffer {
  const objects = new Objects();
  const catalog = objects.add();
  const pagesNode = objects.add();
  const font = objects.add(
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
  );
  const pageIds: number[] = [];
  for (const lines of pages) {
    const content = lines
      .map((l) => `BT /F1 ${l.size ?? 11} Tf ${l.x ?? 72} ${l.y} Td (${escapePdf(l.text)}) Tj ET`)
      .join('\n');
    const stream = objects.add(
      `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    );
    pageIds.push(
      objects.add(
        `<< /Type /Page /Parent ${pagesNode} 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${stream} 0 R >>`,
      ),
    );
  }
  objects.set(
    pagesNode,
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`,
  );
  let outlines = '';
  if (options.outline?.length) {
    const root = objects.add();
    const items = writeOutline(options.outline, root, pageIds, objects);
    objects.set(
      root,
      `<< /Type /Outlines /First ${items.first} 0 R /Last ${items.last} 0 R /Count ${items.count} >>`,
    );
    outlines = ` /Outlines ${root} 0 R /PageMode /UseOutlines`;
  }
  const labels = options.pageLabels?.length
    ? ` /PageLabels << /Nums [${options.pageLabels
        .map(
          (l) =>
            `${l.page} <<${l.style ? ` /S /${l.style}` : ''}${l.start ? ` /St ${l.start}` : ''}${l.prefix ? ` /P (${escapePdf(l.prefix)})` : ''} >>`,
        )
        .join(' ')}] >>`
    : '';
  objects.set(catalog, `<< /Type /Catalog /Pages ${pagesNode} 0 R${outlines}${labels} >>`);
  const info = options.title ? objects.add(`<< /Title (${escapePdf(options.title)}) >>`) : undefined;
  let pdf = '%PDF-1.4\n';
  const offsets = objects.bodies.map((body, i) => {
    const at = Buffer.byteLength(pdf, 'latin1');
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n`;
  for (const at of offsets) pdf += `${String(at).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${offsets.length + 1} /Root ${catalog} 0 R${info ? ` /Info ${info} 0 R` : ''} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

function writeOutline(
  marks: readonly PdfBookmark[],
  parent: number,
  pageIds: readonly number[],
  objects: Objects,
): { first: number; last: number; count: number } {
  // Siblings point at each other: every item's number is taken before any is written.
  const ids = marks.map(() => objects.add());
  let count = marks.length;
  marks.forEach((mark, i) => {
    const links = [
      `/Parent ${parent} 0 R`,
      i > 0 ? `/Prev ${ids[i - 1]} 0 R` : '',
      i < ids.length - 1 ? `/Next ${ids[i + 1]} 0 R` : '',
    ];
    if (mark.children?.length) {
      const kids = writeOutline(mark.children, ids[i]!, pageIds, objects);
      links.push(`/First ${kids.first} 0 R /Last ${kids.last} 0 R /Count ${kids.count}`);
      count += kids.count;
    }
    objects.set(
      ids[i]!,
      `<< /Title (${escapePdf(mark.title)}) /Dest [${pageIds[mark.page]} 0 R /XYZ 72 ${mark.top} 0] ${links.filter(Boolean).join(' ')} >>`,
    );
  });
  return { first: ids[0]!, last: ids.at(-1)!, count };
}

function escapePdf(text: string): string {
  return text.replace(/[\\()]/g, (c) => `\\${c}`);
}
