import { rmSync } from 'node:fs';
import { errorMessage, ModelError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { GraphOps } from './bert-graph.js';
import { cachedGraph } from './graph-cache.js';

/** One graph the embedder can run: its variant, its cache file and how to build it. */
export interface GraphCandidate {
  ops: GraphOps;
  file: string;
  build: () => Uint8Array;
}

export interface LoadedGraph<S> {
  session: S;
  ops: GraphOps;
  file: string;
  cached: boolean;
}

/**
 * A session on the first candidate that onnxruntime loads, in order of preference. The fused
 * graph comes first; an onnxruntime build without one of its contrib kernels refuses it when
 * the session is created (an unregistered op, or no kernel for it), and the plain graph,
 * standard ONNX ops only, is the fallback: same vectors, slower. `weights` names the
 * checkpoint in the error when no candidate loads.
 */
export async function loadFirstGraph<S>(
  candidates: readonly GraphCandidate[],
  create: (bytes: Uint8Array) => Promise<S>,
  weights: string,
  log: Logger,
): Promise<LoadedGraph<S>> {
  let failure: unknown;
  for (const candidate of candidates) {
    try {
      return await loadGraph(candidate, create, weights, log);
    } catch (err) {
      failure = err;
      log.warn(
        { graph: candidate.ops, file: candidate.file, err: errorMessage(err) },
        'onnxruntime cannot run this graph; trying the next one',
      );
    }
  }
  throw failure ?? new ModelError(weights, 'no onnx graph to load');
}

/** One candidate, from its cache file or built; a damaged cache file is rebuilt, once. */
async function loadGraph<S>(
  { ops, file, build }: GraphCandidate,
  create: (bytes: Uint8Array) => Promise<S>,
  weights: string,
  log: Logger,
): Promise<LoadedGraph<S>> {
  let graph = cachedGraph(file, build, log);
  try {
    return { session: await create(graph.bytes), ops, file, cached: graph.cached };
  } catch (err) {
    // A graph this onnxruntime refuses is not kept: the next start would take it for a damaged
    // cache file and build it twice before falling back.
    if (!graph.cached) throw forget(file, loadError(file, weights, err));
    // A damaged cache file (a full disk, an older ORT's output): build the graph again, once.
    log.warn({ file, err: errorMessage(err) }, 'the cached onnx graph does not load; rebuilding it');
    rmSync(file, { force: true });
    graph = cachedGraph(file, build, log);
    try {
      return { session: await create(graph.bytes), ops, file, cached: false };
    } catch (again) {
      throw forget(file, loadError(file, weights, again));
    }
  }
}

function forget(file: string, err: ModelError): ModelError {
  rmSync(file, { force: true });
  return err;
}

function loadError(graphFile: string, weights: string, err: unknown): ModelError {
  return new ModelError(
    graphFile,
    `onnxruntime cannot load the graph built from ${weights}: ${errorMessage(err)}`,
    { cause: err },
  );
}
