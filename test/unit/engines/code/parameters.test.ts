import { afterAll, describe, expect, it } from 'vitest';
import { Grammars } from '../../../../src/engines/code/grammars.js';
import { bySymbol, chunk } from './helpers.js';

const grammars = new Grammars();
afterAll(() => grammars.close());

/** `metadata.parameterNames` of each chunk by symbol (parts left out). */
async function parameterNames(name: string, text: string): Promise<Record<string, string[] | undefined>> {
  const chunks = await chunk(grammars, name, text);
  return Object.fromEntries(
    chunks.filter((c) => !c.metadata.part).map((c) => [c.metadata.symbol, c.metadata.parameterNames]),
  );
}

describe('the names a chunk holds only as parameters', () => {
  it('java: a parameter read as a plain name; not one also called as a method or selected as a member', async () => {
    const text = [
      'public final class AdapterFactory {',
      '  /** @param nullSafe whether null is written for null */',
      '  public static String describe(String name, boolean nullSafe) {',
      '    return nullSafe ? name + "?" : name;',
      '  }',
      '',
      '  public TypeAdapter<?> create(TypeAdapter<?> adapter, boolean nullSafe) {',
      '    return nullSafe ? adapter.nullSafe() : adapter;',
      '  }',
      '',
      '  public TypeAdapter<?> wrap(boolean nullSafe) {',
      '    return nullSafe();',
      '  }',
      '}',
      '',
    ].join('\n');
    expect(await parameterNames('AdapterFactory.java', text)).toEqual({
      // The summary shows the signatures only: there every `nullSafe` is a declaration.
      'AdapterFactory.java:AdapterFactory': ['name', 'nullSafe', 'adapter'],
      'AdapterFactory.java:AdapterFactory.describe': ['name', 'nullSafe'],
      'AdapterFactory.java:AdapterFactory.create': ['adapter'],
      // A Java method's name is never a variable's: `nullSafe()` calls the method.
      'AdapterFactory.java:AdapterFactory.wrap': undefined,
    });
  });

  it("javascript, python, go, c, ruby, php: each grammar's parameters and members", async () => {
    expect(
      await parameterNames(
        'a.js',
        'function run(onDone, opts) {\n  opts.done(1);\n  return onDone();\n}\nconst twice = (x) => x * 2;\n',
      ),
    ).toEqual({
      // Calling the parameter calls the function it holds, whatever its name.
      'a.js:run': ['onDone', 'opts'],
      'a.js:twice': ['x'],
    });
    expect(
      await parameterNames(
        'a.py',
        'def send(self, timeout, *args, retries: int = 3, **kw):\n    return self.timeout(args, retries=retries, **kw)\n',
      ),
    ).toEqual({ 'a.py:send': ['self', 'args', 'kw'] });
    expect(
      await parameterNames('a.go', 'package a\n\nfunc (s *S) Put(key, value string) {\n\ts.key(value)\n}\n'),
    ).toEqual({
      'a.go': undefined,
      'a.go:S.Put': ['value'],
    });
    expect(
      await parameterNames('a.c', 'int put(const char *key, int n)\n{\n    return n + strlen(key);\n}\n'),
    ).toEqual({
      'a.c:put': ['key', 'n'],
    });
    expect(await parameterNames('a.rb', 'def put(key, value = nil)\n  store.key(value)\nend\n')).toEqual({
      'a.rb:put': ['value'],
    });
    expect(
      await parameterNames('a.php', '<?php\nfunction put($key, $n) {\n    return $this->key($n);\n}\n'),
    ).toEqual({
      'a.php': undefined,
      'a.php:put': ['n'],
    });
  });

  it('gives the parts of a long function the names of the whole', async () => {
    const steps = Array.from({ length: 60 }, (_, i) => `    total += nullSafe ? ${i} : -${i};`);
    const text = [
      'int sum(boolean nullSafe) {',
      '    int total = 0;',
      ...steps,
      '    return total;',
      '}',
      '',
    ].join('\n');
    const chunks = await chunk(grammars, 'Sum.java', text);
    const head = bySymbol(chunks, 'Sum.java:sum');
    const parts = chunks.filter((c) => c.metadata.part);
    expect(parts.length).toBeGreaterThan(1);
    for (const c of [head, ...parts]) expect(c.metadata.parameterNames).toEqual(['nullSafe']);
  });
});
