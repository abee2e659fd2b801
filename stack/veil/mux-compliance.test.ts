/**
 * MuxStream against the Connection contract: the byte-stream and lifecycle cases of the Runtime
 * compliance suite (test/runtime-compliance), unchanged, run on a test Runtime whose network is one
 * Mux pair. Host a and host b each own a Mux, dial() opens a stream on the dialer's Mux, and the
 * peer's onStream hands it to the listener, so every "connection" is a MuxStream multiplexed with
 * the others, checked case by case exactly as the simulator's and live runtime's connections are.
 *
 * Messages cross on macrotasks (setImmediate) through a channel that holds at most LANE_LIMIT
 * messages, so the muxes see backpressure (send() === false, then drained()) as over a socket.
 * Time is real (LiveClock). This harness lives in a .test.ts file because it uses real timers.
 */

import { afterEach, beforeEach, describe } from 'vitest';
import { LiveClock } from '../../live/clock.js';
import type { HarnessHosts, RuntimeHarness } from '../../test/harness.js';
import { onNextMacrotask } from '../../test/macrotask.js';
import type { Suite } from '../../test/runtime-compliance/helpers.js';
import { lifecycleCases } from '../../test/runtime-compliance/lifecycle-cases.js';
import { streamCases } from '../../test/runtime-compliance/stream-cases.js';
import {
  type Address,
  AddressInUseError,
  type Connection,
  type ConnectionHandler,
  ConnectionRefusedError,
  type Listener,
  type Logger,
  type Network,
  nullMetrics,
  parseAddress,
  type Rng,
  type Runtime,
} from '../runtime.js';
import { Mux, type MuxStream } from './mux.js';

const LANE_LIMIT = 8; // messages in flight per direction before send() says "backed up"
const HOSTS = { a: '10.0.0.1', b: '10.0.0.2' } as const;
type Side = keyof typeof HOSTS;

const quietLog: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => quietLog,
};

/** The stream-level cases use no randomness; anything that does gets a fixed, obvious stream. */
const fixedRng: Rng = {
  u32: () => 4,
  float: () => 0.5,
  int: (n) => Math.min(4, n - 1),
  bytes: (n) => new Uint8Array(n).fill(4),
  fork: () => fixedRng,
};

/** A MuxStream reporting network addresses; every call goes straight to the stream. */
class AddressedStream implements Connection {
  constructor(
    private readonly stream: MuxStream,
    readonly localAddr: Address,
    readonly remoteAddr: Address,
  ) {}
  get closed(): boolean {
    return this.stream.closed;
  }
  setHandler(handler: ConnectionHandler): void {
    this.stream.setHandler(handler);
  }
  write(chunk: Uint8Array): boolean {
    return this.stream.write(chunk);
  }
  end(): void {
    this.stream.end();
  }
  close(err?: Error): void {
    this.stream.close(err);
  }
  pause(): void {
    this.stream.pause();
  }
  resume(): void {
    this.stream.resume();
  }
}

/** One direction of the wire between the muxes. */
class Lane {
  private queue: Uint8Array[] = [];
  private scheduled = false;
  private blocked = false;
  to!: Mux;
  from!: Mux;

  send(message: Uint8Array): boolean {
    this.queue.push(message);
    if (!this.scheduled) {
      this.scheduled = true;
      onNextMacrotask(() => this.deliver());
    }
    if (this.queue.length < LANE_LIMIT) return true;
    this.blocked = true;
    return false;
  }

  private deliver(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const message of batch) this.to.receive(message); // a MuxError would fail the case loudly
    if (this.blocked) {
      this.blocked = false;
      this.from.drained();
    }
  }
}

class MuxWorld {
  readonly mux: Record<Side, Mux>;
  readonly listeners: Record<Side, Map<Address, (conn: Connection) => void>> = { a: new Map(), b: new Map() };
  /** Dials in flight toward each side, in OPEN order (stream ids increase, OPENs arrive in order). */
  readonly dials: Record<Side, { target: Address; from: Address }[]> = { a: [], b: [] };
  private nextPort = 40_000;

  constructor() {
    const ab = new Lane();
    const ba = new Lane();
    const a = new Mux({ send: (m) => ab.send(m) }, { initiator: true });
    const b = new Mux({ send: (m) => ba.send(m) }, { initiator: false });
    Object.assign(ab, { from: a, to: b });
    Object.assign(ba, { from: b, to: a });
    this.mux = { a, b };
    for (const side of ['a', 'b'] as const) this.mux[side].onStream = (s) => this.accept(side, s);
  }

  port(): number {
    return this.nextPort++;
  }

  private accept(side: Side, stream: MuxStream): void {
    const dial = this.dials[side].shift()!;
    const onConnection = this.listeners[side].get(dial.target);
    if (onConnection === undefined)
      stream.close(new ConnectionRefusedError(`listener ${dial.target} closed`));
    else onConnection(new AddressedStream(stream, dial.target, dial.from));
  }

  close(): void {
    this.mux.a.close();
    this.mux.b.close();
  }
}

class MuxNetwork implements Network {
  constructor(
    private readonly world: MuxWorld,
    private readonly side: Side,
  ) {}

  async listen(addr: Address, onConnection: (conn: Connection) => void): Promise<Listener> {
    const { host, port } = parseAddress(addr);
    if (host !== HOSTS[this.side]) throw new AddressInUseError(`${host} is not an address of this host`);
    const bound = `${host}:${port === 0 ? this.world.port() : port}`;
    const listeners = this.world.listeners[this.side];
    if (listeners.has(bound)) throw new AddressInUseError(`${bound} is in use`);
    listeners.set(bound, onConnection);
    return {
      addr: bound,
      close: async () => {
        if (listeners.get(bound) === onConnection) listeners.delete(bound);
      },
    };
  }

  async dial(addr: Address): Promise<Connection> {
    const { host, port } = parseAddress(addr);
    const peer: Side = this.side === 'a' ? 'b' : 'a';
    const target = `${host}:${port}`;
    if (host !== HOSTS[peer] || !this.world.listeners[peer].has(target)) {
      throw new ConnectionRefusedError(`nothing listens at ${addr}`);
    }
    const from = `${HOSTS[this.side]}:${this.world.port()}`;
    this.world.dials[peer].push({ target, from });
    return new AddressedStream(this.world.mux[this.side].openStream(), from, target);
  }
}

function muxHarness(): RuntimeHarness {
  let world: MuxWorld | undefined;
  return {
    name: 'MuxStream over a Mux pair',
    async setup(): Promise<HarnessHosts> {
      world = new MuxWorld();
      const runtime = (side: Side): Runtime => ({
        clock: new LiveClock(quietLog),
        rng: fixedRng,
        net: new MuxNetwork(world!, side),
        log: quietLog,
        metrics: nullMetrics,
      });
      return {
        a: runtime('a'),
        b: runtime('b'),
        listenAddrA: `${HOSTS.a}:7000`,
        listenAddrB: `${HOSTS.b}:7000`,
        unusedAddrB: `${HOSTS.b}:7999`,
      };
    },
    run: (body) => body(),
    async teardown(): Promise<void> {
      world?.close();
      world = undefined;
    },
  };
}

const harness = muxHarness();

describe(`Connection compliance: ${harness.name}`, () => {
  let hosts: HarnessHosts | undefined;
  beforeEach(async () => {
    hosts = await harness.setup();
  });
  afterEach(async () => {
    hosts = undefined;
    await harness.teardown();
  });
  const suite: Suite = {
    harness,
    hosts() {
      if (hosts === undefined) throw new Error('harness.setup() did not run before this case');
      return hosts;
    },
  };
  describe('byte stream', () => streamCases(suite));
  describe('lifecycle and errors', () => lifecycleCases(suite));
});
