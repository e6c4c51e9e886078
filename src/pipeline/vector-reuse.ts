import type { ChunkTable } from '../store/types.js';

/**
 * Vectors of recently deleted chunks kept in memory, by table and content hash. A rename
 * arrives as "delete old path" + "add new path", often in that order; without this the chunks
 * would be gone from the table by the time the new path asks for them and would be embedded
 * again. Keyed by table too: each engine's table holds one model's vectors, and a vector of
 * one model must never be stored as another's.
 * 20,000 vectors of 384 floats is about 30 MB at most; older entries are dropped first. One
 * delete reads no more than that many either, however many files it removes: a folder of
 * 100,000 files deleted (or unmounted) costs 30 MB here, not its whole index. Its files beyond
 * the first 20,000 vectors are embedded again if they come back under another name in a later
 * run; within one run nothing is lost, since the indexer deletes only after it added. The
 * vectors of a group stopped while it embedded are kept the same way (`carry`).
 */
export const MAX_REMEMBERED = 20_000;

/**
 * Vectors of hashes looked up or embedded lately, kept so that text that keeps coming back — a
 * log's few hundred statement shapes, run again and again with other literals — is found
 * without a table query each time. About 6 MB at 384 floats; least recently used dropped first.
 */
export const MAX_RECENTLY_USED = 4096;

export class VectorReuse {
  /** `<table name>\0<content hash>` → vector, oldest first. */
  readonly #recent = new Map<string, Float32Array>();
  /** The same keys, for vectors found or embedded lately; least recently used first. */
  readonly #used = new Map<string, Float32Array>();

  /** Stored vectors for these hashes: the recently deleted or used first, then the table (any path). */
  async lookup(table: ChunkTable, hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    const rest: string[] = [];
    for (const hash of hashes) {
      const k = key(table, hash);
      const v = this.#recent.get(k) ?? this.#used.get(k);
      if (v) {
        found.set(hash, v);
        this.#touch(k, v);
      } else rest.push(hash);
    }
    if (rest.length) {
      for (const [hash, v] of await table.vectorsByContentHash(rest)) {
        found.set(hash, v);
        this.#touch(key(table, hash), v);
      }
    }
    return found;
  }

  /** A vector just embedded for `table`: the next chunk with its hash needs no lookup. */
  noteEmbedded(table: ChunkTable, hash: string, vector: Float32Array): void {
    const k = key(table, hash);
    // Carried while its group embedded (`carry`): the copy below replaces that view.
    this.#recent.delete(k);
    this.#touch(k, vector);
  }

  /**
   * Vectors of a group still being embedded, slice by slice: if the run stops before the group
   * is committed (the queue lets a newer change go first, a pause), the next run finds them
   * here and embeds only the rest. Kept with the recently deleted, under the same bound; each is
   * replaced by `noteEmbedded`'s copy once its whole group has embedded.
   */
  carry(table: ChunkTable, hash: string, vector: Float32Array): void {
    this.#remember(key(table, hash), vector);
  }

  /**
   * Call before deleting `paths` from `table`: keeps their vectors for a moment — at most
   * MAX_REMEMBERED of them, those of the first paths listed.
   */
  async rememberDeleted(table: ChunkTable, paths: readonly string[]): Promise<void> {
    for (const [hash, v] of await table.vectorsForPaths(paths, MAX_REMEMBERED))
      this.#remember(key(table, hash), v);
  }

  #remember(k: string, v: Float32Array): void {
    this.#recent.delete(k);
    this.#recent.set(k, v);
    while (this.#recent.size > MAX_REMEMBERED) this.#recent.delete(this.#recent.keys().next().value!);
  }

  #touch(k: string, v: Float32Array): void {
    this.#used.delete(k);
    this.#used.set(k, v);
    if (this.#used.size > MAX_RECENTLY_USED) this.#used.delete(this.#used.keys().next().value!);
  }
}

function key(table: ChunkTable, hash: string): string {
  return `${table.name}\0${hash}`;
}
