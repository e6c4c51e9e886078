import { posix } from 'node:path';
import { RagError } from '../../errors.js';
import { ConvertedLines, type ConvertedText } from './converted.js';
import { htmlToMarkdown } from './html.js';
import { attribute as attr, walkXml, zipParts } from './office.js';

/** A spine document that is the book's furniture, not its text: a cover, a title page, a table of contents. */
const FURNITURE = /\bepub:type="[^"]*\b(?:cover|titlepage|toc|landmarks)\b/;
const XHTML = new Set(['application/xhtml+xml', 'text/html']);

/**
 * An e-book (`.epub`) as the Markdown it reads as: its documents in reading order (the OPF
 * spine), each read as an HTML page is (html.ts), under the book's title (`dc:title`) as the
 * H1 above them all (their headings one level down). Left out: the cover, the title page and the table of contents.
 * `lines[i]` is the 0-based document (chapter file) of line `i` in reading order: an EPUB has no
 * pages, and its chapters are what a reader jumps between. A book with DRM (its chapters listed
 * in `META-INF/encryption.xml`) is skipped, saying so; embedded fonts obfuscated there are not DRM.
 */
export function epubToMarkdown(bytes: Uint8Array): ConvertedText {
  const part = zipParts(bytes, 'EPUB book');
  const text = (name: string) => part(name)?.toString('utf8');
  const encryption = text('META-INF/encryption.xml') ?? '';
  if (/<(?:\w+:)?CipherReference\b[^>]*URI="[^"]+\.x?html?"/i.test(encryption))
    throw new RagError('E_SKIPPED', 'a DRM-protected EPUB (its chapters are encrypted): nothing to read');
  const container = text('META-INF/container.xml');
  const opfPath = container && rootFile(container);
  const opf = opfPath ? text(opfPath) : undefined;
  if (!opfPath || opf === undefined)
    throw new RagError('E_SKIPPED', 'not an EPUB book: no package document named by META-INF/container.xml');
  const book = readPackage(opf);
  const out = new ConvertedLines();
  // The book's title is the H1 above its chapters, whose headings each go one level down.
  const shift = book.title ? '#' : '';
  if (book.title) out.push(`# ${book.title}`, 0);
  let chapter = 0;
  for (const href of book.spine) {
    const html = text(posix.join(posix.dirname(opfPath), href));
    if (html === undefined || FURNITURE.test(html)) continue;
    const page = htmlToMarkdown(html);
    if (!page.text.trim()) continue;
    if (out.length) out.push('', Math.max(0, chapter - 1));
    // html.ts escapes a text line that opens with `#`: a line that does is a heading.
    for (const line of page.text.replace(/\n$/, '').split('\n'))
      out.push(/^#{1,5} /.test(line) ? `${shift}${line}` : line, chapter);
    chapter++;
  }
  return out.finish('converted');
}

/** The package document's path, from the container's first `rootfile`. */
function rootFile(xml: string): string | undefined {
  let path: string | undefined;
  walkXml(xml, {
    open(name, attribs) {
      if (name === 'rootfile' && path === undefined) path = attr(attribs, 'full-path');
    },
  });
  return path ? unescapeHref(path).replace(/^\/+/, '') : undefined;
}

/** The book's title and its readable documents in reading order (hrefs relative to the package document). */
function readPackage(xml: string): { title: string | undefined; spine: string[] } {
  const manifest = new Map<string, { href: string; type: string; nav: boolean }>();
  const order: string[] = [];
  let title: string | undefined;
  let inTitle = false;
  walkXml(xml, {
    open(name, attribs) {
      if (name === 'title' && title === undefined) inTitle = true;
      else if (name === 'item') {
        const id = attr(attribs, 'id');
        const href = attr(attribs, 'href');
        if (id && href)
          manifest.set(id, {
            href: unescapeHref(href.replace(/#.*$/, '')),
            type: attr(attribs, 'media-type') ?? '',
            nav: /\bnav\b/.test(attr(attribs, 'properties') ?? ''),
          });
      } else if (name === 'itemref') {
        const idref = attr(attribs, 'idref');
        if (idref) order.push(idref);
      }
    },
    text(chunk) {
      if (inTitle) title = (title ?? '') + chunk;
    },
    close(name) {
      if (name === 'title') inTitle = false;
    },
  });
  const spine = order.flatMap((id) => {
    const item = manifest.get(id);
    return item && !item.nav && XHTML.has(item.type) ? [item.href] : [];
  });
  return { title: title?.replace(/\s+/g, ' ').trim() || undefined, spine };
}

/** An href's `%20`s decoded; one that is not valid percent-encoding is taken as written. */
function unescapeHref(href: string): string {
  try {
    return decodeURIComponent(href);
  } catch {
    return href;
  }
}
