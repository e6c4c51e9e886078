import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { HostedEmbedder } from './setup.js';

/**
 * The child's environment: the daemon's, plus what the model asks for (`processEnv`: variables
 * that must be set before its native libraries load; MLX's OpenBLAS kernels for this CPU,
 * measured once per CPU model, seconds the first time only). Asked once, before the first
 * fork; a failure only costs speed, so it falls back to the daemon's environment.
 */
export class ChildEnvironment {
  readonly #model: HostedEmbedder;
  readonly #base: NodeJS.ProcessEnv;
  readonly #log: Logger;
  #env: NodeJS.ProcessEnv | undefined;
  #preparing: Promise<void> | undefined;

  constructor(model: HostedEmbedder, base: NodeJS.ProcessEnv, log: Logger) {
    this.#model = model;
    this.#base = base;
    this.#log = log;
  }

  /** The environment to fork with; undefined until `prepare()` has chosen it. */
  get env(): NodeJS.ProcessEnv | undefined {
    return this.#env;
  }

  /** The preparation, once started: close() awaits it so nothing outlives the worker. */
  get preparing(): Promise<void> | undefined {
    return this.#preparing;
  }

  /** Asks the model, once; `then` (of the first call only) runs when the environment is chosen. */
  prepare(then: () => void): void {
    this.#preparing ??= this.#choose().then(then);
  }

  async #choose(): Promise<void> {
    let extra: Record<string, string> = {};
    try {
      extra = (await this.#model.processEnv?.(this.#base)) ?? {};
    } catch (err) {
      this.#log.warn(
        { err: errorMessage(err) },
        "could not choose the model's process settings; using the defaults",
      );
    }
    this.#env = { ...this.#base, ...extra };
    if (Object.keys(extra).length > 0) this.#log.info({ env: extra }, 'embed worker environment chosen');
  }
}
