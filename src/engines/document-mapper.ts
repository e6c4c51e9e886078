import { relative, sep } from 'node:path';
import type { RecordBatch, Schema } from 'apache-arrow';
import { errorMessage, RagError } from '../errors.js';
import { CHUNK_COLUMNS as C } from '../store/types.js';
import {
  arrow,
  float64Data,
  int32Data,
  recordBatch,
  utf8Data,
  utf8ListData,
  utf8ListType,
  vectorData,
  vectorType,
} from './arrow.js';
import { DOCUMENT_FILTERS } from './document-filters.js';
import { LISTING_RANK_FACTOR } from './markdown/listing.js';
import {
  RELEASE_NOTES_PATHS,
  RELEASE_NOTES_RANK_FACTOR,
  RELEASE_QUESTION,
} from './markdown/release-notes.js';
import type { MappedFile, StoreMapper } from './types.js';

/**
 * Chunks of prose and notes (markdown and friends) as one Arrow row each.
 *
 * `heading_path` is a `List<utf8>` rather than a joined string: it round-trips exactly (a
 * heading may itself contain " > "), `array_has(heading_path, 'Setup')` filters on it, and
 * LanceDB can build an FTS index over a list column should headings become searchable on
 * their own. `mtime_ms` is a float64 of epoch milliseconds, exactly `fs.Stats.mtimeMs`,
 * so `--after` is a plain `mtime_ms >= n` with no timestamp casts in the filter.
 */
export const documentMapper: StoreMapper = {
  name: 'document',
  filters: DOCUMENT_FILTERS,
  rerank: true,
  /**
   * Rows that stay findable but lose near-ties to the pages that answer:
   * - a project's changelog (`RELEASE_NOTES_PATHS`): its one-line entries name every feature,
   *   so they match a question about any of them as well as the page that answers it. A
   *   question about releases (`RELEASE_QUESTION`) keeps them where they were.
   * - a listing (`metadata.listing`: a back-of-book index, a table of contents), whose entries
   *   name every topic for the same reason.
   */
  hybridRankDown: [
    {
      paths: RELEASE_NOTES_PATHS,
      factor: RELEASE_NOTES_RANK_FACTOR,
      unlessAsked: RELEASE_QUESTION,
      why: 'release notes',
    },
    { rows: (metadata) => metadata.listing === true, factor: LISTING_RANK_FACTOR, why: 'a listing of links' },
  ],
  /**
   * A section too long for one chunk: its pieces carry its heading's line and their place in it
   * (the markdown chunker's `metadata.section` and `piece`), and neighbouring pieces are one hit.
   * Small sections merged into one chunk, and text before the first heading, stand alone.
   */
  passageOf: (row) =>
    typeof row.metadata.section === 'number' && typeof row.metadata.piece === 'number'
      ? { key: String(row.metadata.section), piece: row.metadata.piece }
      : undefined,

  schema(dimension: number): Schema {
    checkDimension(dimension);
    const utf8 = () => new arrow.Utf8();
    const field = (name: string, type: ConstructorParameters<typeof arrow.Field>[1]) =>
      new arrow.Field(name, type, false);
    return new arrow.Schema([
      field(C.id, utf8()),
      field(C.path, utf8()),
      field(C.relPath, utf8()),
      field(C.root, utf8()),
      field(C.engine, utf8()),
      field(C.headingPath, utf8ListType()),
      field(C.startLine, new arrow.Int32()),
      field(C.endLine, new arrow.Int32()),
      field(C.text, utf8()),
      field(C.contentHash, utf8()),
      field(C.fileHash, utf8()),
      field(C.mtimeMs, new arrow.Float64()),
      field(C.indexedAtMs, new arrow.Float64()),
      field(C.modelId, utf8()),
      field(C.metadata, utf8()),
      field(C.vector, vectorType(dimension)),
    ]);
  },

  toRecordBatch(rows: readonly MappedFile[], vectors: Float32Array, dimension: number): RecordBatch {
    checkDimension(dimension);
    let n = 0;
    for (const row of rows) n += row.chunks.length;
    if (vectors.length !== n * dimension) {
      throw new RagError(
        'E_SCHEMA',
        `document mapper: ${vectors.length} vector values for ${n} chunks × ${dimension} dimensions (expected ${n * dimension})`,
      );
    }

    const ids: string[] = new Array(n);
    const paths: string[] = new Array(n);
    const relPaths: string[] = new Array(n);
    const roots: string[] = new Array(n);
    const engines: string[] = new Array(n);
    const headings: (readonly string[])[] = new Array(n);
    const texts: string[] = new Array(n);
    const contentHashes: string[] = new Array(n);
    const fileHashes: string[] = new Array(n);
    const modelIds: string[] = new Array(n);
    const metadata: string[] = new Array(n);
    const startLines = new Int32Array(n);
    const endLines = new Int32Array(n);
    const mtimes = new Float64Array(n);
    const indexedAts = new Float64Array(n);

    let i = 0;
    for (const { file, chunks } of rows) {
      const relPath = relativePosix(file.root, file.path);
      for (const chunk of chunks) {
        ids[i] = chunk.id;
        paths[i] = file.path;
        relPaths[i] = relPath;
        roots[i] = file.root;
        engines[i] = file.engine;
        headings[i] = chunk.headingPath;
        texts[i] = chunk.text;
        contentHashes[i] = chunk.contentHash;
        fileHashes[i] = file.fileHash;
        modelIds[i] = file.modelId;
        metadata[i] = metadataJson(chunk.metadata, file.path, chunk.id);
        startLines[i] = chunk.startLine;
        endLines[i] = chunk.endLine;
        mtimes[i] = file.mtimeMs;
        indexedAts[i] = file.indexedAt;
        i++;
      }
    }

    // Same order as schema(); `vectorData` wraps `vectors` itself, no copy.
    return recordBatch(
      documentMapper.schema(dimension),
      [
        utf8Data(ids),
        utf8Data(paths),
        utf8Data(relPaths),
        utf8Data(roots),
        utf8Data(engines),
        utf8ListData(headings),
        int32Data(startLines),
        int32Data(endLines),
        utf8Data(texts),
        utf8Data(contentHashes),
        utf8Data(fileHashes),
        float64Data(mtimes),
        float64Data(indexedAts),
        utf8Data(modelIds),
        utf8Data(metadata),
        vectorData(vectors, dimension),
      ],
      n,
    );
  },
};

function checkDimension(dimension: number): void {
  if (!Number.isInteger(dimension) || dimension <= 0) {
    throw new RagError('E_SCHEMA', `document mapper: dimension must be a positive integer, got ${dimension}`);
  }
}

/** `/`-separated on every platform, so one glob syntax works for `--path`. */
function relativePosix(root: string, path: string): string {
  const rel = relative(root, path);
  return sep === '/' ? rel : rel.split(sep).join('/');
}

function metadataJson(value: Record<string, unknown>, path: string, id: string): string {
  try {
    return JSON.stringify(value ?? {});
  } catch (err) {
    // BigInt or a cycle in chunker output is a bug upstream; name the chunk so it can be found.
    throw new RagError('E_SCHEMA', `${path}: metadata of chunk ${id} is not JSON: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
