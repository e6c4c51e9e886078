/** The int8 range used, symmetric: -127…127, so a column's zero point is 0 and its scale max|w|/127. */
const INT8_MAX = 127;

/** A [rows, cols] matrix as int8 values and one float scale per column: w ≈ values × scales[col]. */
export interface QuantizedColumns {
  values: Int8Array;
  scales: Float32Array;
}

/**
 * Symmetric per-column int8 quantisation of a row-major [rows, cols] matrix (cols are a
 * projection's output channels). Per column rather than per tensor because BERT's projections
 * have a few columns with much larger weights, which would crush every other column's range.
 */
export function quantizeColumns(w: Float32Array, rows: number, cols: number): QuantizedColumns {
  const scales = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const a = Math.abs(w[r * cols + c]!);
      if (a > scales[c]!) scales[c] = a;
    }
  }
  // An all-zero column keeps scale 1 so its values stay 0 rather than NaN.
  for (let c = 0; c < cols; c++) scales[c] = scales[c]! > 0 ? scales[c]! / INT8_MAX : 1;
  const values = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      values[i] = Math.max(-INT8_MAX, Math.min(INT8_MAX, Math.round(w[i]! / scales[c]!)));
    }
  }
  return { values, scales };
}
