import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { errnoCode, RagError } from '../errors.js';
import type { MethodHandlers } from '../ipc/types.js';
import type { Logger } from '../log.js';
import { isInside, sourceFolders } from '../paths.js';
import { toJson } from '../search/types.js';
import type { Daemon } from './daemon.js';

/**
 * The socket's methods, each a thin call into the daemon (docs/PROTOCOL.md describes them).
 * Each search's stages go to `log` at debug level: bench/daemon/search-latency.mjs reads them.
 */
export function daemonHandlers(daemon: Daemon, log: Logger): MethodHandlers {
  return {
    search: async (params, context) => {
      const result = await daemon.withApp((app) => app.search.search(params, context.signal));
      if (log.isLevelEnabled('debug'))
        log.debug({ mode: result.mode, tookMs: result.tookMs, ...result.timings }, 'search answered');
      return toJson(result);
    },
    context: async (params, context) => daemon.withApp((app) => app.context.assemble(params, context.signal)),
    status: async (params) => daemon.status(params),
    sql_clusters: (params, context) =>
      daemon.withApp((app) => app.sqlClusters.clusters(params, context.signal)),
    reindex: async (params) => {
      const queue = daemon.queue;
      if (!params.path) {
        queue.rescan();
        return { queued: sourceFolders(daemon.config.sources).length };
      }
      const path = resolve(params.path);
      if (!daemon.config.sources.some((s) => s.path === path || isInside(path, s.path))) {
        throw new RagError('E_USAGE', `${path} is not inside any source of the daemon's config`);
      }
      let isDir = false;
      try {
        isDir = (await stat(path)).isDirectory();
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
      // A file named is read again whatever its size and time say: an edit may have kept both.
      if (isDir) queue.rescan(path);
      else queue.add([path], { force: true });
      return { queued: 1 };
    },
    pause: async () => {
      daemon.pause();
      return { state: (await daemon.status()).state };
    },
    resume: async () => {
      daemon.resume();
      return { state: (await daemon.status()).state };
    },
    shutdown: async () => {
      // Not awaited: stopping closes this very socket, which waits for this reply to go out.
      daemon.requestStop('shutdown requested over the socket');
      return { stopping: true };
    },
  };
}
