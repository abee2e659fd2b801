import * as net from 'node:net';
import {
  type Address,
  AddressError,
  type Connection,
  type DialOptions,
  formatAddress,
  type Listener,
  type Logger,
  NetError,
  type Network,
  parseAddress,
} from '../stack/runtime.js';
import { LiveConnection } from './connection.js';
import { dialTimeout, mapNetError } from './errors.js';

export const DEFAULT_DIAL_TIMEOUT_MS = 10_000; // the contract's live default for dial()
export const DEFAULT_LINGER_MS = 5_000; // see LiveConnectionOptions.lingerMs

export interface LiveNetworkOptions {
  log: Logger;
  dialTimeoutMs?: number;
  lingerMs?: number;
  /**
   * Socket buffer high-water mark in bytes (both directions); write() returns false above it.
   * Default: Node's own.
   */
  highWaterMarkBytes?: number;
  /** How outgoing sockets are opened. Default net.connect; tests pass one that never answers. */
  connect?: (opts: net.NetConnectOpts) => net.Socket;
}

/** TCP over node:net, shaped to the Network contract. */
export class LiveNetwork implements Network {
  private readonly servers = new Set<net.Server>();
  private readonly connections = new Set<LiveConnection>();
  private readonly dialing = new Set<net.Socket>();
  private readonly dialTimeoutMs: number;
  private readonly lingerMs: number;
  private readonly connect: (opts: net.NetConnectOpts) => net.Socket;

  constructor(private readonly opts: LiveNetworkOptions) {
    this.dialTimeoutMs = opts.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
    this.lingerMs = opts.lingerMs ?? DEFAULT_LINGER_MS;
    this.connect = opts.connect ?? net.connect;
  }

  async listen(addr: Address, onConnection: (conn: Connection) => void): Promise<Listener> {
    const { host, port } = parseAddress(addr);
    const server = net.createServer({
      allowHalfOpen: true,
      noDelay: true,
      ...(this.opts.highWaterMarkBytes === undefined ? {} : { highWaterMark: this.opts.highWaterMarkBytes }),
    });
    server.on('connection', (socket) => {
      const conn = this.adopt(socket);
      try {
        onConnection(conn);
      } catch (err) {
        this.opts.log.error('onConnection threw', { listen: addr, err });
        conn.close(err instanceof Error ? err : new Error(String(err)));
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(mapNetError(err)));
      server.listen({ host, port }, () => resolve());
    });
    // Errors after listening (e.g. EMFILE on accept) must not crash the process.
    server.on('error', (err) => this.opts.log.error('listener error', { listen: addr, err }));
    this.servers.add(server);
    const bound = server.address() as net.AddressInfo;
    return new LiveListener(formatAddress(bound.address, bound.port), server, () =>
      this.servers.delete(server),
    );
  }

  dial(addr: Address, opts: DialOptions = {}): Promise<Connection> {
    let host: string;
    let port: number;
    try {
      ({ host, port } = parseAddress(addr));
    } catch (err) {
      return Promise.reject(err);
    }
    if (port === 0) return Promise.reject(new AddressError(`cannot dial port 0 in "${addr}"`));
    const timeoutMs = opts.timeoutMs ?? this.dialTimeoutMs;
    const socket = this.connect({
      host,
      port,
      allowHalfOpen: true,
      noDelay: true,
      ...(this.opts.highWaterMarkBytes === undefined ? {} : { highWaterMark: this.opts.highWaterMarkBytes }),
    });
    this.dialing.add(socket);
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.dialing.delete(socket);
        socket.removeListener('error', onError);
        socket.removeListener('connect', onConnect);
      };
      const onError = (err: Error): void => {
        settle();
        socket.destroy();
        reject(mapNetError(err));
      };
      const onConnect = (): void => {
        settle();
        resolve(this.adopt(socket));
      };
      const timer = setTimeout(() => {
        settle();
        socket.destroy();
        reject(dialTimeout(addr, timeoutMs));
      }, timeoutMs);
      socket.once('error', onError);
      socket.once('connect', onConnect);
    });
  }

  /** Stops listening, resets every connection and abandons dials in progress. */
  async shutdown(): Promise<void> {
    for (const socket of this.dialing) socket.destroy();
    this.dialing.clear();
    for (const conn of [...this.connections]) conn.close(new NetError('runtime shut down'));
    await Promise.all([...this.servers].map((server) => closeServer(server)));
    this.servers.clear();
  }

  private adopt(socket: net.Socket): LiveConnection {
    const conn = new LiveConnection(socket, {
      log: this.opts.log,
      lingerMs: this.lingerMs,
      onGone: (c) => this.connections.delete(c),
    });
    this.connections.add(conn);
    return conn;
  }
}

class LiveListener implements Listener {
  private closing: Promise<void> | undefined;

  constructor(
    readonly addr: Address,
    private readonly server: net.Server,
    private readonly onClosed: () => void,
  ) {}

  close(): Promise<void> {
    this.closing ??= closeServer(this.server).then(this.onClosed);
    return this.closing;
  }
}

/**
 * Stops accepting. server.close()'s own callback waits for every accepted connection to end, but
 * the contract leaves established connections alone, so this resolves once the listening socket
 * is closed (the port is released synchronously; one more turn lets Node finish the bookkeeping).
 */
function closeServer(server: net.Server): Promise<void> {
  if (server.listening) server.close();
  return new Promise((resolve) => setImmediate(resolve));
}
