import { it } from 'vitest';
import type { Clock, Connection, ConnectionHandler, Listener, NetError } from '../../stack/runtime.js';
import type { HarnessHosts, RuntimeHarness } from '../harness.js';

/** What each group of cases gets: the harness, and the hosts of the test that is running. */
export interface Suite {
  harness: RuntimeHarness;
  hosts(): HarnessHosts;
}

const DEFAULT_MAX_VIRTUAL_MS = 300_000; // simulated bound per case; generous, it only stops hangs
export const WAIT_MS = 30_000; // bound on any single wait, so a hang fails with its reason

/** Registers one case that runs inside harness.run (which drives virtual time in the simulator). */
export function runtimeCase(
  suite: Suite,
  name: string,
  body: (hosts: HarnessHosts) => Promise<void>,
  maxVirtualMs = DEFAULT_MAX_VIRTUAL_MS,
): void {
  it(name, () => suite.harness.run(() => body(suite.hosts()), { maxVirtualMs }));
}

/**
 * Rejects with a message naming `what` if `promise` has not settled within WAIT_MS on the given
 * clock. It bounds hangs only; no case asserts how long anything took.
 */
export async function within<T>(clock: Clock, what: string, promise: Promise<T>): Promise<T> {
  let timer: { cancel(): void } | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimer(WAIT_MS, () => reject(new Error(`timed out waiting for ${what}`)));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    timer?.cancel();
  }
}

export type EventKind = 'data' | 'drain' | 'end' | 'close';

/** A ConnectionHandler that records everything and lets a case wait for a condition. */
export class Recorder implements ConnectionHandler {
  /** Event kinds in arrival order; consecutive data events are folded into one entry. */
  readonly events: EventKind[] = [];
  readonly chunks: Uint8Array[] = [];
  bytes = 0;
  drains = 0;
  ends = 0;
  closes = 0;
  closeErr: NetError | undefined;
  /** Set by the case around pause()/resume(); onData while it is true is a contract violation. */
  paused = false;
  dataWhilePaused = 0;
  /** Events (of any kind) delivered after onClose: must stay 0. */
  afterClose = 0;
  private readonly waiters = new Set<() => void>();

  /** With pauseAtBytes, the recorder pauses `conn` from inside onData once that many arrived. */
  constructor(
    private readonly clock: Clock,
    private pauseAt?: { conn: Connection; bytes: number },
  ) {}

  onData(chunk: Uint8Array): void {
    if (this.paused) this.dataWhilePaused++;
    this.record('data');
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.pauseAt !== undefined && !this.paused && this.bytes >= this.pauseAt.bytes) {
      this.pauseAt.conn.pause();
      this.paused = true;
      this.pauseAt = undefined;
    }
    this.wake();
  }
  onDrain(): void {
    this.drains++;
    this.record('drain');
    this.wake();
  }
  onEnd(): void {
    this.ends++;
    this.record('end');
    this.wake();
  }
  onClose(err?: NetError): void {
    this.closes++;
    this.closeErr = err;
    this.record('close');
    this.wake();
  }

  /** Resolves once check() holds (checked now and after every event); bounded by WAIT_MS. */
  until(what: string, check: (r: this) => boolean): Promise<void> {
    if (check(this)) return Promise.resolve();
    let waiter: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      waiter = () => {
        if (!check(this)) return;
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
    });
    return within(this.clock, what, reached).finally(() => this.waiters.delete(waiter));
  }

  received(): Uint8Array {
    return concat(this.chunks);
  }

  private record(kind: EventKind): void {
    if (this.closes > 0 && !(kind === 'close' && this.closes === 1)) this.afterClose++;
    if (kind === 'data' && this.events[this.events.length - 1] === 'data') return;
    this.events.push(kind);
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export interface Pair {
  listener: Listener;
  /** Dialed from host a. */
  client: Connection;
  /** Accepted on host b; no handler is set yet. */
  server: Connection;
}

/** Listens on host b, dials it from host a, and returns both ends. */
export async function connectPair(h: HarnessHosts): Promise<Pair> {
  let accept: (conn: Connection) => void = () => {};
  const accepted = new Promise<Connection>((resolve) => {
    accept = resolve;
  });
  const listener = await h.b.net.listen(h.listenAddrB, (conn) => accept(conn));
  const client = await h.a.net.dial(listener.addr);
  const server = await within(h.b.clock, 'the accepted connection', accepted);
  return { listener, client, server };
}

/**
 * Writes all chunks in order, waiting for onDrain whenever write() returns false, as a well-behaved
 * stack component would. `rec` must be the handler installed on `conn`. Returns how often write()
 * said the buffer was full.
 */
export async function writeAll(conn: Connection, rec: Recorder, chunks: Uint8Array[]): Promise<number> {
  let fullCount = 0;
  for (const chunk of chunks) {
    if (conn.write(chunk)) continue;
    fullCount++;
    const drainsBefore = rec.drains;
    await rec.until('onDrain after write() returned false', (r) => r.drains > drainsBefore || r.closes > 0);
  }
  return fullCount;
}

/**
 * Bytes whose value depends on their absolute stream offset, so lost, duplicated or reordered
 * chunks show up as a mismatch at a specific offset.
 */
export function pattern(offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const x = offset + i;
    out[i] = (x ^ (x >>> 8) ^ (x >>> 16) ^ (x >>> 24)) & 0xff;
  }
  return out;
}

/** Splits the pattern stream [0, total) into chunks of the given sizes. */
export function patternChunks(sizes: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    chunks.push(pattern(offset, size));
    offset += size;
  }
  return chunks;
}

/** Deterministic "varied" sizes in [1, maxSize] from a small LCG (no Runtime randomness needed). */
export function variedSizes(count: number, maxSize: number, seed = 1): number[] {
  const sizes: number[] = [];
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    sizes.push(1 + (state % maxSize));
  }
  return sizes;
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Describes the first difference between two byte arrays, or returns undefined if equal. */
export function firstDifference(actual: Uint8Array, expected: Uint8Array): string | undefined {
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) return `byte ${i}: got ${actual[i]}, expected ${expected[i]}`;
  }
  if (actual.length !== expected.length) return `length: got ${actual.length}, expected ${expected.length}`;
  return undefined;
}
