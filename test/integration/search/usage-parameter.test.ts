import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { usePipeline } from '../../helpers/pipeline.js';

/**
 * A question about a name's uses (`what calls nullSafe`) through the real pipeline: a function
 * whose parameter has that name declares and reads its own variable, and calls nothing of it.
 */
const ADAPTER = `package gson;

public abstract class TypeAdapter<T> {
  /** This adapter, made to write null for a null value and read a JSON null as null. */
  public final TypeAdapter<T> nullSafe() {
    return new NullSafeTypeAdapter<>(this);
  }
}
`;

const FACTORY = `package gson;

public final class AdapterFactory {
  /** The adapter the annotation asks for, null-safe unless it says otherwise. */
  public TypeAdapter<?> create(TypeAdapter<?> adapter, boolean nullSafe) {
    return nullSafe ? adapter.nullSafe() : adapter;
  }

  /**
   * The name of a field as an error message shows it.
   * @param nullSafe whether the field's adapter writes null for a null value
   */
  public static String describe(String name, boolean nullSafe) {
    return nullSafe ? name + " (null-safe)" : name;
  }
}
`;

const FORMATTER = `package gson;

public final class Formatter {
  /** The adapter of a date field, which may be absent from the JSON. */
  public TypeAdapter<Date> dates(TypeAdapter<Date> adapter) {
    return adapter.nullSafe();
  }
}
`;

describe('a parameter named like the function asked about', () => {
  const pipeline = usePipeline('file');
  let app: App;

  beforeAll(async () => {
    const ws = await pipeline.workspace('usage-parameter');
    await ws.write('src/gson/TypeAdapter.java', ADAPTER);
    await ws.write('src/gson/AdapterFactory.java', FACTORY);
    await ws.write('src/gson/Formatter.java', FORMATTER);
    app = await pipeline.open(
      ws.config({ sources: [{ path: ws.notes, engine: 'code' }] }),
      pipeline.counter(),
    );
    await app.indexer.reconcile();
  });

  it('is no use of it: the callers come first, then the definition, and the parameter after', async () => {
    const { results } = await app.search.search({ query: 'what calls nullSafe?', k: 10, explain: true });
    const symbols = results.map((h) => h.metadata.symbol);
    const definition = symbols.indexOf('src/gson/TypeAdapter.java:TypeAdapter.nullSafe');
    const parameter = symbols.indexOf('src/gson/AdapterFactory.java:AdapterFactory.describe');
    expect(definition).toBeGreaterThan(0);
    // Both callers, one of them with a parameter of that name beside its call.
    expect(symbols.slice(0, definition).sort()).toEqual([
      'src/gson/AdapterFactory.java:AdapterFactory.create',
      'src/gson/Formatter.java:Formatter.dates',
    ]);
    expect(parameter).toBeGreaterThan(definition);
    expect(results[parameter]?.explain?.exact).toEqual({
      term: 'nullSafe',
      held: true,
      parameter: true,
      usages: true,
    });
  });
});
