import type { ReadOnlyApp } from '../app-reader.js';
import type { Config } from '../config/types.js';
import { isRagError, RagError } from '../errors.js';
import { IpcClient } from '../ipc/client.js';
import type { Method, ParamsOf, ResultOf } from '../ipc/protocol.js';
import type { Logger } from '../log.js';
import type { AskOptions, BackendAnswer, ToolBackend } from './types.js';

/** Connecting to a live socket takes milliseconds; past this the daemon is stuck, not busy. */
const CONNECT_TIMEOUT_MS = 5_000;
/**
 * A daemon answers a search in milliseconds, but its first one may wait for the model to load
 * (seconds, more on a busy machine); past this the tool call fails rather than hang the agent.
 */
const REQUEST_TIMEOUT_MS = 30_000;
/** The status beside an answer is a courtesy: a daemon slow to give it does not hold the answer up long. */
const STATE_TIMEOUT_MS = 2_000;

export type OpenReader = (config: Config, logger: Logger) => Promise<ReadOnlyApp>;

const openReadOnly: OpenReader = async (config, logger) => {
  const { ReadOnlyApp } = await import('../app-reader.js');
  return ReadOnlyApp.open(config, { logger });
};

/**
 * The MCP server's way to its answers: the daemon over its socket, one connection per call (a
 * daemon restarted between calls is found again). When none listens, a tool that can is
 * answered from the index opened read-only, like `ragctl search` without a daemon.
 *
 * The reader (LanceDB and, for vector search, the model in its worker) is opened on the first
 * such call and kept for the next ones: an agent asks many questions in a row. It is closed
 * when a daemon answers again (the daemon owns the index then; the reader's model would only
 * hold memory) and reopened when it had found something wrong, which a later `ragctl index`
 * may have put right.
 */
export class DaemonOrIndex implements ToolBackend {
  readonly #config: Config;
  readonly #logger: Logger;
  readonly #openReader: OpenReader;
  #reader: Promise<ReadOnlyApp> | undefined;
  /** Calls reading through `#reader` now: it is only closed when none is. */
  #readers = 0;
  #closed: Promise<void> | undefined;

  constructor(config: Config, logger: Logger, openReader: OpenReader = openReadOnly) {
    this.#config = config;
    this.#logger = logger;
    this.#openReader = openReader;
  }

  async ask<M extends Method>(
    method: M,
    params: ParamsOf<M>,
    direct: ((app: ReadOnlyApp, params: ParamsOf<M>) => Promise<ResultOf<M>>) | undefined,
    signal: AbortSignal,
    options: AskOptions = {},
  ): Promise<BackendAnswer<ResultOf<M>>> {
    if (this.#closed) throw new RagError('E_ABORTED', 'the MCP server is shutting down');
    const socketPath = this.#config.socketPath;
    let client: IpcClient | undefined;
    try {
      client = await IpcClient.connect(socketPath, { timeoutMs: CONNECT_TIMEOUT_MS });
    } catch (err) {
      if (!isRagError(err) || err.code !== 'E_NO_DAEMON') throw err;
    }
    if (client) {
      try {
        // After the connection is made and before the request goes: a test that kills the
        // daemon on this line kills it mid-call.
        this.#logger.debug({ event: 'mcp.daemon_asked', method }, 'asking the daemon');
        const asked = client.request(method, params, { timeoutMs: REQUEST_TIMEOUT_MS, signal });
        // Sent beside the request, not after it: the state is the one the answer was read in.
        const state = options.withState
          ? client.request('status', {}, { timeoutMs: STATE_TIMEOUT_MS, signal }).catch((err: unknown) => {
              this.#logger.debug({ event: 'mcp.state_unknown', err }, 'the daemon gave no status');
              return undefined;
            })
          : undefined;
        const result = await asked;
        const daemonState = await state;
        await this.#dropReader();
        return { result, via: 'daemon', notes: [], ...(daemonState ? { daemonState } : {}) };
      } finally {
        await client.close();
      }
    }
    if (!direct) {
      throw new RagError(
        'E_NO_DAEMON',
        `${method} needs the daemon, and none is listening on ${socketPath}`,
        {
          fix: 'start it: ragctl daemon start (or ragctl daemon run in a terminal)',
        },
      );
    }
    this.#logger.debug({ event: 'mcp.index_read', method }, 'no daemon: reading the index');
    this.#readers++;
    try {
      const app = await this.#openedReader();
      return { result: await direct(app, params), via: 'index', notes: app.problems };
    } finally {
      this.#readers--;
    }
  }

  close(): Promise<void> {
    this.#closed ??= this.#dropReader(true);
    return this.#closed;
  }

  async #openedReader(): Promise<ReadOnlyApp> {
    if (this.#reader && this.#readers === 1) {
      const app = await this.#reader.catch(() => undefined);
      if (!app || app.problems.length > 0) await this.#dropReader();
    }
    this.#reader ??= this.#openReader(this.#config, this.#logger);
    try {
      return await this.#reader;
    } catch (err) {
      this.#reader = undefined; // The next call tries again (the index may exist by then).
      throw err;
    }
  }

  /** Closes the reader when no call is reading through it (or, on `force`, at shutdown). */
  async #dropReader(force = false): Promise<void> {
    const reader = this.#reader;
    if (!reader || (this.#readers > 0 && !force)) return;
    this.#reader = undefined;
    let app: ReadOnlyApp;
    try {
      app = await reader;
    } catch (err) {
      // It never opened, so there is nothing to close; its error went to the call that opened it.
      this.#logger.debug({ event: 'mcp.reader_unopened', err }, 'the index reader had not opened');
      return;
    }
    await app.close();
  }
}
