import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { App } from '../../src/app.js';
import type { Config } from '../../src/config/types.js';
import type { Embedder } from '../../src/embed/types.js';
import { CountingEmbedder } from './counting-embedder.js';
import { openApp, realEmbedder, Workspace } from './index-workspace.js';

/** What `start()` builds: a fresh workspace, a counting lease on the real model, the app on both. */
export interface PipelineRun {
  ws: Workspace;
  counter: CountingEmbedder;
  app: App;
}

/**
 * The real pipeline for the tests of one `describe`: the real embedder, loaded once for the
 * file (seconds), and fresh workspaces and apps (store, registry, indexer, search: `App.open`,
 * as the daemon builds them) on counting leases of it. When they end (after each test, or
 * with `'file'` scope after the last one, for an index built once in `beforeAll`) the apps are
 * closed, every lease handed to one is checked closed (the app owns its embedders), and the
 * workspaces are removed; after the file, the model is closed.
 */
export class PipelineFixture {
  #model: Embedder | undefined;
  readonly #apps: App[] = [];
  readonly #leases: CountingEmbedder[] = [];
  readonly #workspaces: Workspace[] = [];

  /** The real embedder shared by the file's tests; only its leases go to apps. */
  get model(): Embedder {
    if (!this.#model) throw new Error('test set-up: usePipeline() model used outside a test');
    return this.#model;
  }

  /** A new temp workspace, removed after the test. */
  async workspace(prefix: string): Promise<Workspace> {
    const ws = await Workspace.create(prefix);
    this.#workspaces.push(ws);
    return ws;
  }

  /** A counting lease on the file's model (see CountingEmbedder). */
  counter(options: { failOnCall?: number } = {}): CountingEmbedder {
    return new CountingEmbedder(this.model, options);
  }

  /** The app for `config` with these embedders (one for all, or by name), closed after the test. */
  async open(config: Config, embedders: Embedder | Record<string, Embedder>): Promise<App> {
    const given = 'embed' in embedders ? [embedders as Embedder] : Object.values(embedders);
    for (const e of given) if (e instanceof CountingEmbedder) this.#leases.push(e);
    const app = await openApp(config, embedders);
    this.#apps.push(app);
    return app;
  }

  /** A fresh workspace, a lease, and the app on `ws.config(raw)`. */
  async start(
    prefix: string,
    raw: Record<string, unknown> = {},
    lease: { failOnCall?: number } = {},
  ): Promise<PipelineRun> {
    const ws = await this.workspace(prefix);
    const counter = this.counter(lease);
    return { ws, counter, app: await this.open(ws.config(raw), counter) };
  }

  load(): void {
    this.#model = realEmbedder();
  }

  /** Closes the apps (the latest first), then removes the workspaces, whatever fails. */
  async release(): Promise<void> {
    try {
      for (const app of this.#apps.splice(0).reverse()) await app.close();
      const open = this.#leases.splice(0).filter((lease) => !lease.closed).length;
      expect(open, 'embedders handed to an app and still open after it closed').toBe(0);
    } finally {
      for (const ws of this.#workspaces.splice(0)) await ws.cleanup();
    }
  }

  async unload(): Promise<void> {
    await this.#model?.close();
    this.#model = undefined;
  }
}

/**
 * A PipelineFixture whose hooks are registered in the calling `describe` (call it there, before
 * its own hooks, so the model is loaded before they run and closed after). `'test'`: apps and
 * workspaces end with each test; `'file'`: with the describe, for what its `beforeAll` builds.
 */
export function usePipeline(scope: 'test' | 'file' = 'test'): PipelineFixture {
  const fixture = new PipelineFixture();
  beforeAll(() => fixture.load());
  if (scope === 'test') afterEach(() => fixture.release());
  afterAll(async () => {
    try {
      await fixture.release();
    } finally {
      await fixture.unload();
    }
  });
  return fixture;
}
