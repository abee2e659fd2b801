/**
 * The Dht component: `new Dht({ runtime, identity, veil }, init)`, then start(listenAddrs),
 * bootstrap(addrs), and lookups, pings, values and provider records. See index.ts for what this
 * layer is for, and conformance/spec/yggdrasil.md for the protocol.
 */
import { defaultCrypto } from '../crypto/select.js';
import type { CryptoBackend } from '../crypto/types.js';
import type { Connection, Listener, Runtime, Timer } from '../runtime.js';
import { openAppStream, type StreamPeer, streamPeer } from './app-streams.js';
import { DEFAULT_OPEN_STREAM_TIMEOUT_MS, MAX_PROVIDERS } from './constants.js';
import { DhtCore, type SessionEvent } from './core.js';
import { DhtArgumentError, DhtStateError, InvalidRecordError, UnreachableError } from './errors.js';
import { type JoinOptions, join } from './join.js';
import { type DhtInit, resolveOptions } from './options.js';
import { findNode } from './query/find-node.js';
import { addProvider, findProviders, type ProviderInfo } from './query/providers.js';
import { type GetResult, getValue, type PutResult, putValue } from './query/values.js';
import { nextSeq, PeerRecord } from './records/peer-record.js';
import { checkTable, refreshStaleBuckets } from './refresh.js';
import {
  type BootstrapResult,
  type BucketInfo,
  info,
  key32,
  type LookupResult,
  type SessionInfo,
  type TableEntryInfo,
} from './results.js';
import { toHex, utf8 } from './rpc/bytes.js';
import type { DhtIdentity, DhtVeil } from './veil-port.js';

export interface DhtComponents {
  runtime: Runtime;
  identity: DhtIdentity;
  veil: DhtVeil;
  /** Defaults to the process default backend. */
  crypto?: CryptoBackend;
}

export class Dht {
  private readonly core: DhtCore;
  private readonly listeners: Listener[] = [];
  /** The pending timer of each periodic task, by task name. */
  private readonly timers = new Map<string, Timer>();
  private running = false;
  private refreshing = false;

  constructor(
    private readonly components: DhtComponents,
    init: DhtInit = {},
  ) {
    const opts = resolveOptions(init);
    const crypto = components.crypto ?? defaultCrypto();
    this.core = new DhtCore(components.runtime, crypto, components.identity, components.veil, opts);
  }

  get nodeId(): string {
    return this.core.selfIdHex;
  }

  /** Our signed peer record's addresses (after start()). */
  get listenAddrs(): readonly string[] {
    return this.core.self?.addrs ?? [];
  }

  /** Listen on each address (port 0 picks one), sign our peer record, start the timers. */
  async start(listenAddrs: string[]): Promise<string[]> {
    if (this.running) throw new DhtStateError('already started');
    const { core } = this;
    for (const addr of listenAddrs) {
      this.listeners.push(await this.components.veil.listen(addr, (vs) => core.pool.adopt(vs, 'inbound')));
    }
    const addrs = core.opts.announceAddrs ?? this.listeners.map((l) => l.addr);
    if (addrs.length === 0)
      throw new DhtArgumentError('no listen or announce address: peers could not reach us');
    core.self = PeerRecord.create(
      { nodeId: core.selfId, signingKey: this.components.identity.signingKey },
      nextSeq(core.runtime.clock.wallNow(), 0),
      addrs,
    );
    this.running = true;
    this.schedule();
    return this.listeners.map((l) => l.addr);
  }

  private schedule(): void {
    const { clock } = this.core.runtime;
    const { rng } = this.core;
    const o = this.core.opts;
    const every = (name: string, periodMs: number, firstMs: number, fn: () => void): void => {
      const tick = (): void => {
        if (!this.running) return;
        fn();
        this.timers.set(name, clock.setTimer(periodMs, tick));
      };
      this.timers.set(name, clock.setTimer(firstMs, tick));
    };
    const sweepMs = Math.min(o.sweepIntervalMs, Math.max(1, o.idleTimeoutMs / 2));
    every('sweep', sweepMs, sweepMs, () => {
      this.core.pool.sweepIdle();
      const dropped = this.core.store.sweep(clock.wallNow());
      if (dropped > 0) this.core.runtime.metrics.count('dht.store.expired', dropped);
    });
    // Jitter the first refresh so that nodes started together do not refresh together.
    every('refresh', o.refreshIntervalMs, o.refreshIntervalMs * (0.5 + rng.float() / 2), () =>
      this.background('refresh', this.refresh()),
    );
    every('republish', o.republishIntervalMs, o.republishIntervalMs, () =>
      this.background('republish', this.republish()),
    );
  }

  /** Background work must never become an unhandled rejection: log and carry on. */
  private background(what: string, p: Promise<void>): void {
    p.catch((err) => this.core.runtime.log.warn(`dht: ${what} failed`, { error: String(err) }));
  }

  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      await refreshStaleBuckets(this.core);
    } finally {
      this.refreshing = false;
    }
  }

  /** Stop timers and listeners, close every session; requests in flight fail. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    await Promise.all(this.listeners.map((l) => l.close()));
    this.listeners.length = 0;
    this.core.pool.closeAll();
    this.core.network.stop();
  }

  private requireRunning(): void {
    if (!this.running) throw new DhtStateError('the Dht is not started');
  }

  /**
   * Join: dial the given addresses, ask each for the peers closest to us, look up our own NodeID,
   * then refill the buckets farther than our closest neighbour (refresh.ts). If nobody answered,
   * the first step is retried (attempts, default 3, backoff from retryDelayMs, default 1 s).
   * Resolves even when no address answered (a lone first node): connected is then 0.
   */
  async bootstrap(addrs: string[], opts: JoinOptions = {}): Promise<BootstrapResult> {
    this.requireRunning();
    return join(this.core, addrs, opts);
  }

  /** Iterative lookup of a NodeID (or any 32-byte key). */
  async lookup(target: Uint8Array | string | { bytes: Uint8Array }): Promise<LookupResult> {
    this.requireRunning();
    const id = key32(target, 'lookup target');
    const r = await findNode(this.core, id);
    // Only lookups asked for through the API are measured; self-lookups and refreshes are not.
    const { metrics } = this.core.runtime;
    metrics.count(r.found ? 'dht.lookup.found' : 'dht.lookup.not_found');
    metrics.observe('dht.lookup.hops', r.hops);
    metrics.observe('dht.lookup.queries', r.queries);
    metrics.observe('dht.lookup.ms', r.ms);
    return {
      found: r.found,
      peer: r.peer ? info(r.peer) : undefined,
      closest: r.closest.map(info),
      hops: r.hops,
      queries: r.queries,
      ms: r.ms,
    };
  }

  /** Round-trip time in ms of one PING to the node (found by lookup if we have no session). */
  async ping(nodeId: Uint8Array | string | { bytes: Uint8Array }): Promise<number> {
    this.requireRunning();
    const { core } = this;
    const id = key32(nodeId, 'ping target');
    const idHex = toHex(id);
    let record = core.pool.get(idHex)?.record ?? core.table.get(idHex)?.record;
    if (!record) {
      const r = await findNode(core, id);
      record = r.peer;
    }
    if (!record) throw new UnreachableError(`node ${idHex.slice(0, 16)} not found`);
    // Connect first so the round trip measures the overlay path, not the handshake (and, as
    // query() would, check a record we only heard of before dialing its addresses).
    if (!core.pool.get(idHex) && !core.verifies(record)) {
      throw new InvalidRecordError(`record of ${idHex.slice(0, 16)} does not verify`);
    }
    await core.pool.connect(record);
    const t0 = core.runtime.clock.now();
    await core.query(record, { type: 'ping' });
    const rttMs = core.runtime.clock.now() - t0;
    core.runtime.metrics.observe('dht.ping.ms', rttMs);
    return rttMs;
  }

  /** Publish a signed value under (our NodeID, name); see records/value-record.ts for the key. */
  async put(name: string | Uint8Array, value: Uint8Array): Promise<PutResult> {
    this.requireRunning();
    return putValue(this.core, typeof name === 'string' ? utf8(name) : name, value);
  }

  /** The newest valid value stored under key, or undefined. */
  async get(key: Uint8Array | string): Promise<GetResult | undefined> {
    this.requireRunning();
    return getValue(this.core, key32(key, 'value key'));
  }

  /** Announce that we provide a content key. */
  async addProvider(key: Uint8Array | string): Promise<{ stored: number; attempted: number }> {
    this.requireRunning();
    return addProvider(this.core, key32(key, 'provider key'));
  }

  async findProviders(key: Uint8Array | string, opts: { max?: number } = {}): Promise<ProviderInfo[]> {
    this.requireRunning();
    const max = Math.min(Math.max(1, opts.max ?? this.core.opts.k), MAX_PROVIDERS);
    return findProviders(this.core, key32(key, 'provider key'), max);
  }

  /** Re-sign and re-store our values and provider records (called by a timer; public for tests). */
  async republish(): Promise<void> {
    // Each publication is re-signed with a later expiry (and, for values, a higher seq).
    const { core } = this;
    for (const record of [...core.ownValues.values()]) {
      await putValue(core, record.name, record.value).catch(() => undefined);
    }
    for (const old of [...core.ownProviders.values()]) {
      await addProvider(core, old.key).catch(() => undefined);
    }
  }

  /** Open sessions, in the order they opened. */
  peers(): SessionInfo[] {
    return this.core.pool.list().map((ps) => ({
      nodeId: ps.idHex,
      addrs: ps.record?.addrs ?? [],
      direction: ps.direction,
      openedAtMs: ps.openedAtMs,
      lastActiveMs: ps.lastActiveMs,
    }));
  }

  /** Routing table occupancy: total entries and the non-empty buckets. */
  table(): { size: number; buckets: BucketInfo[]; entries: TableEntryInfo[] } {
    const t = this.core.table;
    const entries = t.entries().map((e) => ({
      ...info(e.record),
      bucket: t.bucketIndex(e.record.nodeId),
      lastSeenMs: e.lastSeenMs,
      failures: e.failures,
    }));
    return { size: t.size, buckets: t.info(), entries };
  }

  /**
   * The NodeIDs (canonical text) of the routing table's entries: what a monitor sampling many nodes
   * needs, without the per-entry objects table() builds.
   */
  tableIds(): string[] {
    const out: string[] = [];
    this.core.table.forEachEntry((e) => out.push(e.record.idHex));
    return out;
  }

  /**
   * Ping every table entry not heard from for olderThanMs (default pingStaleAfterMs), alpha at a
   * time, reusing sessions; dead peers fail and leave the table by the usual policy. For small
   * deployments that want a current peer list (a daemon's `ctl peers`); Kademlia needs none.
   */
  async checkTable(opts: { olderThanMs?: number } = {}): Promise<{ checked: number; failed: number }> {
    this.requireRunning();
    return checkTable(this.core, opts.olderThanMs ?? this.core.opts.pingStaleAfterMs);
  }

  /**
   * Inbound streams that name protocol go to handler, with the authenticated peer; a second call
   * replaces the handler. Streams for protocols nobody handles are refused (RST REFUSED).
   */
  handleProtocol(protocol: string, handler: (stream: Connection, peer: StreamPeer) => void): void {
    if (protocol === '') throw new DhtArgumentError('the empty protocol id is the DHT itself');
    this.core.pool.setProtocolHandler(protocol, (stream, ps) => handler(stream, streamPeer(ps)));
  }

  /** Stop taking streams for protocol (streams already open carry on). */
  unhandleProtocol(protocol: string): void {
    this.core.pool.setProtocolHandler(protocol, undefined);
  }

  /**
   * A stream for protocol to the node nodeId: on our session with it, or found through a lookup
   * and dialed. Resolves once the peer took the stream. Rejects with PeerUnreachableError,
   * ProtocolRefusedError, StreamOpenTimeoutError (after timeoutMs, default 10 s) or LimitError.
   */
  async openStream(
    nodeId: Uint8Array | string | { bytes: Uint8Array },
    protocol: string,
    opts: { timeoutMs?: number } = {},
  ): Promise<Connection> {
    this.requireRunning();
    if (protocol === '') throw new DhtArgumentError('the empty protocol id is the DHT itself');
    const timeoutMs = opts.timeoutMs ?? DEFAULT_OPEN_STREAM_TIMEOUT_MS;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new DhtArgumentError(`timeoutMs must be a positive number of ms, got ${String(timeoutMs)}`);
    }
    return openAppStream(this.core, key32(nodeId, 'stream target'), protocol, timeoutMs);
  }

  /** Subscribe to session open/close events; returns the unsubscribe function. */
  on(fn: (e: SessionEvent) => void): () => void {
    this.core.listeners.add(fn);
    return () => this.core.listeners.delete(fn);
  }
}
