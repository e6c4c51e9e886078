import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { usePipeline } from '../../helpers/pipeline.js';

/**
 * An enum's constant has no row of its own, and a Java enum's outline is out of hybrid's
 * full-text leg: the constant's name, bare or qualified, must still find the enum first, ahead
 * of the code using it and of a method whose name is the constant's in another style.
 */
const TOKEN = `package gson.stream;

/** A structure, name or value type in a JSON-encoded string. */
public enum JsonToken {
  /** The opening of a JSON array. */
  BEGIN_ARRAY,
  /** The closing of a JSON array. */
  END_ARRAY,
  /** A JSON property name. */
  NAME,
}
`;

const READER = `package gson.stream;

public class JsonReader {
  private int peeked;

  /** Consumes the next token, asserting that it is the beginning of a new array. */
  public void beginArray() {
    if (peek() != JsonToken.BEGIN_ARRAY) {
      throw new IllegalStateException("Expected BEGIN_ARRAY but was " + peek());
    }
    peeked = 0;
  }

  /** Returns the type of the next token without consuming it. */
  public JsonToken peek() {
    return peeked == 1 ? JsonToken.BEGIN_ARRAY : JsonToken.END_ARRAY;
  }
}
`;

/**
 * An enum long enough to be cut in parts: its later parts do not say `enum`, and the constant
 * asked for is in the last of them.
 */
const KINDS = [
  'INTEGER',
  'DECIMAL',
  'STRING',
  'BOOLEAN',
  'TIMESTAMP',
  'DURATION',
  'BINARY',
  'UUID',
  'ARRAY',
  'MAP',
  'STRUCT',
  'NULL_VALUE',
];
const FIELD_KIND = `package gson.schema;

/** The kind of value a field of a schema holds, as the validator reads it. */
public enum FieldKind {
${KINDS.map(
  (kind) =>
    `  /**\n   * A field holding a ${kind.toLowerCase().replace('_', ' ')}; the validator checks every value\n   * against this kind before the record is written to the store.\n   */\n  ${kind},`,
).join('\n')}
}
`;

const VALIDATOR = `package gson.schema;

public class Validator {
  /** Whether the value may be left out of a record: only a field of NULL_VALUE kind may. */
  public boolean isOptional(FieldKind kind) {
    return kind == FieldKind.NULL_VALUE;
  }
}
`;

describe("an enum's constant, by its name", () => {
  const pipeline = usePipeline('file');
  let app: App;

  beforeAll(async () => {
    const ws = await pipeline.workspace('enum-member');
    await ws.write('src/JsonToken.java', TOKEN);
    await ws.write('src/JsonReader.java', READER);
    await ws.write('src/FieldKind.java', FIELD_KIND);
    await ws.write('src/Validator.java', VALIDATOR);
    app = await pipeline.open(
      ws.config({ sources: [{ path: ws.notes, engine: 'code' }] }),
      pipeline.counter(),
    );
    await app.indexer.reconcile();
  });

  it('finds the enum first, bare or qualified, and says it holds the name', async () => {
    for (const query of ['BEGIN_ARRAY', 'JsonToken.BEGIN_ARRAY', 'JsonToken.END_ARRAY']) {
      const { results, note } = await app.search.search({ query, k: 3, explain: true });
      expect(results[0]?.metadata.symbol, query).toBe('src/JsonToken.java:JsonToken');
      expect(results[0]?.explain?.exact?.defines, query).toBe(true);
      expect(note, query).toBeUndefined();
    }
  });

  it("finds a long enum by a bare constant in one of its later parts, which carry that they are an enum's", async () => {
    const { results, note } = await app.search.search({ query: 'NULL_VALUE', k: 3, explain: true });
    const hit = results[0];
    expect(hit?.metadata.symbol).toBe('src/FieldKind.java:FieldKind');
    // The part that declares it, not the enum's first chunk.
    expect(hit?.metadata.part).toBeGreaterThan(0);
    expect(hit?.explain?.exact?.defines).toBe(true);
    expect(note).toBeUndefined();
  });
});
