/**
 * The session pool: at most one dial in progress per NodeID, sessions reused for every request to
 * the same peer, and limits on what peers can make us hold (spec section 6.1):
 *
 *  - maxSessions in total (inbound + outbound). A new session past the limit first closes the
 *    least recently active idle session (nothing of ours in flight, quiet for at least
 *    minIdleBeforeEvictMs); if there is none, an inbound session is refused (closed) and an
 *    outbound connect fails with LimitError.
 *  - maxSessionsPerPeer per NodeID (a simultaneous dial from both ends makes two; more are closed).
 *  - maxPendingDials outbound handshakes at once; past it connect fails with LimitError.
 *  - Sessions idle for idleTimeoutMs are closed by a sweep, so a node that talked to many peers
 *    during a lookup does not keep paying for them.
 *
 * Every Noise handshake costs real CPU (~0.8 ms), so reuse is the point: callers go through
 * connect(), never veil.dial().
 *
 * Inbound streams are dispatched by the protocol their OPEN names: '' (an empty OPEN) to the DHT,
 * whose own per-session stream limit applies; a protocol registered with handleProtocol() to its
 * handler, at most maxAppStreamsPerSession at once per session; anything else is refused with RST
 * REFUSED. A session with application streams open is never idle: sweeps and eviction spare it.
 */
import { NodeId } from '../identity/node-id.js';
import type { Connection, Runtime } from '../runtime.js';
import { LimitError, UnreachableError } from './errors.js';
import type { PeerRecord } from './records/peer-record.js';
import { toHex } from './rpc/bytes.js';
import type { DhtVeil, DhtVeilSession, VeilStream } from './veil-port.js';

export interface SessionLimits {
  maxSessions: number;
  maxSessionsPerPeer: number;
  maxPendingDials: number;
  idleTimeoutMs: number;
  minIdleBeforeEvictMs: number;
  dialTimeoutMs: number;
  rateBurst: number;
  maxAppStreamsPerSession: number;
}

/** Handles inbound streams of one application protocol; the session says who the peer is. */
export type ProtocolHandler = (stream: VeilStream, ps: PeerSession) => void;

export interface PeerSession {
  readonly idHex: string;
  readonly veil: DhtVeilSession;
  readonly direction: 'inbound' | 'outbound';
  readonly openedAtMs: number;
  lastActiveMs: number;
  /** The peer's latest verified record (from our dial or its HELLO); undefined until known. */
  record: PeerRecord | undefined;
  /** Our requests awaiting an answer on this session. */
  inflight: number;
  /** Inbound DHT streams the peer opened. */
  streams: number;
  /** Application-protocol streams on this session, by direction (closed ones pruned lazily). */
  appInbound: Set<VeilStream>;
  appOutbound: Set<VeilStream>;
  malformed: number;
  /** Inbound request token bucket (rate limit). */
  tokens: number;
  refilledAtMs: number;
  /** Protocol state owned by network.ts (our request stream, whether HELLO was sent). */
  channel: unknown;
  helloSent: boolean;
}

export interface SessionHooks {
  /** A session joined the pool (inbound or outbound): install stream handling. */
  opened(ps: PeerSession): void;
  /** It closed, for whatever reason (err undefined for an orderly close). */
  closed(ps: PeerSession, err: Error | undefined): void;
  /** An inbound stream arrived. */
  stream(ps: PeerSession, stream: Connection): void;
}

export class SessionPool {
  private readonly byPeer = new Map<string, PeerSession[]>();
  /** Insertion order = open order: deterministic, and what eviction and sweeps walk. */
  private readonly all = new Set<PeerSession>();
  private readonly dialing = new Map<string, Promise<PeerSession>>();
  private readonly protocols = new Map<string, ProtocolHandler>();

  constructor(
    private readonly runtime: Runtime,
    private readonly veil: DhtVeil,
    private readonly limits: SessionLimits,
    private readonly hooks: SessionHooks,
  ) {}

  get size(): number {
    return this.all.size;
  }

  get pendingDials(): number {
    return this.dialing.size;
  }

  list(): PeerSession[] {
    return [...this.all];
  }

  /** Inbound streams naming protocol go to handler (undefined: refuse them from now on). */
  setProtocolHandler(protocol: string, handler: ProtocolHandler | undefined): void {
    if (handler) this.protocols.set(protocol, handler);
    else this.protocols.delete(protocol);
  }

  /** A stream we opened for an application protocol: it keeps its session from looking idle. */
  trackOutbound(ps: PeerSession, stream: VeilStream): void {
    ps.appOutbound.add(stream);
    ps.lastActiveMs = this.runtime.clock.now();
  }

  /** The oldest open session to a peer. */
  get(idHex: string): PeerSession | undefined {
    return this.byPeer.get(idHex)?.[0];
  }

  /** A session to record's peer: an open one, the dial already under way, or a new dial. */
  connect(record: PeerRecord): Promise<PeerSession> {
    const open = this.get(record.idHex);
    if (open) return Promise.resolve(open);
    const pending = this.dialing.get(record.idHex);
    if (pending) return pending;
    const { metrics } = this.runtime;
    if (this.dialing.size >= this.limits.maxPendingDials) {
      metrics.count('dht.session.dial_refused');
      return Promise.reject(new LimitError(`${this.dialing.size} dials already in progress`));
    }
    if (this.all.size + this.dialing.size >= this.limits.maxSessions && !this.evictIdle()) {
      metrics.count('dht.session.dial_refused');
      return Promise.reject(new LimitError(`${this.all.size} sessions open, none idle`));
    }
    const p = this.dial(record).finally(() => this.dialing.delete(record.idHex));
    this.dialing.set(record.idHex, p);
    return p;
  }

  private async dial(record: PeerRecord): Promise<PeerSession> {
    const { metrics } = this.runtime;
    const expectedNodeId = NodeId.fromBytes(record.nodeId);
    let last: unknown;
    for (const addr of record.addrs) {
      metrics.count('dht.session.dial');
      try {
        const vs = await this.veil.dial(addr, { expectedNodeId, dialTimeoutMs: this.limits.dialTimeoutMs });
        // A refusal because the peer dialed us at the same moment still leaves a session to use.
        const ps = this.adopt(vs, 'outbound') ?? this.get(record.idHex);
        if (!ps) throw new LimitError(`session to ${record.idHex.slice(0, 16)} refused by limits`);
        ps.record ??= record.retain();
        return ps;
      } catch (err) {
        metrics.count('dht.session.dial_failed');
        last = err;
      }
    }
    throw new UnreachableError(
      `no address of ${record.idHex.slice(0, 16)} answered: ${last instanceof Error ? last.name : String(last)}`,
    );
  }

  /**
   * A session to whoever listens at addr, NodeID unknown in advance (bootstrap addresses). Veil
   * still authenticates the peer; we learn who it is from the session.
   */
  async connectAddress(addr: string): Promise<PeerSession> {
    const { metrics } = this.runtime;
    if (this.all.size + this.dialing.size >= this.limits.maxSessions && !this.evictIdle()) {
      metrics.count('dht.session.dial_refused');
      throw new LimitError(`${this.all.size} sessions open, none idle`);
    }
    metrics.count('dht.session.dial');
    let vs: DhtVeilSession;
    try {
      vs = await this.veil.dial(addr, { dialTimeoutMs: this.limits.dialTimeoutMs });
    } catch (err) {
      metrics.count('dht.session.dial_failed');
      throw new UnreachableError(`${addr}: ${err instanceof Error ? err.name : String(err)}`);
    }
    const ps = this.adopt(vs, 'outbound') ?? this.get(toHex(vs.remoteNodeId.bytes));
    if (!ps) throw new LimitError(`session to ${addr} refused by limits`);
    return ps;
  }

  /** Take a new authenticated session into the pool; undefined (and closed) when limits refuse it. */
  adopt(vs: DhtVeilSession, direction: 'inbound' | 'outbound'): PeerSession | undefined {
    const { metrics, clock } = this.runtime;
    const idHex = toHex(vs.remoteNodeId.bytes);
    const same = this.byPeer.get(idHex) ?? [];
    // Per-peer first: a peer over its own limit must not cost another peer its idle session.
    const refused =
      vs.closed ||
      same.length >= this.limits.maxSessionsPerPeer ||
      (this.all.size >= this.limits.maxSessions && !this.evictIdle());
    if (refused) {
      metrics.count('dht.session.refused');
      vs.close();
      return undefined;
    }
    metrics.count(direction === 'inbound' ? 'dht.session.inbound' : 'dht.session.outbound');
    const now = clock.now();
    const ps: PeerSession = {
      idHex,
      veil: vs,
      direction,
      openedAtMs: now,
      lastActiveMs: now,
      record: undefined,
      inflight: 0,
      streams: 0,
      appInbound: new Set(),
      appOutbound: new Set(),
      malformed: 0,
      tokens: this.limits.rateBurst,
      refilledAtMs: now,
      channel: undefined,
      helloSent: false,
    };
    same.push(ps);
    this.byPeer.set(idHex, same);
    this.all.add(ps);
    vs.onClose = (err) => this.forget(ps, err);
    vs.onStream = (stream) => this.route(ps, stream);
    this.hooks.opened(ps);
    metrics.gauge('dht.sessions', this.all.size);
    return ps;
  }

  /** An inbound stream: to the DHT, to its protocol's handler, or refused. */
  private route(ps: PeerSession, stream: VeilStream): void {
    const protocol = stream.protocol;
    if (protocol === '') {
      this.hooks.stream(ps, stream);
      return;
    }
    const { metrics, log } = this.runtime;
    const handler = this.protocols.get(protocol);
    if (handler === undefined) {
      metrics.count('app.stream.unhandled');
      log.debug('session: refused a stream for an unhandled protocol', {
        peer: ps.idHex.slice(0, 16),
        protocol,
      });
      stream.refuse();
      return;
    }
    if (liveCount(ps.appInbound) >= this.limits.maxAppStreamsPerSession) {
      metrics.count('app.stream.over_limit');
      stream.refuse();
      return;
    }
    metrics.count('app.stream.accepted');
    ps.appInbound.add(stream);
    ps.lastActiveMs = this.runtime.clock.now();
    stream.accept();
    try {
      handler(stream, ps);
    } catch (err) {
      log.error('session: protocol handler threw; resetting the stream', { protocol, error: String(err) });
      stream.close(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Application streams keep a session busy: it is neither idle nor evictable. */
  private busy(ps: PeerSession): boolean {
    return ps.inflight > 0 || liveCount(ps.appInbound) + liveCount(ps.appOutbound) > 0;
  }

  private forget(ps: PeerSession, err: Error | undefined): void {
    if (!this.all.delete(ps)) return;
    const same = this.byPeer.get(ps.idHex);
    if (same) {
      const rest = same.filter((s) => s !== ps);
      if (rest.length > 0) this.byPeer.set(ps.idHex, rest);
      else this.byPeer.delete(ps.idHex);
    }
    this.runtime.metrics.gauge('dht.sessions', this.all.size);
    this.hooks.closed(ps, err);
  }

  /** Close the least recently active session with nothing of ours in flight. */
  private evictIdle(): boolean {
    // Only sessions quiet for minIdleBeforeEvictMs: a peer may be waiting for our answer on a
    // session that looks idle from here (its requests are not ours to count).
    const quietSince = this.runtime.clock.now() - this.limits.minIdleBeforeEvictMs;
    let victim: PeerSession | undefined;
    // The same choice as "the least recently active non-busy session, the first opened among
    // equals", with busy() (which walks the session's stream sets) asked only of a session that
    // would be the victim so far: a node at its limit runs this for every session it accepts.
    for (const ps of this.all) {
      if (ps.lastActiveMs > quietSince) continue;
      if (victim && ps.lastActiveMs >= victim.lastActiveMs) continue;
      if (this.busy(ps)) continue;
      victim = ps;
    }
    if (!victim) return false;
    this.runtime.metrics.count('dht.session.evicted');
    this.close(victim);
    return true;
  }

  /** Close sessions idle for idleTimeoutMs. Called periodically by the Dht. */
  sweepIdle(): void {
    const now = this.runtime.clock.now();
    for (const ps of [...this.all]) {
      if (now - ps.lastActiveMs >= this.limits.idleTimeoutMs && !this.busy(ps)) {
        this.runtime.metrics.count('dht.session.idle_closed');
        this.close(ps);
      }
    }
  }

  /** Close one session now (forgotten at once; Veil's onClose later is ignored). */
  close(ps: PeerSession, err?: Error): void {
    this.forget(ps, err);
    ps.veil.close(err);
  }

  closeAll(): void {
    for (const ps of [...this.all]) this.close(ps);
  }
}

/** Streams in set still open (closed ones are dropped on the way). */
function liveCount(set: Set<VeilStream>): number {
  for (const s of set) if (s.closed) set.delete(s);
  return set.size;
}
