/**
 * A tiny in-memory Runtime for the Veil unit tests (a test double, not the simulator): a manual
 * clock the test advances, a seeded rng, and an in-memory network whose connections follow the
 * Connection contract closely enough for Veil (events from microtasks, onClose once and last,
 * close(err) resets the peer). Bytes in flight can be observed, altered or injected, which is what
 * the tamper and replay tests need. write() always returns true: backpressure is the mux's test.
 */

import {
  type Address,
  type Clock,
  type Connection,
  ConnectionClosedError,
  type ConnectionHandler,
  ConnectionRefusedError,
  ConnectionResetError,
  type Listener,
  type LogFields,
  type Logger,
  type Metrics,
  type NetError,
  type Network,
  type Rng,
  type Runtime,
  type Timer,
} from '../runtime.js';

export class ManualClock implements Clock {
  private nowMs = 0;
  private timers: { at: number; seq: number; fn: () => void; cancelled: boolean }[] = [];
  private seq = 0;

  now(): number {
    return this.nowMs;
  }
  wallNow(): number {
    return 1_800_000_000_000 + this.nowMs;
  }
  setTimer(delayMs: number, fn: () => void): Timer {
    const t = { at: this.nowMs + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(t);
    return {
      cancel: () => {
        t.cancelled = true;
      },
    };
  }
  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(delayMs, resolve));
  }
  /** Move time forward, firing due timers in order. */
  advance(ms: number): void {
    const until = this.nowMs + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.find((t) => !t.cancelled);
      if (!next || next.at > until) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.nowMs = next.at;
      next.fn();
    }
    this.nowMs = until;
  }
}

/** splitmix32: small, seeded, good enough to make distinct keys. */
export class TestRng implements Rng {
  constructor(private state: number) {}
  u32(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }
  float(): number {
    return this.u32() / 2 ** 32;
  }
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
  fork(label: string): Rng {
    let h = this.state;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new TestRng(h);
  }
}

export class TestMetrics implements Metrics {
  readonly counters = new Map<string, number>();
  count(name: string, n = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + n);
  }
  observe(): void {}
  gauge(): void {}
  get(name: string): number {
    return this.counters.get(name) ?? 0;
  }
}

export class TestLogger implements Logger {
  readonly records: { level: string; msg: string; fields?: LogFields }[] = [];
  debug(msg: string, fields?: LogFields): void {
    this.records.push({ level: 'debug', msg, fields });
  }
  info(msg: string, fields?: LogFields): void {
    this.records.push({ level: 'info', msg, fields });
  }
  warn(msg: string, fields?: LogFields): void {
    this.records.push({ level: 'warn', msg, fields });
  }
  error(msg: string, fields?: LogFields): void {
    this.records.push({ level: 'error', msg, fields });
  }
  child(): Logger {
    return this;
  }
}

type Event = { kind: 'data'; chunk: Uint8Array } | { kind: 'end' } | { kind: 'close'; err?: NetError };

/**
 * Rewrites the bytes a connection sends before its peer sees them: return the chunks to deliver
 * (none drops the chunk). `from` is the sender's local address.
 */
export type Tap = (from: Address, chunk: Uint8Array) => Uint8Array[];

export class MemoryConnection implements Connection {
  peer!: MemoryConnection;
  /** Every chunk this side wrote, as written. */
  readonly sent: Uint8Array[] = [];
  private handler: ConnectionHandler | undefined;
  private inbox: Event[] = [];
  private scheduled = false;
  private paused = false;
  private localEnded = false;
  private remoteEnded = false;
  private isClosed = false;
  private closeQueued = false;
  private closeDelivered = false;

  constructor(
    readonly localAddr: Address,
    readonly remoteAddr: Address,
    private readonly net: MemoryNetwork,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }
  setHandler(handler: ConnectionHandler): void {
    this.handler = handler;
    this.schedule();
  }
  write(chunk: Uint8Array): boolean {
    if (this.localEnded || this.isClosed) throw new ConnectionClosedError('write after end/close');
    this.sent.push(chunk);
    for (const c of this.net.tap(this.localAddr, chunk.slice()))
      this.peer.enqueue({ kind: 'data', chunk: c });
    return true;
  }
  /** Deliver bytes to this side as if the peer had sent them (replay, injection). */
  inject(chunk: Uint8Array): void {
    this.enqueue({ kind: 'data', chunk: chunk.slice() });
  }
  end(): void {
    if (this.localEnded || this.isClosed) return;
    this.localEnded = true;
    this.peer.enqueue({ kind: 'end' });
    this.maybeOrderlyClose();
  }
  close(err?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (err === undefined) {
      if (!this.localEnded) this.peer.enqueue({ kind: 'end' });
      this.peer.enqueue({ kind: 'close' });
    } else {
      this.peer.enqueue({ kind: 'close', err: new ConnectionResetError('reset by peer') });
    }
    this.localEnded = true;
    this.queueClose(undefined);
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.schedule();
  }

  private enqueue(ev: Event): void {
    if (this.closeDelivered) return;
    if (ev.kind === 'close' && ev.err !== undefined) this.inbox = this.inbox.filter((e) => e.kind !== 'data');
    this.inbox.push(ev);
    this.schedule();
  }
  private queueClose(err: NetError | undefined): void {
    if (this.closeQueued) return;
    this.closeQueued = true;
    this.inbox.push({ kind: 'close', err });
    this.schedule();
  }
  private maybeOrderlyClose(): void {
    if (this.localEnded && this.remoteEnded && !this.isClosed) {
      this.isClosed = true;
      this.queueClose(undefined);
    }
  }
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // A promise job (not queueMicrotask): the purity rule, and the simulator sees only promise work.
    void Promise.resolve().then(() => {
      this.scheduled = false;
      this.deliver();
    });
  }
  private deliver(): void {
    while (this.handler && this.inbox.length > 0) {
      const ev = this.inbox[0];
      if (ev.kind === 'data' && this.paused) return;
      this.inbox.shift();
      if (ev.kind === 'data') {
        if (!this.isClosed) this.handler.onData(ev.chunk);
      } else if (ev.kind === 'end') {
        this.remoteEnded = true;
        this.handler.onEnd?.();
        this.maybeOrderlyClose();
      } else if (!this.closeDelivered) {
        this.closeDelivered = true;
        this.isClosed = true;
        this.inbox = [];
        this.handler.onClose?.(ev.err);
      }
    }
  }
}

/** One network shared by several runtimes; host names are whatever the tests choose. */
export class MemoryNetwork {
  readonly connections: MemoryConnection[] = [];
  private readonly listeners = new Map<Address, (conn: Connection) => void>();
  private nextPort = 40000;
  /** Replace to observe or alter bytes in flight. */
  tap: Tap = (_from, chunk) => [chunk];

  forHost(host: string): Network {
    return {
      listen: async (addr, onConnection): Promise<Listener> => {
        this.listeners.set(addr, onConnection);
        return { addr, close: async () => void this.listeners.delete(addr) };
      },
      dial: async (addr): Promise<Connection> => {
        const onConnection = this.listeners.get(addr);
        if (!onConnection) throw new ConnectionRefusedError(`nothing listens at ${addr}`);
        const local = `${host}:${this.nextPort++}`;
        const a = new MemoryConnection(local, addr, this);
        const b = new MemoryConnection(addr, local, this);
        a.peer = b;
        b.peer = a;
        this.connections.push(a, b);
        onConnection(b);
        return a;
      },
    };
  }
}

export interface TestRuntime extends Runtime {
  readonly clock: ManualClock;
  readonly metrics: TestMetrics;
  readonly log: TestLogger;
}

export function testRuntime(
  net: MemoryNetwork,
  host: string,
  seed: number,
  clock = new ManualClock(),
): TestRuntime {
  return {
    clock,
    rng: new TestRng(seed),
    net: net.forHost(host),
    log: new TestLogger(),
    metrics: new TestMetrics(),
  };
}

/** A connected pair outside any listener, for secure() tests. */
export function memoryPair(net: MemoryNetwork): [MemoryConnection, MemoryConnection] {
  const a = new MemoryConnection('a:1', 'b:1', net);
  const b = new MemoryConnection('b:1', 'a:1', net);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * Let queued microtasks, and the chains they start, run. stack/ may not use setImmediate (the
 * purity rule covers its tests too), so this yields a bounded number of microtask turns; every
 * hop of this network is one turn, so a few hundred cover any exchange in these tests.
 */
export async function settle(rounds = 500): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
