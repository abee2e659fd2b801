/**
 * A node's Network (stack/runtime.ts): listen and dial on the simulated fabric. Addresses are
 * strings only ("10.0.0.7:7000" or "<node name>:7000"); nothing here touches a real socket.
 */
import {
  type Address,
  AddressError,
  AddressInUseError,
  type Connection,
  type DialOptions,
  formatAddress,
  type Listener,
  type Network,
  parseAddress,
} from '../stack/runtime.js';
import { DialAttempt } from './dial.js';
import { NodeDownError } from './errors.js';
import type { Fabric } from './fabric.js';
import type { HostState, ListenerEntry } from './host.js';

const IPV4_LITERAL = /^\d{1,3}(\.\d{1,3}){3}$/;

class SimListener implements Listener {
  constructor(
    readonly addr: Address,
    private readonly host: HostState,
    private readonly port: number,
    private readonly entry: ListenerEntry,
  ) {}

  close(): Promise<void> {
    if (this.host.listeners.get(this.port) === this.entry) this.host.listeners.delete(this.port);
    return Promise.resolve();
  }
}

export class SimNetwork implements Network {
  constructor(
    private readonly fabric: Fabric,
    private readonly host: HostState,
    /** The incarnation this Network belongs to: a restarted node gets a new one. */
    private readonly gen: number,
  ) {}

  private get up(): boolean {
    return this.host.alive && this.host.gen === this.gen;
  }

  listen(addr: Address, onConnection: (conn: Connection) => void): Promise<Listener> {
    if (!this.up) return Promise.reject(new NodeDownError(`listen() on ${this.host.name}, which is down`));
    let host: string;
    let port: number;
    try {
      ({ host, port } = parseAddress(addr));
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.host.isOwnHostName(host)) {
      return Promise.reject(
        new AddressInUseError(`${host} is not an address of ${this.host.name} (${this.host.host})`),
      );
    }
    if (port === 0) port = this.host.allocatePort();
    if (port === 0 || this.host.listeners.has(port)) {
      return Promise.reject(new AddressInUseError(`address in use: ${formatAddress(this.host.host, port)}`));
    }
    const entry: ListenerEntry = { gen: this.gen, onConnection };
    this.host.listeners.set(port, entry);
    return Promise.resolve(new SimListener(formatAddress(this.host.host, port), this.host, port, entry));
  }

  dial(addr: Address, opts?: DialOptions): Promise<Connection> {
    if (!this.up) return Promise.reject(new NodeDownError(`dial() from ${this.host.name}, which is down`));
    let host: string;
    let port: number;
    try {
      ({ host, port } = parseAddress(addr));
    } catch (err) {
      return Promise.reject(err);
    }
    const dst = this.fabric.resolve(host, this.host);
    if (dst === undefined && !IPV4_LITERAL.test(host) && !host.includes(':')) {
      return Promise.reject(new AddressError(`unknown host "${host}" in "${addr}"`));
    }
    if (port === 0) return Promise.reject(new AddressError(`cannot dial port 0 ("${addr}")`));
    const timeoutMs = opts?.timeoutMs ?? this.fabric.opts.dialTimeoutMs;
    return new Promise<Connection>((resolve, reject) => {
      new DialAttempt(this.fabric, this.host, this.gen, dst, port, timeoutMs, resolve, reject).start();
    });
  }
}
