import type { Config } from '../../config/types.js';
import { errorMessage, isRagError, RagError } from '../../errors.js';
import type { ComponentRegistry } from '../../registry/registry.js';
import type { PullResult } from './pull.js';
import { isHubId, resolveModel } from './resolve.js';

/**
 * The Hub models the config's engines embed with that this machine's Hugging Face cache lacks
 * (or holds only in part): what `ragctl index` and the daemon fetch before their first embed.
 * Only embedder types that read a local model count (`EmbedderType.localModel`); a folder path
 * that does not exist is not fetched, since only its owner knows what belongs there.
 */
export function missingHubModels(
  config: Config,
  registry: ComponentRegistry,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const used = new Set(Object.values(config.engines).map((e) => e.embedder));
  const missing = new Set<string>();
  for (const [name, embedder] of Object.entries(config.embedders)) {
    if (!used.has(name) || !registry.usesLocalModel(embedder.type) || !isHubId(embedder.model)) continue;
    try {
      resolveModel(embedder.model, env);
    } catch (err) {
      if (isRagError(err) && err.code === 'E_MODEL_MISSING') missing.add(embedder.model);
      // Any other fault (an unreadable file) is the embedder's to report, with its own fix.
    }
  }
  return [...missing];
}

/** How a caller fetches one model, and what it says before and after. */
export interface ModelFetch {
  pull(id: string, signal: AbortSignal | undefined): Promise<PullResult>;
  fetching(id: string): void;
  fetched(id: string, result: PullResult): void;
  signal?: AbortSignal;
}

/**
 * Fetches each Hub model the config embeds with that this machine lacks (`missingHubModels`),
 * in turn. A fetch that fails rejects saying how else to get the model; one interrupted through
 * `signal` rejects with the signal's reason.
 */
export async function fetchMissingModels(
  config: Config,
  registry: ComponentRegistry,
  how: ModelFetch,
): Promise<void> {
  for (const id of missingHubModels(config, registry)) {
    how.fetching(id);
    let result: PullResult;
    try {
      result = await how.pull(id, how.signal);
    } catch (err) {
      if (how.signal?.aborted) throw how.signal.reason;
      throw fetchFailed(id, err);
    }
    how.fetched(id, result);
  }
}

/** A failed fetch of `id`, saying how else to get the model (the pull's own fix when it has one). */
function fetchFailed(id: string, err: unknown): RagError {
  return new RagError('E_MODEL_MISSING', `could not fetch the model ${id}: ${errorMessage(err)}`, {
    cause: err,
    fix:
      (isRagError(err) && err.fix) ||
      `run \`ragctl model pull ${id}\` once the network is back, or point the embedder's \`model\` at a folder holding config.json, tokenizer.json and model.safetensors`,
  });
}
