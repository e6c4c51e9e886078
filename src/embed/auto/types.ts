/** The embedder types `type: auto` chooses between: fp32 backends whose vectors are the same (parity). */
export type AutoCandidate = 'mlx-bert' | 'onnx';

/** One backend's timing on this machine: the same texts, one ~4096-token batch per length. */
export interface BackendTiming {
  type: string;
  /** `fp32` unless stated; int8 is shown by `ragctl bench embed` but never chosen (other vectors). */
  precision: 'fp32' | 'int8';
  /** Eligible for `type: auto` (its vectors share the index of the others). */
  eligible: boolean;
  /** Per text length: best-of-repeats texts per second; null when the run failed. */
  perLength: Array<{ tokens: number; texts: number; textsPerSecond: number }>;
  /** Best-of-repeats milliseconds for all lengths together; null: it failed (`error` says how). */
  totalMs: number | null;
  error?: string;
}

/** What `type: auto` runs on this machine, and why. */
export interface BackendChoice {
  type: AutoCandidate;
  /**
   * `platform` (Apple Silicon: MLX on Metal, nothing measured), `environment` (RAGCTL_EMBED_BACKEND),
   * `measured` (now), `cache` (measured before with this CPU, these versions and this model),
   * `fallback` (every measurement failed).
   */
  source: 'platform' | 'environment' | 'measured' | 'cache' | 'fallback';
  /** One sentence for `ragctl model info`. */
  reason: string;
  cpu: string;
  /** What the cache key was made of (CPU, cores, node and library versions, model). */
  key?: string;
  measuredAt?: string;
  timings?: BackendTiming[];
  file?: string;
}
