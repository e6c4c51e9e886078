/**
 * Test code by its path, in the conventions of the languages the code engine chunks: a `test/`,
 * `tests/` or `__tests__/` folder at any depth (Rust's `tests/`, Java's `src/test/`, JS's
 * `__tests__/`), Go's `_test.go`, pytest's `test_*.py` and `*_test.py`, and JS/TS `*.test.*` and
 * `*.spec.*`. Matched against the path relative to the source root, `/`-separated, so a source
 * that itself lives under a folder named `tests` is not all test code.
 */
export const TEST_PATHS =
  /(^|\/)((__tests__|tests?)\/|test_[^/]*\.py$|[^/]*_test\.(go|py)$|[^/]*\.(test|spec)\.[cm]?[jt]sx?$)/;

/**
 * What a test chunk's fused hybrid score is multiplied by. Chosen leave-one-base-out over the
 * five code bases among 0.9, 0.8 and 0.7 (docs/BENCHMARKS.md §30): on the Go bases, which ship
 * their tests, tests held a quarter of hybrid's top-5 slots and outranked the functions they
 * exercise, their tables of inputs and expected messages reading like the question.
 */
export const TEST_RANK_FACTOR = 0.7;
