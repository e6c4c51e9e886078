import { type ModelFiles, resolveModel } from '../../src/embed/model/resolve.js';

/** The real default model, as the README's set-up places it. Missing → a loud failure, never a skip. */
export const TEST_MODEL_ID = 'sentence-transformers/all-MiniLM-L6-v2';

export function testModel(): ModelFiles {
  try {
    return resolveModel(process.env.RAGCTL_TEST_MODEL ?? TEST_MODEL_ID);
  } catch (err) {
    throw new Error(
      `The real model is needed for this test and was not found: ${(err as Error).message}. Run ./scripts/setup.sh (or \`ragctl model pull ${TEST_MODEL_ID}\`) first.`,
      { cause: err },
    );
  }
}
