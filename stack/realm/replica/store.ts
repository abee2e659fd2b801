/**
 * A replicated store: named keys, each holding a CRDT (stack/realm/crdt), shared by every replica
 * that opens the same store name. A local update is applied at once (that is its acknowledgement)
 * and its delta is published on the store's pub/sub topic; replicas merge the deltas they receive.
 * Anti-entropy repairs what pub/sub lost (a partition, a crash, a late joiner): every interval a
 * replica sends its digest (key -> hash of the state) to one other replica over RPC; the peer
 * answers with the states that differ and the keys it wants, and the caller sends those back.
 * After any partition heals, every pair that talks converges, and talk is epidemic.
 */
import { defaultCrypto } from '../../crypto/select.js';
import type { CryptoBackend } from '../../crypto/types.js';
import { NodeId } from '../../identity/node-id.js';
import type { Rng, Runtime, Timer } from '../../runtime.js';
import { utf8 } from '../../yggdrasil/rpc/bytes.js';
import { type Json, record } from '../crdt/canonical.js';
import {
  type CrdtState,
  type CrdtType,
  crdtMergeInto,
  crdtValue,
  decodeState,
  emptyOf,
  encodeState,
  type StateOf,
  stateDigest,
} from '../crdt/crdt.js';
import { CrdtArgumentError, CrdtDecodeError } from '../crdt/errors.js';
import { checkReplicaId } from '../crdt/replica-id.js';
import { RealmArgumentError } from '../errors.js';
import type { PubSub, ReceivedMessage } from '../pubsub/pubsub.js';
import type { Rpc } from '../rpc/rpc.js';

export const STORE_TOPIC_PREFIX = '/valhalla/crdt/1/'; // pub/sub topic of a store: prefix + name
export const SYNC_METHOD = 'realm.crdt.sync'; // RPC: digest in, differing states and wanted keys out
export const PUSH_METHOD = 'realm.crdt.push'; // RPC: states the peer wanted
const MAX_STORE_NAME = 128; // characters

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The data of a delta message on a store's topic: UTF-8 JSON {"key": key, "delta": state}. */
export function encodeDelta(key: string, delta: CrdtState): Uint8Array {
  return utf8(`{"key":${JSON.stringify(key)},"delta":${encodeState(delta)}}`);
}

/** Decode a delta message's data. Throws CrdtDecodeError (not UTF-8 JSON, no string key, a bad state). */
export function decodeDelta(data: Uint8Array): { key: string; delta: CrdtState } {
  let msg: { key?: unknown; delta?: unknown };
  try {
    msg = JSON.parse(fatalUtf8.decode(data)) as { key?: unknown; delta?: unknown };
  } catch {
    throw new CrdtDecodeError('delta: not UTF-8 JSON');
  }
  if (typeof msg !== 'object' || msg === null) throw new CrdtDecodeError('delta: expected an object');
  if (typeof msg.key !== 'string') throw new CrdtDecodeError('delta: key must be a string');
  return { key: msg.key, delta: decodeState(msg.delta, 'delta') };
}

export interface StoreComponents {
  runtime: Runtime;
  pubsub: PubSub;
  rpc: Rpc;
  /** This replica's id in the CRDTs (dots, counters); defaults to the first 16 hex digits of the NodeID. */
  replicaId?: string;
  crypto?: CryptoBackend;
}

export interface StoreInit {
  /** Anti-entropy period (default 2 s); 0 turns it off. */
  antiEntropyMs?: number;
  syncTimeoutMs?: number;
}

/** The registry of stores on one node, so the sync methods are registered once. */
const registries = new WeakMap<Rpc, Map<string, ReplicatedStore>>();

function registry(rpc: Rpc): Map<string, ReplicatedStore> {
  let reg = registries.get(rpc);
  if (reg) return reg;
  reg = new Map();
  const stores = reg;
  const storeOf = (p: Json): ReplicatedStore => {
    const name = (p as { store?: unknown })?.store;
    const s = typeof name === 'string' ? stores.get(name) : undefined;
    if (!s) throw new CrdtArgumentError(`no store ${JSON.stringify(name)} here`);
    return s;
  };
  rpc.register(SYNC_METHOD, (p) => storeOf(p).answerDigest(p));
  rpc.register(PUSH_METHOD, (p) => {
    storeOf(p).mergeStates((p as { states?: Json }).states ?? null);
    return null;
  });
  registries.set(rpc, reg);
  return reg;
}

export class ReplicatedStore {
  readonly replicaId: string;
  readonly topic: string;
  private readonly docs = new Map<string, CrdtState>();
  /** Replicas heard from (authors of deltas, peers that synced with us): anti-entropy partners. */
  private readonly known = new Map<string, NodeId>();
  private readonly crypto: CryptoBackend;
  private readonly rng: Rng;
  private timer: Timer | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly listeners = new Set<(key: string) => void>();
  private syncing = false;

  constructor(
    private readonly components: StoreComponents,
    readonly name: string,
    private readonly init: StoreInit = {},
  ) {
    if (name.length === 0 || name.length > MAX_STORE_NAME) {
      throw new RealmArgumentError(`store name must be 1..${MAX_STORE_NAME} characters`);
    }
    this.crypto = components.crypto ?? defaultCrypto();
    this.replicaId = components.replicaId ?? components.pubsub.selfId.slice(0, 16);
    checkReplicaId(this.replicaId);
    this.topic = STORE_TOPIC_PREFIX + name;
    this.rng = components.runtime.rng.fork(`store:${name}`);
  }

  start(): void {
    const reg = registry(this.components.rpc);
    if (reg.has(this.name)) throw new RealmArgumentError(`store ${this.name} is already open on this node`);
    reg.set(this.name, this);
    this.unsubscribe = this.components.pubsub.subscribe(this.topic, (m) => this.onDelta(m));
    const every = this.init.antiEntropyMs ?? 2_000;
    if (every > 0) {
      const { clock } = this.components.runtime;
      const tick = (): void => {
        this.timer = clock.setTimer(every, tick);
        this.antiEntropy().catch(() => undefined);
      };
      this.timer = clock.setTimer(every * (0.5 + this.rng.float()), tick);
    }
  }

  stop(): void {
    this.timer?.cancel();
    this.unsubscribe?.();
    registry(this.components.rpc).delete(this.name);
  }

  /** Called with the key after any change, local or merged. */
  onChange(fn: (key: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  keys(): string[] {
    return [...this.docs.keys()].sort();
  }

  get(key: string): CrdtState | undefined {
    return this.docs.get(key);
  }

  value(key: string): Json | undefined {
    const s = this.docs.get(key);
    return s ? crdtValue(s) : undefined;
  }

  /** Every key's value, keys in order. */
  snapshot(): Record<string, Json> {
    const out = record<Json>();
    for (const k of this.keys()) out[k] = crdtValue(this.docs.get(k)!);
    return out;
  }

  /** A hash of every key's state: equal on two replicas iff they hold the same states. */
  fingerprint(): string {
    const parts = this.keys().map((k) => `${k}=${stateDigest(this.docs.get(k)!, this.crypto)}`);
    return stateDigest({ t: 'lww', v: parts, ts: 0, r: '' }, this.crypto);
  }

  /**
   * Apply a local operation: `op` gets the current state (or an empty one of `type`) and this
   * replica's id, and returns a delta. The delta is merged here (acknowledged) and published.
   */
  update<T extends CrdtType>(
    key: string,
    type: T,
    op: (current: StateOf<T>, replica: string) => StateOf<T>,
  ): Json {
    const current = this.docs.get(key);
    if (current && current.t !== type)
      throw new CrdtArgumentError(`${key} holds a ${current.t}, not a ${type}`);
    const delta = op((current ?? emptyOf(type)) as StateOf<T>, this.replicaId);
    this.mergeKey(key, delta);
    this.components.pubsub.publish(this.topic, encodeDelta(key, delta));
    return crdtValue(this.docs.get(key)!);
  }

  private mergeKey(key: string, incoming: CrdtState): void {
    const mine = this.docs.get(key);
    // An incoming state is never kept as is (it may be shared with the message); merge copies.
    const merged = mine ? crdtMergeInto(mine, incoming) : crdtMergeInto(emptyOf(incoming.t), incoming);
    this.docs.set(key, merged);
    for (const fn of this.listeners) fn(key);
  }

  private remember(id: string): void {
    if (id === this.components.pubsub.selfId || this.known.has(id)) return;
    this.known.set(id, NodeId.parse(id));
  }

  private onDelta(m: ReceivedMessage): void {
    this.remember(m.from);
    try {
      const { key, delta } = decodeDelta(m.data);
      const mine = this.docs.get(key);
      if (mine && mine.t !== delta.t && mine.t > delta.t) return; // the type that sorts last wins
      if (mine && mine.t !== delta.t) this.docs.delete(key);
      this.mergeKey(key, delta);
    } catch (err) {
      this.components.runtime.metrics.count('crdt.bad_delta');
      this.components.runtime.log.debug('crdt: bad delta', { store: this.name, error: String(err) });
    }
  }

  private digest(): Record<string, string> {
    const d = record<string>();
    for (const k of this.keys()) d[k] = stateDigest(this.docs.get(k)!, this.crypto);
    return d;
  }

  /** Serve SYNC: the states whose digest differs or that the caller lacks, and the keys we want. */
  answerDigest(p: Json): Json {
    const { digest, from } = p as { digest?: unknown; from?: unknown };
    if (typeof digest !== 'object' || digest === null || Array.isArray(digest)) {
      throw new CrdtDecodeError('sync: digest must be an object of key -> hash');
    }
    if (typeof from === 'string' && /^[0-9a-f]{64}$/.test(from)) this.remember(from);
    const theirs = digest as Record<string, unknown>;
    const states = record<Json>();
    const want: string[] = [];
    const mine = this.digest();
    for (const k of Object.keys(mine)) {
      if (theirs[k] !== mine[k]) states[k] = JSON.parse(encodeState(this.docs.get(k)!)) as Json;
    }
    for (const k of Object.keys(theirs)) if (theirs[k] !== mine[k]) want.push(k);
    return { states, want };
  }

  /** Merge states from a peer (key -> state). */
  mergeStates(states: Json): void {
    if (typeof states !== 'object' || states === null || Array.isArray(states)) {
      throw new CrdtDecodeError('states must be an object of key -> state');
    }
    for (const [k, raw] of Object.entries(states)) {
      const s = decodeState(raw, `states[${JSON.stringify(k)}]`);
      const mine = this.docs.get(k);
      if (mine && mine.t !== s.t) {
        if (mine.t > s.t) continue;
        this.docs.delete(k);
      }
      this.mergeKey(k, s);
    }
  }

  /** One round: pick a replica, exchange digests, then what is missing. Resolves when done. */
  async antiEntropy(peer?: NodeId): Promise<{ peer: string; received: number; sent: number } | undefined> {
    if (this.syncing) return undefined;
    const candidates = [...this.known.values()];
    for (const id of this.components.pubsub.topicPeers(this.topic))
      if (!this.known.has(id)) candidates.push(NodeId.parse(id));
    const target = peer ?? candidates[this.rng.int(Math.max(1, candidates.length))];
    if (!target) return undefined;
    this.syncing = true;
    const timeoutMs = this.init.syncTimeoutMs ?? 5_000;
    const { rpc, runtime } = this.components;
    try {
      const res = (await rpc.call(
        target,
        SYNC_METHOD,
        { store: this.name, from: this.components.pubsub.selfId, digest: this.digest() },
        { timeoutMs },
      )) as {
        states?: Json;
        want?: unknown;
      };
      const received = Object.keys((res.states as object) ?? {}).length;
      this.mergeStates(res.states ?? {});
      const want = Array.isArray(res.want) ? res.want.filter((k): k is string => typeof k === 'string') : [];
      const states = record<Json>();
      for (const k of want) {
        const s = this.docs.get(k);
        if (s) states[k] = JSON.parse(encodeState(s)) as Json;
      }
      if (Object.keys(states).length > 0)
        await rpc.call(target, PUSH_METHOD, { store: this.name, states }, { timeoutMs });
      runtime.metrics.count('crdt.anti_entropy.ok');
      return { peer: target.toString(), received, sent: Object.keys(states).length };
    } catch (err) {
      runtime.metrics.count('crdt.anti_entropy.failed');
      throw err;
    } finally {
      this.syncing = false;
    }
  }
}
