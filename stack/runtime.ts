/**
 * The seam. Everything under stack/ receives its world through one Runtime: time, randomness,
 * connections, logging and metrics. The simulator (sim/) and the real runtime (live/) are the
 * only implementations. stack/ never imports node:net, node:timers, node:fs, ... and never calls
 * Date.now, setTimeout, Math.random or crypto.randomBytes (test/purity.test.ts enforces it).
 *
 * Contracts below are normative: the Runtime compliance suite (test/runtime-compliance.ts) checks
 * both implementations against them.
 */

// ---------------------------------------------------------------------------------------------
// Clock
// ---------------------------------------------------------------------------------------------

/** A scheduled callback. cancel() is idempotent and safe after the timer fired. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /**
   * Monotonic milliseconds since an arbitrary origin (fractions allowed). Never decreases.
   * In the simulator this is virtual time: it does not move while a handler runs, and a promise
   * continuation caused by an event sees the same now() as the event itself.
   */
  now(): number;
  /**
   * Wall-clock milliseconds since the Unix epoch, for things that outlive a process (record
   * expiry, token validity). The simulator returns a fixed epoch origin + now().
   */
  wallNow(): number;
  /**
   * Calls fn once, no earlier than delayMs from now (delayMs < 0 is treated as 0). Timers due at
   * the same instant fire in the order they were set. A timer set from inside a firing timer with
   * delay 0 fires after the current one returns, never re-entrantly. Exceptions thrown by fn are
   * reported to the Runtime's logger and do not stop other timers.
   */
  setTimer(delayMs: number, fn: () => void): Timer;
  /** Resolves after delayMs, like setTimer. Never rejects. */
  sleep(delayMs: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------------

/**
 * A random stream. In the simulator it is seeded and reproducible; live it reads the OS source.
 * Key material is drawn from bytes(): it must be cryptographically strong live, and it is
 * deterministic (and therefore not secret) in the simulator, which is intended.
 */
export interface Rng {
  /** Uniform integer in [0, 2^32). */
  u32(): number;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform integer in [0, n) for 0 < n <= 2^32. */
  int(n: number): number;
  /** n uniform random bytes (a fresh array). */
  bytes(n: number): Uint8Array;
  /**
   * An independent stream derived from this one and a label. Forking the same label twice gives
   * the same stream in the simulator, so components can derive sub-seeds by name (TigerBeetle
   * VOPR style) without disturbing each other's sequences.
   */
  fork(label: string): Rng;
}

// ---------------------------------------------------------------------------------------------
// Network
// ---------------------------------------------------------------------------------------------

/**
 * Addresses are strings "host:port". host is an IPv4 literal, a bracketed IPv6 literal
 * ("[fd00::1]:7000") or a name the Runtime knows (the simulator's hosts). Port 0 in listen()
 * asks for any free port; Listener.addr gives the one chosen.
 */
export type Address = string;

/** Base class of errors the network reports. Tests check the class, not the message text. */
export class NetError extends Error {
  override name = 'NetError';
}
/** Nothing listens at the dialed address (or the listener refused). */
export class ConnectionRefusedError extends NetError {
  override name = 'ConnectionRefusedError';
}
/** The peer or the path failed abruptly (crash, reset, partition detected). */
export class ConnectionResetError extends NetError {
  override name = 'ConnectionResetError';
}
/** dial() did not complete within its timeout. */
export class DialTimeoutError extends NetError {
  override name = 'DialTimeoutError';
}
/** write() or end() after the local side ended or closed the connection. */
export class ConnectionClosedError extends NetError {
  override name = 'ConnectionClosedError';
}
/** listen() on an address already in use, or one this host does not have. */
export class AddressInUseError extends NetError {
  override name = 'AddressInUseError';
}
/** A malformed address string. */
export class AddressError extends NetError {
  override name = 'AddressError';
}

/**
 * Callbacks for one connection. They are never called re-entrantly from inside write(), end(),
 * close() or setHandler(): events are always delivered from a later turn.
 */
export interface ConnectionHandler {
  /**
   * Bytes in order. Treat the chunk as read-only: it may be the very buffer the sender wrote (the
   * simulator does not copy), which a sender may have written to several connections. Copy it
   * before modifying it in place.
   */
  onData(chunk: Uint8Array): void;
  /**
   * Optional promise of the handler: it is done with each chunk when onData returns and keeps no
   * reference to it (it copies what it keeps). A connection may then hand out views of one read
   * buffer it reuses (live: one per process), saving a fresh allocation per read; chunks it
   * queued while paused are copies. Connections that do not reuse buffers ignore it. Read when
   * the handler is set.
   */
  readonly borrowsChunks?: boolean;
  /** The send buffer fell below the low-water mark after write() returned false. */
  onDrain?(): void;
  /** The peer half-closed: no more data will arrive. We may still write until end()/close(). */
  onEnd?(): void;
  /**
   * The connection is fully closed: called exactly once, last. err is undefined for an orderly
   * close (both sides ended, or close() without an error on this side) and a NetError otherwise.
   */
  onClose?(err?: NetError): void;
}

export interface Connection {
  readonly localAddr: Address;
  readonly remoteAddr: Address;
  /**
   * Install (or replace) the handler. Data, end and close that arrive before the first handler is
   * set are buffered and delivered after it is set, in order, from a later turn.
   */
  setHandler(handler: ConnectionHandler): void;
  /**
   * Queue bytes for sending, in order. Returns false when the send buffer is over its high-water
   * mark: the bytes are still queued, and the caller should wait for onDrain before writing more.
   * The caller must not modify chunk afterwards. Throws ConnectionClosedError after end()/close().
   */
  write(chunk: Uint8Array): boolean;
  /**
   * Optional: write(concat(chunks)) without the concatenation, the chunks leaving in one system
   * call where the platform can (live: a corked socket, one writev). Same rules and result as
   * write(). A caller without it concatenates, or writes the chunks one by one.
   */
  writev?(chunks: readonly Uint8Array[]): boolean;
  /**
   * Optional: bytes written but not yet handed to the OS (live: the socket's writableLength).
   * While it is 0 the connection holds no chunk written before, so a writer may reuse their
   * memory. A connection without it may hold written chunks for as long as it likes (the
   * simulator delivers the very arrays written), so their memory must never be reused.
   */
  readonly pendingWriteBytes?: number;
  /** Half-close: flush what is queued, then signal end of stream to the peer. Idempotent. */
  end(): void;
  /**
   * Full close. Without err: queued bytes are flushed first when possible, then the peer sees
   * end and close. With err: bytes still queued are discarded and the peer sees a reset.
   * Idempotent; onClose fires once, from a later turn.
   */
  close(err?: Error): void;
  /** Stop delivering onData (the peer's writes back up once buffers fill). */
  pause(): void;
  resume(): void;
  /** True once close() was called or onClose fired. */
  readonly closed: boolean;
}

export interface Listener {
  readonly addr: Address;
  /** Stops accepting. Established connections are not affected. Idempotent. */
  close(): Promise<void>;
}

export interface DialOptions {
  /** Rejects with DialTimeoutError after this long. Default: the Runtime's own (10 s live). */
  timeoutMs?: number;
}

export interface Network {
  /**
   * Accept connections at addr. Rejects with AddressInUseError when the address is taken or not
   * ours, AddressError when malformed.
   */
  listen(addr: Address, onConnection: (conn: Connection) => void): Promise<Listener>;
  /**
   * Connect to addr. Rejects with ConnectionRefusedError when nothing listens there,
   * DialTimeoutError when no answer comes in time (a partition, a dropped SYN), AddressError when
   * malformed.
   */
  dial(addr: Address, opts?: DialOptions): Promise<Connection>;
}

// ---------------------------------------------------------------------------------------------
// Logging and metrics
// ---------------------------------------------------------------------------------------------

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds fields to every record (component, peer, ...). */
  child(fields: LogFields): Logger;
}

/**
 * Where the stack reports what it does. Names are dotted lower-case ("veil.handshakes",
 * "dht.lookup.hops"). The sink aggregates; the stack never reads metrics back.
 */
export interface Metrics {
  /** Add n (default 1) to a counter. */
  count(name: string, n?: number): void;
  /** Record one observation of a distribution (latencies, hop counts, sizes). */
  observe(name: string, value: number): void;
  /** Set a gauge to its current value. */
  gauge(name: string, value: number): void;
}

// ---------------------------------------------------------------------------------------------
// Devices: TUN (optional)
// ---------------------------------------------------------------------------------------------

/**
 * Bytes a TUN device leaves free and writable in front of every packet it delivers, so that a
 * framing header can be written in place (new Uint8Array(p.buffer, p.byteOffset - TUN_HEADROOM,
 * ...)) and packet plus header sent as one chunk without copying the packet.
 */
export const TUN_HEADROOM = 8; // bytes

/** The device could not be created or configured (no permission, no /dev/net/tun, bad name). */
export class TunUnavailableError extends Error {
  override name = 'TunUnavailableError';
}

export interface TunConfig {
  /** Interface name (at most 15 characters); the provider picks one when absent. */
  name?: string;
  /** Link MTU in bytes (1280..65535). */
  mtu: number;
  /** The IPv6 address the host side gets (16 bytes), with its prefix length: traffic to the
   * prefix is routed into the device. */
  address: Uint8Array;
  prefixLength: number;
}

export interface TunHandler {
  /**
   * One IP packet the host sent into the device. The packet is the receiver's to keep (the
   * provider reuses its bytes only once released() says so) and has TUN_HEADROOM writable bytes
   * in front of it.
   */
  onPacket(packet: Uint8Array): void;
  /**
   * Optional: true when the receiver holds none of the packets it was given any more (each was
   * copied on or dropped). Only then may the provider reuse their memory; without it, never.
   */
  released?(): boolean;
  /** The device went away (closed, or failed: err says why). Called once, last. */
  onClose?(err?: Error): void;
}

export interface TunDevice {
  readonly name: string;
  readonly mtu: number;
  /** Install the handler; packets read before it is set are dropped. */
  setHandler(handler: TunHandler): void;
  /**
   * Hand one IP packet to the host. False when it was dropped (device gone or full). The device
   * is done with the packet when write returns (the caller may reuse its bytes).
   */
  write(packet: Uint8Array): boolean;
  /**
   * Stop (true) or resume (false) reading packets from the host. The TUN service pauses while a
   * route's stream is over its high-water mark, so the host's queue and its TCP pace the sender
   * instead of packets being dropped. A device without it keeps reading.
   */
  setPaused?(paused: boolean): void;
  /** Remove the device. Idempotent. */
  close(): void;
}

export interface TunProvider {
  /** Create and configure a device. Rejects with TunUnavailableError saying what is missing. */
  open(config: TunConfig): Promise<TunDevice>;
}

// ---------------------------------------------------------------------------------------------
// The Runtime
// ---------------------------------------------------------------------------------------------

export interface Runtime {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly net: Network;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** TUN devices, where the Runtime can make them (live on Linux, the simulator's in-memory ones). */
  readonly tun?: TunProvider;
}

/** Parse "host:port" / "[v6]:port". Pure; throws AddressError. */
export function parseAddress(addr: Address): { host: string; port: number } {
  let host: string;
  let portText: string;
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    if (close < 0 || addr[close + 1] !== ':') throw new AddressError(`malformed address "${addr}"`);
    host = addr.slice(1, close);
    portText = addr.slice(close + 2);
  } else {
    const colon = addr.lastIndexOf(':');
    if (colon <= 0 || addr.indexOf(':') !== colon) {
      throw new AddressError(`malformed address "${addr}": expected host:port or [ipv6]:port`);
    }
    host = addr.slice(0, colon);
    portText = addr.slice(colon + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new AddressError(`malformed port in "${addr}": expected 0..65535`);
  }
  return { host, port };
}

/** Inverse of parseAddress. */
export function formatAddress(host: string, port: number): Address {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A Metrics sink that discards everything (for code paths that have none to report to). */
export const nullMetrics: Metrics = { count() {}, observe() {}, gauge() {} };
