import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorReply, ProtocolError, parseRequestEnvelope } from '../../../src/ipc/protocol.js';
import { BUILTIN_FILTERS } from '../../../src/registry/builtin-filters.js';
import { searchParamsSchema } from '../../../src/search/params.js';
import {
  BEGIN_MARK,
  END_MARK,
  renderSearchParams,
  replaceSearchParams,
} from '../../../src/search/params-doc.js';

const PAGE = join(import.meta.dirname, '..', '..', '..', 'docs', 'PROTOCOL.md');
const doc = readFileSync(PAGE, 'utf8');
const schema = searchParamsSchema(BUILTIN_FILTERS);

/** The `search` tables' rows as the page has them: param name → the row's cells. */
function documentedRows(): Map<string, string[]> {
  const section = doc.slice(doc.indexOf(BEGIN_MARK), doc.indexOf(END_MARK));
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^\| `(\w+)` \|(.*)\|$/.exec(line);
    if (m)
      rows.set(
        m[1] as string,
        (m[2] as string).split(/(?<!\\)\|/).map((c) => c.trim()),
      );
  }
  return rows;
}

describe('docs/PROTOCOL.md and the search schema', () => {
  it('has the search parameters exactly as the schema renders them', () => {
    expect(
      replaceSearchParams(doc, renderSearchParams(schema)) === doc,
      'docs/PROTOCOL.md is stale: run `npm run build && node scripts/protocol-params.mjs`',
    ).toBe(true);
  });

  it('names every parameter, bound and mode that the JSON Schema has, and no others', () => {
    const json = z.toJSONSchema(schema.object) as {
      properties: Record<string, { maxLength?: number; minimum?: number; maximum?: number; enum?: string[] }>;
      required: string[];
    };
    const rows = documentedRows();
    expect([...rows.keys()].sort()).toEqual(Object.keys(json.properties).sort());
    const thousands = (n: number) => [String(n), n.toLocaleString('en-US')];
    for (const [name, prop] of Object.entries(json.properties)) {
      const [value, deflt] = rows.get(name) as [string, string];
      for (const bound of [prop.maxLength, prop.minimum, prop.maximum]) {
        if (bound === undefined) continue;
        expect(
          thousands(bound).some((b) => value.includes(b)),
          `${name}: ${bound} in "${value}"`,
        ).toBe(true);
      }
      for (const option of prop.enum ?? []) expect(value, name).toContain(option);
      expect(deflt === 'required', name).toBe(json.required.includes(name));
    }
  });

  it("shows the daemon's own words in the example refusal", () => {
    const lines = doc.split('\n');
    const sent = lines.findIndex((l) => l.startsWith('→ ') && l.includes('"method":"search"'));
    expect(sent).toBeGreaterThan(0);
    const request = JSON.parse((lines[sent] as string).slice(2).replace(/\\f$/, ''));
    const reply = JSON.parse((lines[sent + 1] as string).slice(2).replace(/\\f$/, ''));
    const refused = parseRequestEnvelope(request, schema);
    expect(refused).toBeInstanceOf(ProtocolError);
    const err = refused as ProtocolError;
    expect(reply).toEqual({ type: 'response', data: errorReply(err.requestId, err) });
  });
});
