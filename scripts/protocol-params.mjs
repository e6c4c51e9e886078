#!/usr/bin/env node
// Writes the `search` parameter tables of docs/PROTOCOL.md from the schema in
// src/search/params.ts (built: run `npm run build` first). test/unit/search/protocol-doc.test.ts
// fails while the page differs from what this writes.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_FILTERS } from '../dist/registry/builtin-filters.js';
import { searchParamsSchema } from '../dist/search/params.js';
import { renderSearchParams, replaceSearchParams } from '../dist/search/params-doc.js';

const page = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'PROTOCOL.md');
const before = readFileSync(page, 'utf8');
const after = replaceSearchParams(before, renderSearchParams(searchParamsSchema(BUILTIN_FILTERS)));
if (after === before) {
  process.stdout.write('docs/PROTOCOL.md is up to date\n');
} else {
  writeFileSync(page, after);
  process.stdout.write('docs/PROTOCOL.md: search parameters rewritten\n');
}
