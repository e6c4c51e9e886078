import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  request as httpRequest,
} from 'node:http';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './daemon.js';

/**
 * A real OpenAI-compatible embedding server for the `openai` embedder's tests: Infinity
 * (PyPI `infinity-emb`) on the CPU, serving the test model's own files. It lives in the venv
 * that scripts/setup-embed-server.sh makes (scripts/setup.sh runs it).
 */
export const EMBED_SERVER_VENV =
  process.env.RAGCTL_EMBED_SERVER_VENV ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ragctl', 'embed-server-venv');
const INFINITY_BIN = join(EMBED_SERVER_VENV, 'bin', 'infinity_emb');

/** Model load and warm-up: ~25 s on a busy 2-core machine; torch's import alone takes seconds. */
const START_TIMEOUT_MS = 240_000;

/** Why the server cannot run here, or undefined when it can. The one reason the tests may skip. */
export function embedServerMissing(): string | undefined {
  if (existsSync(INFINITY_BIN)) return undefined;
  return `the test embedding server (Infinity) is not installed at ${EMBED_SERVER_VENV}: run ./scripts/setup-embed-server.sh (scripts/setup.sh does)`;
}

export interface EmbeddingServer {
  /** The base URL to put in `endpoint` (`/embeddings` is appended by the client). */
  readonly url: string;
  readonly modelName: string;
  readonly apiKey: string;
  close(): Promise<void>;
}

/** Starts Infinity on a free loopback port with `modelDir`, behind `apiKey`; resolves once it answers. */
export async function startEmbeddingServer(modelDir: string, apiKey: string): Promise<EmbeddingServer> {
  const port = await freePort();
  const modelName = 'minilm-test';
  const child: ChildProcess = spawn(
    INFINITY_BIN,
    [
      'v2',
      '--model-id',
      modelDir,
      '--served-model-name',
      modelName,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--engine',
      'torch',
      '--device',
      'cpu',
      '--api-key',
      apiKey,
    ],
    {
      // Offline and silent: the model comes from the folder, nothing may call out.
      env: { ...process.env, HF_HUB_OFFLINE: '1', INFINITY_ANONYMOUS_USAGE_STATS: '0', DO_NOT_TRACK: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      `Infinity to answer on ${url}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`Infinity exited (${child.exitCode}):\n${output}`);
        const res = await fetch(`${url}/health`).catch(() => undefined);
        return res?.ok === true;
      },
      START_TIMEOUT_MS,
    );
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
  return {
    url,
    modelName,
    apiKey,
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/**
 * A TCP relay in front of the server that the test can take down and bring back on the same
 * port: while down, connections are refused exactly as by a stopped server, and the real server
 * need not be restarted (its start costs half a minute).
 */
export class Outlet {
  readonly port: number;
  readonly #target: number;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  private constructor(port: number, target: number) {
    this.port = port;
    this.#target = target;
  }

  static async open(targetUrl: string): Promise<Outlet> {
    const outlet = new Outlet(await freePort(), Number(new URL(targetUrl).port));
    await outlet.up();
    return outlet;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => {
      const upstream = tcpConnect(this.#target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
  }

  /** Refuses new connections and cuts the open ones (keep-alive ones included). */
  async down(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.#sockets) s.destroy();
    await closed;
  }
}

/**
 * An HTTP relay in front of the server that counts the requests it holds open at once (from the
 * request's arrival to the end of its answer), so a test can see how many the client keeps in
 * flight. It forwards every byte as it is; the server still does all the work.
 */
export class InFlightCounter {
  readonly #server: HttpServer;
  #current = 0;
  #max = 0;
  #total = 0;

  private constructor(server: HttpServer) {
    this.#server = server;
  }

  static async open(targetUrl: string): Promise<InFlightCounter> {
    const target = new URL(targetUrl);
    let counter: InFlightCounter | undefined;
    const server = createHttpServer((req, res) => {
      counter!.#enter();
      let left = false;
      const leave = (): void => {
        if (left) return;
        left = true;
        counter!.#current -= 1;
      };
      res.on('close', leave);
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    counter = new InFlightCounter(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return counter;
  }

  get url(): string {
    const { port } = this.#server.address() as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  /** The most requests open at once since the last reset, and how many came. */
  get max(): number {
    return this.#max;
  }

  get total(): number {
    return this.#total;
  }

  reset(): void {
    this.#max = this.#current;
    this.#total = 0;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #enter(): void {
    this.#current += 1;
    this.#total += 1;
    this.#max = Math.max(this.#max, this.#current);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
