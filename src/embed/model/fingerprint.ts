import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Bytes read from each of the sampled places of a weights file. */
const SAMPLE_BYTES = 1 << 20;
const SAMPLES = 4;

/**
 * A short fingerprint of a weights file: its size plus sha256 over a few evenly spaced 1 MiB
 * samples (the header included). Two fine-tunes of one architecture share a header but not
 * their values, so they get different ids; hashing 4 MiB instead of the whole file keeps
 * start-up fast for large models.
 */
export function weightsFingerprint(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const hash = createHash('sha256').update(String(size));
    const buf = Buffer.alloc(SAMPLE_BYTES);
    for (let s = 0; s < SAMPLES; s++) {
      const position = Math.max(0, Math.floor(((size - SAMPLE_BYTES) * s) / (SAMPLES - 1)));
      const n = readSync(fd, buf, 0, SAMPLE_BYTES, position);
      hash.update(buf.subarray(0, n));
    }
    return hash.digest('hex').slice(0, 12);
  } finally {
    closeSync(fd);
  }
}
