import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readForIndex, shortHash } from '../../../src/pipeline/read-file.js';

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

  it('decodes invalid UTF-8 with replacement characters and drops a BOM', async () => {
    const latin1 = await readForIndex(await put('latin1.md', Buffer.from('caf\xe9', 'latin1')));
    expect(latin1.ok && latin1.text).toBe('caf\uFFFD');
    const bom = await readForIndex(await put('bom.md', Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69])));
    expect(bom.ok && bom.text).toBe('hi');
    // The hash is of the bytes on disk, BOM included: a BOM added or removed is a change.
    expect(bom.ok && bom.fileHash).toBe(shortHash(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69])));
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
