/**
 * A network shim for live runs: latency, jitter, loss and (on loopback, where no firewall can
 * separate nodes) partitions, applied inside the live transport, because this kernel has no netem.
 * It wraps a Network and leaves the stack unchanged: the node enables it from its admin socket
 * (`shim` command) with rules built by the scenario runner.
 *
 * Everything is applied by the dialing side of a connection, to both directions: the dialer knows
 * the address it dialed (an accepting side only sees an ephemeral source port, which on loopback
 * names no node). Every byte therefore crosses exactly one shim:
 * - a dial completes one round trip (two one-way delays) after the TCP connect;
 * - each chunk written waits one one-way delay before it reaches the socket, each chunk read waits
 *   one before it reaches the handler; neither direction is ever reordered (like TCP, a slow chunk
 *   holds back the ones behind it);
 * - a lost chunk is delivered after retransmission timeouts (time is lost, bytes are not), as in
 *   the simulator;
 * - while the path is cut, chunks are held and dials wait (and time out as a SYN would); after
 *   the heal, held chunks flow again in order.
 * Without rules the shim hands out the inner network's connections untouched.
 */
import {
  type Address,
  type Connection,
  ConnectionClosedError,
  type ConnectionHandler,
  type DialOptions,
  DialTimeoutError,
  type Listener,
  type NetError,
  type Network,
} from '../stack/runtime.js';

/** What the shim asks about a path. Implementations draw their own randomness. */
export interface ShimRules {
  /** One-way delay in ms for one chunk between us and peer (latency, jitter and loss penalties). */
  delayMs(peer: Address): number;
  /** True while the path to peer is cut (loopback partitions; namespaces use nftables instead). */
  cut(peer: Address): boolean;
}

const HOLD_RECHECK_MS = 200; // while cut, how often held data and dials look again (a TCP RTO)
const DEFAULT_DIAL_TIMEOUT_MS = 10_000;
const OUT_HIGH_WATER = 1 << 20; // bytes delayed on the way out before write() asks the caller to wait

/** In-order delivery at increasing times, one timer per line. */
class DelayLine {
  private readonly queue: { at: number; fn: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  held = false;

  constructor(
    private readonly peer: Address,
    private readonly net: ShimNetwork,
  ) {}

  push(delayMs: number, fn: () => void): void {
    const at = Math.max(this.last, performance.now() + delayMs);
    this.last = at;
    this.queue.push({ at, fn });
    this.arm();
  }

  clear(): void {
    this.queue.length = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  get empty(): boolean {
    return this.queue.length === 0;
  }

  private arm(): void {
    if (this.timer !== undefined || this.queue.length === 0 || this.held) return;
    const wait = this.net.isCut(this.peer)
      ? HOLD_RECHECK_MS
      : Math.max(0, this.queue[0]!.at - performance.now());
    this.timer = setTimeout(this.run, wait);
  }

  /** Continue after held was cleared. */
  kick(): void {
    this.arm();
  }

  private readonly run = (): void => {
    this.timer = undefined;
    if (this.held) return;
    if (!this.net.isCut(this.peer)) {
      const now = performance.now();
      while (this.queue.length > 0 && this.queue[0]!.at <= now && !this.held) {
        this.queue.shift()!.fn();
        if (this.net.isCut(this.peer)) break;
      }
    }
    this.arm();
  };
}

class ShimConnection implements Connection {
  readonly localAddr: Address;
  readonly remoteAddr: Address;
  private readonly out: DelayLine;
  private readonly inbound: DelayLine;
  private outBytes = 0;
  private wantDrain = false;
  private ended = false;
  private closeCalled = false;
  private closeDelivered = false;
  private handler: ConnectionHandler | undefined;

  constructor(
    private readonly inner: Connection,
    private readonly peer: Address,
    private readonly net: ShimNetwork,
  ) {
    this.localAddr = inner.localAddr;
    this.remoteAddr = inner.remoteAddr;
    this.out = new DelayLine(peer, net);
    this.inbound = new DelayLine(peer, net);
  }

  get closed(): boolean {
    return this.closeCalled || this.closeDelivered;
  }

  setHandler(handler: ConnectionHandler): void {
    const first = this.handler === undefined;
    this.handler = handler;
    if (!first) return;
    const later = (fn: () => void) => this.inbound.push(this.net.delayMs(this.peer), fn);
    // Input still on its way when we close is dropped, as the contract says for close().
    this.inner.setHandler({
      onData: (chunk) =>
        later(() => {
          if (!this.closeCalled) this.handler!.onData(chunk);
        }),
      onEnd: () =>
        later(() => {
          if (!this.closeCalled) this.handler!.onEnd?.();
        }),
      onDrain: () => undefined, // our own out line reports drain
      onClose: (err?: NetError) =>
        later(() => {
          if (this.closeDelivered) return;
          this.closeDelivered = true;
          this.out.clear();
          this.handler!.onClose?.(err);
        }),
    });
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed) throw new ConnectionClosedError(`write on closed connection to ${this.remoteAddr}`);
    if (this.ended) throw new ConnectionClosedError(`write after end() on connection to ${this.remoteAddr}`);
    this.outBytes += chunk.length;
    this.out.push(this.net.delayMs(this.peer), () => {
      this.outBytes -= chunk.length;
      if (!this.inner.closed) this.inner.write(chunk);
      if (this.wantDrain && this.outBytes < OUT_HIGH_WATER && !this.closed) {
        this.wantDrain = false;
        this.handler?.onDrain?.();
      }
    });
    if (this.outBytes >= OUT_HIGH_WATER) {
      this.wantDrain = true;
      return false;
    }
    return true;
  }

  end(): void {
    if (this.closeCalled) throw new ConnectionClosedError(`end() after close() on ${this.remoteAddr}`);
    if (this.ended) return;
    this.ended = true;
    this.out.push(0, () => {
      if (!this.inner.closed) this.inner.end();
    });
  }

  close(err?: Error): void {
    if (this.closeCalled) return;
    this.closeCalled = true;
    if (err !== undefined) {
      this.out.clear();
      this.inner.close(err);
      return;
    }
    this.out.push(0, () => this.inner.close());
  }

  pause(): void {
    this.inbound.held = true;
  }

  resume(): void {
    this.inbound.held = false;
    this.inbound.kick();
  }
}

/** A Network whose dialed connections see the current rules; without rules it adds nothing. */
export class ShimNetwork implements Network {
  private rules: ShimRules | undefined;

  constructor(
    private readonly inner: Network,
    private readonly defaultDialTimeoutMs = DEFAULT_DIAL_TIMEOUT_MS,
  ) {}

  /** Install rules (undefined: off). Open shimmed connections follow the new rules from now on. */
  setRules(rules: ShimRules | undefined): void {
    this.rules = rules;
  }

  get enabled(): boolean {
    return this.rules !== undefined;
  }

  delayMs(peer: Address): number {
    return this.rules?.delayMs(peer) ?? 0;
  }

  isCut(peer: Address): boolean {
    return this.rules?.cut(peer) ?? false;
  }

  listen(addr: Address, onConnection: (conn: Connection) => void): Promise<Listener> {
    return this.inner.listen(addr, onConnection);
  }

  async dial(addr: Address, opts: DialOptions = {}): Promise<Connection> {
    if (this.rules === undefined) return this.inner.dial(addr, opts);
    const timeoutMs = opts.timeoutMs ?? this.defaultDialTimeoutMs;
    const start = performance.now();
    while (this.isCut(addr)) {
      if (performance.now() - start >= timeoutMs)
        throw new DialTimeoutError(`dial ${addr} timed out after ${timeoutMs} ms (path cut)`);
      await sleep(HOLD_RECHECK_MS);
    }
    const left = Math.max(1, timeoutMs - (performance.now() - start));
    const conn = await this.inner.dial(addr, { timeoutMs: left });
    await sleep(this.delayMs(addr) + this.delayMs(addr)); // SYN out, SYN-ACK back
    return new ShimConnection(conn, addr, this);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
