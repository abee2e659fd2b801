/**
 * The DHT's internals wired together: routing table, session pool, RPC network and record store,
 * plus the one way every outgoing request is made (query), which is where peers earn or lose
 * their place in the table. dht.ts is the public face; query/ and refresh.ts build on this.
 */
import type { CryptoBackend } from '../crypto/types.js';
import type { Rng, Runtime } from '../runtime.js';
import { InvalidRecordError, LimitError, RemoteError, SessionClosedError } from './errors.js';
import { DhtNetwork, type RpcHost } from './network.js';
import type { DhtOptions } from './options.js';
import { Lookup, type LookupOutcome, type QueryAnswer } from './query/lookup.js';
import { type PeerRecord, verifyPeerRecord } from './records/peer-record.js';
import type { ProviderRecord } from './records/provider-record.js';
import { RecordStore } from './records/store.js';
import type { ValueRecord } from './records/value-record.js';
import { RoutingTable } from './routing-table/routing-table.js';
import { toHex } from './rpc/bytes.js';
import { acceptHello } from './rpc/handlers/hello.js';
import { type HandlerContext, handleRequest } from './rpc/handlers/index.js';
import type { RequestBody, RequestMessage, ResponseFor, ResponseMessage } from './rpc/messages.js';
import { type PeerSession, SessionPool } from './sessions.js';
import type { DhtIdentity, DhtVeil } from './veil-port.js';

export type SessionEvent = { type: 'session:open' | 'session:close'; nodeId: string; direction: string };

export class DhtCore implements RpcHost {
  readonly selfId: Uint8Array;
  readonly selfIdHex: string;
  readonly table: RoutingTable;
  readonly pool: SessionPool;
  readonly network: DhtNetwork;
  readonly store: RecordStore;
  /** Our signed peer record; set by start(). */
  self: PeerRecord | undefined;
  readonly ownValues = new Map<string, ValueRecord>();
  readonly ownProviders = new Map<string, ProviderRecord>();
  readonly listeners = new Set<(e: SessionEvent) => void>();
  /** Our own random stream (refresh targets, jitter), forked so Veil's draws do not shift it. */
  readonly rng: Rng;
  private readonly handlerContext: HandlerContext;

  constructor(
    readonly runtime: Runtime,
    readonly crypto: CryptoBackend,
    readonly identity: DhtIdentity,
    veil: DhtVeil,
    readonly opts: DhtOptions,
  ) {
    this.selfId = identity.nodeId.bytes;
    this.rng = runtime.rng.fork('yggdrasil');
    this.selfIdHex = toHex(this.selfId);
    this.table = new RoutingTable(this.selfId, {
      ...opts,
      verify: (r) => this.verifies(r),
    });
    this.store = new RecordStore(opts);
    this.network = new DhtNetwork(runtime, opts, this);
    this.pool = new SessionPool(runtime, veil, opts, {
      opened: (ps) => this.emit('session:open', ps),
      closed: (ps, err) => {
        this.network.failAll(ps, () => new SessionClosedError(`session closed${err ? `: ${err.name}` : ''}`));
        // An abrupt end (reset, crash, protocol violation) is a failed liveness check; an orderly
        // close (idle, eviction, the peer stopping cleanly) says nothing bad about the peer.
        if (err) this.table.recordFailure(ps.idHex, this.runtime.clock.now());
        this.emit('session:close', ps);
      },
      stream: (ps, stream) => this.network.acceptStream(ps, stream),
    });
    this.handlerContext = {
      runtime,
      crypto,
      store: this.store,
      maxProviders: opts.k,
      closestContacts: (target, asker) =>
        this.table
          .closest(target, opts.k + 1)
          .filter((r) => r.idHex !== asker.idHex)
          .slice(0, opts.k),
      ownValue: (keyHex) => this.ownValues.get(keyHex),
      ownProvider: (keyHex) => this.ownProviders.get(keyHex),
    };
  }

  private emit(type: SessionEvent['type'], ps: PeerSession): void {
    for (const fn of this.listeners) fn({ type, nodeId: ps.idHex, direction: ps.direction });
  }

  verifies(record: PeerRecord): boolean {
    try {
      verifyPeerRecord(this.crypto, record);
      return true;
    } catch (err) {
      if (!(err instanceof InvalidRecordError)) throw err;
      this.runtime.metrics.count('dht.rx.invalid_record');
      return false;
    }
  }

  // --- RpcHost ---------------------------------------------------------------------------------

  selfRecord(): PeerRecord {
    return this.self!;
  }

  handle(ps: PeerSession, req: RequestMessage): ResponseMessage {
    this.observe(ps);
    return handleRequest(this.handlerContext, ps, req);
  }

  hello(ps: PeerSession, record: PeerRecord): void {
    if (acceptHello(this.runtime.metrics, ps, record)) this.observe(ps);
  }

  answered(ps: PeerSession): void {
    this.observe(ps);
  }

  closeSession(ps: PeerSession, err: Error): void {
    this.pool.close(ps, err);
  }

  /** The peer talked to us: refresh its table entry, and ping a stale entry if it wants the slot. */
  private observe(ps: PeerSession): void {
    if (!ps.record) return;
    const outcome = this.table.observeDirect(ps.record, this.runtime.clock.now());
    if (outcome.kind === 'added' && outcome.evicted) this.runtime.metrics.count('dht.table.evicted');
    if (outcome.kind === 'refused-prefix') this.runtime.metrics.count('dht.table.prefix_refused');
    if (outcome.kind === 'ping') {
      const stale = outcome.stale;
      this.runtime.metrics.count('dht.table.liveness_ping');
      this.query(stale, { type: 'ping' }).catch((err) => {
        // A local limit is not the peer's fault; any other failure already evicted it in query().
        if (err instanceof LimitError) this.table.pingAbandoned(stale.idHex);
      });
    }
    this.runtime.metrics.gauge('dht.table.size', this.table.size);
  }

  // --- outgoing requests -----------------------------------------------------------------------

  /**
   * Send one request to a peer, reusing its session or dialing it. A record from a third party
   * is verified before we dial its addresses (we never dial where a forged record points). Any
   * failure that is the peer's (unreachable, timeout, reset) marks it in the table.
   */
  async query<B extends RequestBody>(record: PeerRecord, body: B): Promise<ResponseFor<B>> {
    const now = (): number => this.runtime.clock.now();
    let ps = this.pool.get(record.idHex);
    if (!ps) {
      if (!this.verifies(record)) {
        this.table.remove(record.idHex, now());
        throw new InvalidRecordError(`record of ${record.idHex.slice(0, 16)} does not verify`);
      }
      try {
        ps = await this.pool.connect(record);
      } catch (err) {
        if (!(err instanceof LimitError)) this.table.recordFailure(record.idHex, now());
        throw err;
      }
    }
    try {
      return await this.network.request(ps, body);
    } catch (err) {
      if (!(err instanceof LimitError) && !(err instanceof RemoteError))
        this.table.recordFailure(record.idHex, now());
      throw err;
    }
  }

  /** Contacts from an answer: candidates for free table slots (never evicting anyone). */
  offerContacts(contacts: readonly PeerRecord[]): void {
    const now = this.runtime.clock.now();
    for (const c of contacts) this.table.offerContact(c, now);
  }

  /**
   * An iterative lookup of target; query(peer) asks one peer and returns its contacts. beta
   * defaults to opts.beta; stores pass k, so that the k closest peers have all answered (the
   * strict rule) before records are placed on them. findTarget: a node lookup (query/lookup.ts).
   */
  runLookup(
    target: Uint8Array,
    query: (peer: PeerRecord) => Promise<QueryAnswer>,
    beta = this.opts.beta,
    findTarget = false,
  ): Promise<LookupOutcome> {
    const { opts } = this;
    this.table.touch(target, this.runtime.clock.now());
    const seeds = this.table.closest(target, opts.k);
    // Right after bootstrap the table may hold fewer peers than the sessions we have open.
    if (seeds.length < opts.k) {
      for (const ps of this.pool.list()) if (ps.record && !seeds.includes(ps.record)) seeds.push(ps.record);
    }
    return new Lookup({
      target,
      selfIdHex: this.selfIdHex,
      seeds,
      alpha: opts.alpha,
      beta,
      k: opts.k,
      requestTimeoutMs: opts.requestTimeoutMs,
      lookupTimeoutMs: opts.lookupTimeoutMs,
      maxCandidates: opts.lookupCandidates,
      clock: this.runtime.clock,
      query,
      findTarget,
    }).run();
  }
}
