import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The libraries ORT's CUDA provider needs beside its binding; npm's package does not carry them. */
const CUDA_PROVIDER_LIBS = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];

/** Where onnxruntime-node's native binding is, for Linux x64 (the only CUDA build it has). */
export function ortBindingDir(): string {
  const main = createRequire(import.meta.url).resolve('onnxruntime-node');
  return join(dirname(main), '..', 'bin', 'napi-v6', 'linux', 'x64');
}

/**
 * ORT's npm package carries the CPU provider only; its CUDA provider comes as separate
 * libraries that its install script downloads from outside the registry (that script stays
 * disabled). Where the user put them beside the binding, CUDA goes first and the CPU takes the
 * nodes CUDA cannot run.
 */
export function executionProviders(): Array<'cuda' | 'cpu'> {
  return cudaProviderMissing() === undefined ? ['cuda', 'cpu'] : ['cpu'];
}

/** Why CUDA is not used (a sentence), or undefined when its provider libraries are there. */
export function cudaProviderMissing(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `onnxruntime-node has no CUDA provider for ${process.platform}-${process.arch}`;
  const dir = ortBindingDir();
  const missing = CUDA_PROVIDER_LIBS.filter((lib) => !existsSync(join(dir, lib)));
  if (missing.length === 0) return undefined;
  return `${missing.join(' and ')} not in ${dir} (put onnxruntime 1.31's CUDA provider libraries there, with CUDA 12 and cuDNN 9 installed, to use the GPU)`;
}
