// node-ipc 12.0.0 ships no types. This declares only the surface src/ipc/transport.ts uses,
// as read from node_modules/node-ipc (services/IPC.js, dao/socketServer.js, dao/client.js).
declare module 'node-ipc' {
  import type { Server as NetServer, Socket } from 'node:net';

  interface IpcConfig {
    silent: boolean;
    rawBuffer: boolean;
    encoding: BufferEncoding;
    /** When true the server unlinks its path before listening, live listener or not. */
    unlink: boolean;
    /** Copied to `net.Server#maxConnections`. */
    maxConnections: number;
    readableAll: boolean;
    writableAll: boolean;
    maxRetries: number;
    stopRetrying: boolean;
  }

  /** `dao/socketServer.js`: an event-pubsub emitter around a `net.Server`. */
  interface IpcSocketServer {
    /** The `net.Server`, set synchronously by `start()`; `false` before. */
    server: NetServer | false;
    /** Every accepted socket, pruned (one per close) by node-ipc itself. */
    sockets: Socket[];
    start(): void;
    on(event: 'connect', listener: (socket: Socket) => void): this;
    on(event: 'data', listener: (data: Buffer, socket: Socket) => void): this;
    on(event: 'error', listener: (err: unknown) => void): this;
  }

  /** `dao/client.js`: an event-pubsub emitter around a `net.Socket`. */
  interface IpcClientConnection {
    socket: Socket | false;
    on(event: 'connect', listener: () => void): this;
    on(event: 'data', listener: (data: Buffer) => void): this;
    on(event: 'error', listener: (err: unknown) => void): this;
  }

  export class IPCModule {
    config: IpcConfig;
    of: Record<string, IpcClientConnection | undefined>;
    server: IpcSocketServer | false;
    serve(path: string, onListening?: () => void): void;
    connectTo(id: string, path: string, callback?: () => void): void;
    disconnect(id: string): void;
  }

  const singleton: IPCModule;
  export default singleton;
}
