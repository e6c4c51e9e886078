import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeText, readForIndex, shortHash } from '../../../src/pipeline/read-file.js';

describe('readForIndex', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ragctl-read-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function put(name: string, content: string | Buffer): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  }

  it('returns the text and a hash of the bytes', async () => {
    const path = await put('a.md', '# Hello\n\nworld\n');
    const read = await readForIndex(path);
    expect(read).toEqual({
      ok: true,
      text: '# Hello\n\nworld\n',
      fileHash: shortHash(Buffer.from('# Hello\n\nworld\n')),
      size: 15,
    });
    expect(read.ok && read.fileHash).toMatch(/^[0-9a-f]{32}$/);
  });

  it('calls a file with a NUL byte in its first 8 kB binary, keeping its hash', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x0d]);
    const read = await readForIndex(await put('image.md', bytes));
    expect(read).toEqual({ ok: false, reason: 'binary file', fileHash: shortHash(bytes) });
  });

  it('does not look past 8 kB for NUL bytes', async () => {
    const text = `${'a'.repeat(8000)}\0tail`;
    const read = await readForIndex(await put('late-nul.md', text));
    expect(read.ok).toBe(true);
  });

  it('decodes a stray invalid byte in UTF-8 as a replacement character and drops a BOM', async () => {
    const stray = await readForIndex(
      await put('stray.md', Buffer.concat([Buffer.from('naïve '), Buffer.from([0xe9])])),
    );
    expect(stray.ok && stray.text).toBe('naïve \uFFFD');
    const bom = await readForIndex(await put('bom.md', Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69])));
    expect(bom.ok && bom.text).toBe('hi');
    // The hash is of the bytes on disk, BOM included: a BOM added or removed is a change.
    expect(bom.ok && bom.fileHash).toBe(shortHash(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69])));
  });

  it('reads a file of a legacy 8-bit code page (no valid UTF-8 beyond ASCII) as windows-1252', async () => {
    const latin1 = await readForIndex(await put('latin1.md', Buffer.from('Résumé: café à 5 €\n', 'latin1')));
    // Latin-1 has no euro sign: its byte 0x80 is windows-1252's €.
    const bytes = Buffer.from('Résumé: café à 5 \x80\n', 'latin1');
    expect((await readForIndex(await put('cp1252.md', bytes))).ok && decodeText(bytes)).toBe(
      'Résumé: café à 5 €\n',
    );
    expect(latin1.ok && latin1.text.startsWith('Résumé: café à 5')).toBe(true);
  });

  it('reads UTF-16 with a byte-order mark (Notepad\'s "Unicode"), NULs and all, as text', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('# Notes\nzürich\n', 'utf16le')]);
    expect(await readForIndex(await put('le.md', le))).toMatchObject({ ok: true, text: '# Notes\nzürich\n' });
    const be = Buffer.from(le.subarray(2)).swap16();
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toBe('# Notes\nzürich\n');
  });

  it('reads a page in the charset its <meta> or XML declaration names when it is not UTF-8', async () => {
    const sjis = Buffer.from([0x93, 0xfa, 0x96, 0x7b]); // 日本 in Shift_JIS
    const page = Buffer.concat([
      Buffer.from('<html><head><meta charset="shift_jis"></head><body><p>'),
      sjis,
      Buffer.from('</p>'),
    ]);
    expect(decodeText(page)).toContain('<p>日本</p>');
    const xml = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="ISO-8859-15"?><p>'),
      Buffer.from([0xa4]),
      Buffer.from('</p>'),
    ]);
    expect(decodeText(xml)).toContain('<p>€</p>');
    // Valid UTF-8 wins over a declaration that says otherwise (a common mislabel).
    expect(decodeText(Buffer.from('<meta charset="iso-8859-1"><p>café</p>'))).toContain('café');
  });

  it('reports a vanished file as vanished, and a folder as unreadable', async () => {
    expect(await readForIndex(join(dir, 'missing.md'))).toEqual({
      ok: false,
      reason: 'deleted',
      vanished: true,
    });
    await mkdir(join(dir, 'folder.md'));
    expect(await readForIndex(join(dir, 'folder.md'))).toEqual({ ok: false, reason: 'is a folder' });
  });

  it('reads an empty file as empty text', async () => {
    expect(await readForIndex(await put('empty.md', ''))).toEqual({
      ok: true,
      text: '',
      fileHash: shortHash(Buffer.alloc(0)),
      size: 0,
    });
  });
});
