import { afterAll, describe, expect, it } from 'vitest';
import { Grammars } from '../../../../src/engines/code/grammars.js';
import { bySymbol, chunk, expectAllTextCovered, expectValidChunks, outline } from './helpers.js';

const grammars = new Grammars();
afterAll(() => grammars.close());

/** An ajv-style keyword definition: data keys and functions written as object members. */
const KEYWORD = [
  "import type { KeywordCxt } from '../../compile/validate';", // 1
  '', // 2
  'const def: CodeKeywordDefinition = {', // 3
  "  keyword: 'multipleOf',", // 4
  "  type: 'number',", // 5
  '  /** Emits the check. */', // 6
  '  code(cxt: KeywordCxt) {', // 7
  '    const { gen, data } = cxt;', // 8
  '    cxt.fail(gen.mod(data, cxt.schema));', // 9
  '  },', // 10
  '  validate: function (schema: number) {', // 11
  '    return schema > 0;', // 12
  '  },', // 13
  '  check: (x: number) => x % 2 === 0,', // 14
  "  'error-message': () => 'not a multiple',", // 15
  '};', // 16
  '', // 17
  'export default def;', // 18
  '',
].join('\n');

describe('object-literal members (JS/TS)', () => {
  it('names a const object’s methods, function values and arrows after the const', async () => {
    const chunks = await chunk(grammars, 'lib/multipleOf.ts', KEYWORD);
    expect(outline(chunks)).toEqual([
      ['lib/multipleOf.ts', 'imports', 1, 1, null],
      ['lib/multipleOf.ts:def', 'object', 3, 16, null],
      ['lib/multipleOf.ts:def.code', 'method', 6, 10, 'lib/multipleOf.ts:def'],
      ['lib/multipleOf.ts:def.validate', 'method', 11, 13, 'lib/multipleOf.ts:def'],
      ['lib/multipleOf.ts:def.check', 'function', 14, 14, 'lib/multipleOf.ts:def'],
      ['lib/multipleOf.ts:def.error-message', 'function', 15, 15, 'lib/multipleOf.ts:def'],
      ['lib/multipleOf.ts', 'module', 18, 18, null],
    ]);
    expectValidChunks(KEYWORD, chunks);
    expectAllTextCovered(KEYWORD, chunks);
  });

  it('shows the object as its data keys and member signatures, as a class is shown', async () => {
    const chunks = await chunk(grammars, 'lib/multipleOf.ts', KEYWORD);
    expect(bySymbol(chunks, 'lib/multipleOf.ts:def').text).toBe(
      [
        'const def: CodeKeywordDefinition = {',
        "  keyword: 'multipleOf',",
        "  type: 'number',",
        '  /** Emits the check. */',
        '  code(cxt: KeywordCxt) { … }',
        '  validate: function (schema: number) { … }',
        '  check: (x: number) => x % 2 === 0,',
        "  'error-message': () => 'not a multiple',",
        '};',
      ].join('\n'),
    );
  });

  it('names `export default {…}` members `default.*` and `module.exports = {…}` members after the target', async () => {
    const esm = [
      'export default {',
      '  name: "plugin",',
      '  setup(build) {',
      '    build.run();',
      '  },',
      '};',
      '',
    ].join('\n');
    expect(outline(await chunk(grammars, 'plugin.mjs', esm))).toEqual([
      ['plugin.mjs:default', 'object', 1, 6, null],
      ['plugin.mjs:default.setup', 'method', 3, 5, 'plugin.mjs:default'],
    ]);
    const cjs = [
      "'use strict';",
      '',
      'module.exports = {',
      '  parse: function (text) {',
      '    return JSON.parse(text);',
      '  },',
      '  stringify(value) {',
      '    return JSON.stringify(value);',
      '  },',
      '};',
      '',
    ].join('\n');
    expect(outline(await chunk(grammars, 'json.js', cjs))).toEqual([
      ['json.js', 'module', 1, 1, null],
      ['json.js:module.exports', 'object', 3, 10, null],
      ['json.js:module.exports.parse', 'method', 4, 6, 'json.js:module.exports'],
      ['json.js:module.exports.stringify', 'method', 7, 9, 'json.js:module.exports'],
    ]);
  });

  it('leaves an object of plain data as module code, and `as const` objects are unwrapped', async () => {
    const data = ['export const LIMITS = {', '  max: 10,', '  min: 1,', '};', ''].join('\n');
    expect(outline(await chunk(grammars, 'limits.ts', data))).toEqual([['limits.ts', 'module', 1, 4, null]]);
    const asConst = ['const handlers = {', '  open() {', '    return 1;', '  },', '} as const;', ''].join(
      '\n',
    );
    expect(outline(await chunk(grammars, 'handlers.ts', asConst))).toEqual([
      ['handlers.ts:handlers', 'object', 1, 5, null],
      ['handlers.ts:handlers.open', 'method', 2, 4, 'handlers.ts:handlers'],
    ]);
  });
});
