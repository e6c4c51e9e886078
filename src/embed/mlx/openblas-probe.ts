import { core as mx } from '@frost-beta/mlx';

/**
 * One OpenBLAS timing for openblas.ts: started with OPENBLAS_CORETYPE and OPENBLAS_NUM_THREADS
 * already in its environment (OpenBLAS reads them when the library loads), it times float32
 * GEMMs of the encoder's feed-forward shape and prints `{"ms": …}`. A core type whose
 * instructions this CPU lacks kills it with SIGILL: that candidate is simply out.
 */
const ROWS = 1024;
const HIDDEN = 384;
const INTERMEDIATE = 1536;
const REPEATS = 6;

const x = mx.full([ROWS, HIDDEN], 0.5, mx.float32);
const w = mx.full([HIDDEN, INTERMEDIATE], 0.25, mx.float32);
mx.eval(mx.matmul(x, w)); // Warm-up: thread pool start, first-touch of the buffers.
const started = performance.now();
for (let i = 0; i < REPEATS; i++) mx.eval(mx.matmul(x, w));
process.stdout.write(`${JSON.stringify({ ms: performance.now() - started })}\n`);
