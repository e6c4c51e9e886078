import { describe, expect, it } from 'vitest';
import { ByteLineSplitter, LineOffsets } from '../../../../src/engines/sql/byte-lines.js';
import { isCutLine, MAX_LINE_CHARS, stripCutMark } from '../../../../src/engines/sql/lines.js';

/** Every line the splitter yields for `bytes` fed in pieces of `step` bytes, then ended. */
function split(bytes: Buffer, step: number, from = 0, firstLine = 1) {
  const s = new ByteLineSplitter(from, firstLine);
  const out = [];
  for (let at = 0; at < bytes.length; at += step) out.push(...s.push(bytes.subarray(at, at + step)));
  const beforeEnd = { offset: s.offset, hasPartial: s.hasPartial, nextLine: s.nextLine };
  out.push(...s.end());
  return { lines: out, beforeEnd };
}

describe('ByteLineSplitter', () => {
  it('gives each line its byte range, whatever the read size, with multi-byte characters cut across reads', () => {
    const text = 'größe ✓\r\nzweite Zeile — 😀\n\nletzte ohne Umbruch: é';
    const bytes = Buffer.from(text);
    for (const step of [1, 2, 3, 5, 64]) {
      const { lines, beforeEnd } = split(bytes, step, 100, 7);
      expect(lines.map((l) => l.text)).toEqual([
        'größe ✓',
        'zweite Zeile — 😀',
        '',
        'letzte ohne Umbruch: é',
      ]);
      expect(lines.map((l) => l.no)).toEqual([7, 8, 9, 10]);
      for (const l of lines) {
        // The range holds the line's bytes (and its line break).
        const raw = bytes.subarray(l.start - 100, l.end - 100).toString('utf8');
        expect(raw.replace(/\r?\n$/, '')).toBe(l.text);
      }
      expect(lines.at(-1)!.end).toBe(100 + bytes.length);
      // Before the end, the unterminated last line is waiting, not yielded; the offset is its start.
      expect(beforeEnd).toEqual({
        offset: 100 + Buffer.byteLength('größe ✓\r\nzweite Zeile — 😀\n\n'),
        hasPartial: true,
        nextLine: 10,
      });
    }
  });

  it("reads a line that is not UTF-8 as the 8-bit code page a LATIN1 database's log has", () => {
    const latin1 = Buffer.from("statement: SELECT * FROM cities WHERE name = 'München'\n", 'latin1');
    const utf8 = Buffer.from("statement: SELECT * FROM cities WHERE name = 'Zürich'\n");
    const lines = split(Buffer.concat([latin1, utf8]), 7).lines.map((l) => l.text);
    expect(lines).toEqual([
      "statement: SELECT * FROM cities WHERE name = 'München'",
      "statement: SELECT * FROM cities WHERE name = 'Zürich'",
    ]);
    // Bytes that look like a UTF-16 byte-order mark mean nothing inside a file.
    const marked = Buffer.concat([Buffer.from([0x41, 0x0a, 0xff, 0xfe, 0x41]), Buffer.from(' zebrafish\n')]);
    expect(split(marked, 3).lines.map((l) => l.text)).toEqual(['A', 'ÿþA zebrafish']);
  });

  it('drops a byte order mark at the start of the file, not one inside it', () => {
    const bom = '\uFEFF';
    expect(split(Buffer.from(`${bom}select 1;\n`), 2).lines[0]!.text).toBe('select 1;');
    expect(split(Buffer.from(`${bom}select 1;\n`), 2, 10).lines[0]!.text).toBe(`${bom}select 1;`);
  });

  it('cuts a runaway line at MAX_LINE_CHARS bytes, marks it, and keeps counting its bytes', () => {
    const long = Buffer.alloc(MAX_LINE_CHARS + 12_345, 0x61);
    const bytes = Buffer.concat([long, Buffer.from('\nnext\n')]);
    const { lines } = split(bytes, 65_536);
    expect(lines).toHaveLength(2);
    expect(isCutLine(lines[0]!.text)).toBe(true);
    expect(stripCutMark(lines[0]!.text)).toHaveLength(MAX_LINE_CHARS);
    expect(lines[0]!.end).toBe(long.length + 1);
    expect(lines[1]).toMatchObject({ text: 'next', no: 2, start: long.length + 1 });
  });
});

describe('LineOffsets', () => {
  it('answers for the lines it still holds and forgets the ones before a line', () => {
    const o = new LineOffsets();
    for (let no = 5; no < 10_005; no++) o.add(no, no * 10);
    expect(o.get(5)).toBe(50);
    expect(o.get(10_004)).toBe(100_040);
    expect(o.get(4)).toBeUndefined();
    expect(o.get(10_005)).toBeUndefined();
    o.forgetBefore(9_000);
    expect(o.get(8_999)).toBeUndefined();
    expect(o.get(9_000)).toBe(90_000);
    o.add(10_005, 100_050);
    expect(o.get(10_005)).toBe(100_050);
    o.forgetBefore(20_000);
    expect(o.get(10_005)).toBeUndefined();
    o.add(10_006, 7);
    expect(o.get(10_006)).toBe(7);
  });
});
