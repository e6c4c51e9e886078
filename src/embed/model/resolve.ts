import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ModelError } from '../../errors.js';

/** The files of a Hugging Face model folder that the embedder reads. */
export interface ModelFiles {
  /** Where they were found. */
  dir: string;
  /** The Hub id when resolved from the cache, else the folder path. */
  id: string;
  /** The snapshot (revision) name when resolved from the cache. */
  revision: string | null;
  config: string;
  tokenizer: string;
  weights: string;
}

const REQUIRED = ['config.json', 'tokenizer.json', 'model.safetensors'] as const;

/** `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub` — as huggingface_hub does. */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return resolve(env.HF_HUB_CACHE);
  if (env.HF_HOME) return join(resolve(env.HF_HOME), 'hub');
  const xdg = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(xdg, 'huggingface', 'hub');
}

/** `org/name` → `models--org--name`, the cache's folder for a model repo. */
export function cacheRepoDir(id: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(hubCacheDir(env), `models--${id.split('/').join('--')}`);
}

export function isHubId(spec: string): boolean {
  return /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/.test(spec) && !spec.startsWith('.') && !existsSync(spec);
}

/**
 * Finds a model: an explicit folder path, else the Hugging Face cache (the snapshot that
 * `refs/<revision>` names, else the newest complete snapshot). A model that is not there is an
 * error that says how to get it.
 */
export function resolveModel(
  spec: string,
  env: NodeJS.ProcessEnv = process.env,
  revision = 'main',
): ModelFiles {
  if (!isHubId(spec)) {
    const dir = resolve(spec);
    if (!existsSync(dir)) {
      throw new ModelError(dir, 'model folder does not exist', {
        missing: true,
        fix: 'point embedders.<name>.model at a folder with config.json, tokenizer.json and model.safetensors',
      });
    }
    return checkFiles(dir, dir, null);
  }
  const repo = cacheRepoDir(spec, env);
  const pullHint = `run \`ragctl model pull ${spec}\` (it downloads into ${hubCacheDir(env)})`;
  const snapshots = join(repo, 'snapshots');
  let name: string | undefined;
  try {
    name = readFileSync(join(repo, 'refs', revision), 'utf8').trim();
  } catch {
    // No ref: fall back to the newest snapshot that has every file we need.
    name = newestCompleteSnapshot(snapshots);
  }
  if (!name || !existsSync(join(snapshots, name))) {
    throw new ModelError(repo, `model ${spec} is not in the Hugging Face cache`, {
      missing: true,
      fix: pullHint,
    });
  }
  return checkFiles(join(snapshots, name), spec, name, pullHint);
}

function newestCompleteSnapshot(snapshots: string): string | undefined {
  let best: { name: string; mtime: number } | undefined;
  let entries: string[] = [];
  try {
    entries = readdirSync(snapshots);
  } catch {
    return undefined;
  }
  for (const name of entries) {
    const dir = join(snapshots, name);
    if (!REQUIRED.every((f) => existsSync(join(dir, f)))) continue;
    const mtime = statSync(dir).mtimeMs;
    if (!best || mtime > best.mtime) best = { name, mtime };
  }
  return best?.name;
}

function checkFiles(dir: string, id: string, revision: string | null, fix?: string): ModelFiles {
  for (const f of REQUIRED) {
    if (!existsSync(join(dir, f))) {
      throw new ModelError(join(dir, f), 'missing from the model folder', {
        missing: true,
        fix: fix ?? 'a model folder needs config.json, tokenizer.json and model.safetensors',
      });
    }
  }
  return {
    dir,
    id,
    revision,
    config: join(dir, 'config.json'),
    tokenizer: join(dir, 'tokenizer.json'),
    weights: join(dir, 'model.safetensors'),
  };
}
