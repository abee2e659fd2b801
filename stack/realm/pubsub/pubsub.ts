/**
 * PubSub: `new PubSub({ runtime, identity, node, dht }, init)`, start(), then subscribe(topic,
 * handler), publish(topic, data), addValidator(topic, fn). A gossipsub-like protocol: a mesh of
 * about D peers per topic carries every message in full; IHAVE/IWANT gossip to other topic peers
 * repairs what the mesh lost; topic peers are found through provider records in the DHT. Every
 * message is signed by its author and checked (signature, then the topic's validators) before it
 * is delivered or forwarded. See conformance/spec/realm.md for the wire format.
 */
import { defaultCrypto } from '../../crypto/select.js';
import type { CryptoBackend } from '../../crypto/types.js';
import type { Identity } from '../../identity/identity.js';
import { NodeId } from '../../identity/node-id.js';
import type { Connection, Rng, Runtime, Timer } from '../../runtime.js';
import { toHex, utf8 } from '../../yggdrasil/rpc/bytes.js';
import { RealmStateError } from '../errors.js';
import { FrameReader } from '../frames.js';
import type { RealmDirectory, RealmNode, RealmPeerInfo } from '../node-port.js';
import { MessageCache, SeenCache, type VerifiedMessages } from './caches.js';
import { type ControlFrame, decodeFrame, encodeFrame } from './codec.js';
import {
  DEFAULTS,
  FrameType,
  MAX_FRAME_BYTES,
  MAX_PEER_TOPICS,
  PUBSUB_PROTOCOL,
  TOPIC_KEY_CONTEXT,
} from './constants.js';
import {
  authorId,
  checkTopic,
  decodeMessage,
  type PubsubMessage,
  signMessage,
  verifyMessage,
} from './message.js';
import { Peer } from './peer.js';

export interface PubSubComponents {
  runtime: Runtime;
  identity: Pick<Identity, 'nodeId' | 'publicKey' | 'signingKey'>;
  node: RealmNode;
  /** Where topic peers are announced and found; without it only connected peers are used. */
  dht?: RealmDirectory;
  crypto?: CryptoBackend;
}

/** A message as delivered to a subscriber. */
export interface ReceivedMessage {
  id: string;
  topic: string;
  /** The author's NodeID (hex); the signature proves it. */
  from: string;
  seqno: number;
  data: Uint8Array;
  /** The peer that handed it to us (hex NodeID). */
  receivedFrom: string;
}

/** accept: deliver and forward; ignore: drop quietly; reject: drop and count against the sender. */
export type ValidationResult = 'accept' | 'ignore' | 'reject';
export type Validator = (msg: ReceivedMessage) => ValidationResult;

export interface PubSubObserver {
  delivered?(msg: ReceivedMessage): void;
  duplicate?(id: string, fromPeer: string): void;
}

export type PubSubInit = Partial<{ -readonly [K in keyof typeof DEFAULTS]: number }> & {
  observer?: PubSubObserver;
  /** Signatures already verified by other PubSub instances of this process (the simulator's nodes). */
  verified?: VerifiedMessages;
};

interface TopicState {
  handlers: Set<(m: ReceivedMessage) => void>;
  mesh: Set<string>;
  backoff: Map<string, number>;
  lastDiscoveryMs: number;
}

export class PubSub {
  readonly opts: { -readonly [K in keyof typeof DEFAULTS]: number };
  private readonly crypto: CryptoBackend;
  private readonly rng: Rng;
  readonly peers = new Map<string, Peer>();
  private readonly topics = new Map<string, TopicState>();
  private readonly fanout = new Map<string, { peers: Set<string>; lastMs: number }>();
  private readonly validators = new Map<string, Validator[]>();
  private readonly seen: SeenCache;
  private readonly mcache: MessageCache;
  /** Ids we asked for with IWANT (so one IHAVE flood does not make us ask everyone), and when. */
  private readonly wanted = new Map<string, number>();
  /** Peers cut off for invalid input, and until when their streams are refused. */
  private readonly banned = new Map<string, number>();
  private seqno = 0;
  private heartbeats = 0;
  private timer: Timer | undefined;
  private unsubscribePeers: (() => void) | undefined;
  private running = false;
  readonly selfId: string;

  constructor(
    private readonly components: PubSubComponents,
    private readonly init: PubSubInit = {},
  ) {
    const { observer: _, verified: __, ...numbers } = init;
    this.opts = { ...DEFAULTS, ...numbers };
    this.crypto = components.crypto ?? defaultCrypto();
    this.rng = components.runtime.rng.fork('pubsub');
    this.seen = new SeenCache(this.opts.seenTtlMs);
    this.mcache = new MessageCache(this.opts.gossipWindows, this.opts.historyWindows);
    this.selfId = components.identity.nodeId.toString();
  }

  private get runtime(): Runtime {
    return this.components.runtime;
  }

  start(): void {
    if (this.running) throw new RealmStateError('pubsub already started');
    this.running = true;
    // Sequence numbers start from the wall clock, so a restarted author does not reuse them.
    this.seqno = Math.floor(this.runtime.clock.wallNow()) * 1024;
    this.components.node.handle(PUBSUB_PROTOCOL, (stream, peer) => this.inbound(stream, peer));
    this.unsubscribePeers = this.components.node.onPeer((event, id) => {
      if (event === 'up' && this.topics.size > 0 && this.hasRoomFor(id.toString()))
        this.peer(id).open(this.components.node);
    });
    const tick = (): void => {
      if (!this.running) return;
      this.heartbeat();
      this.timer = this.runtime.clock.setTimer(this.opts.heartbeatMs, tick);
    };
    this.timer = this.runtime.clock.setTimer(this.opts.heartbeatMs * (0.5 + this.rng.float() / 2), tick);
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.timer?.cancel();
    this.unsubscribePeers?.();
    this.components.node.unhandle(PUBSUB_PROTOCOL);
    for (const p of this.peers.values()) p.close();
    this.peers.clear();
  }

  private requireRunning(): void {
    if (!this.running) throw new RealmStateError('pubsub is not started');
  }

  /** The DHT key under which a topic's subscribers announce themselves. */
  topicKey(topic: string): Uint8Array {
    return this.crypto.sha256(utf8(TOPIC_KEY_CONTEXT + topic));
  }

  // -------------------------------------------------------------------------------------------
  // The API
  // -------------------------------------------------------------------------------------------

  /** Join a topic (announce it, find its peers) and call handler for every valid message. */
  subscribe(topic: string, handler: (m: ReceivedMessage) => void): () => void {
    this.requireRunning();
    checkTopic(topic);
    let t = this.topics.get(topic);
    if (!t) {
      t = {
        handlers: new Set(),
        mesh: new Set(),
        backoff: new Map(),
        lastDiscoveryMs: Number.NEGATIVE_INFINITY,
      };
      this.topics.set(topic, t);
      this.join(topic);
    }
    t.handlers.add(handler);
    const state = t;
    return () => {
      state.handlers.delete(handler);
      if (state.handlers.size === 0 && this.topics.get(topic) === state) this.leave(topic);
    };
  }

  /** Add a validator run on every message of the topic before delivery and forwarding. */
  addValidator(topic: string, fn: Validator): () => void {
    checkTopic(topic);
    const list = this.validators.get(topic) ?? [];
    list.push(fn);
    this.validators.set(topic, list);
    return () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Sign and send a message; resolves to its id and how many peers it was handed to. */
  publish(topic: string, data: Uint8Array): { id: string; peers: number } {
    this.requireRunning();
    const m = signMessage(this.components.identity, topic, this.seqno++, data, this.crypto);
    this.seen.add(m.id, this.runtime.clock.now());
    this.mcache.put(m);
    const targets = this.publishTargets(topic);
    const body = msgFrame(m);
    for (const id of targets) this.peers.get(id)?.send(body, this.components.node);
    this.runtime.metrics.count('pubsub.published');
    if (targets.length === 0 && !this.topics.has(topic)) {
      // A publisher outside the topic that knows none of its peers yet: find them, then send.
      void this.discover(topic).then(() => {
        if (!this.running) return;
        for (const id of this.publishTargets(topic)) this.peers.get(id)?.send(body, this.components.node);
      });
    }
    return { id: m.id, peers: targets.length };
  }

  subscriptions(): string[] {
    return [...this.topics.keys()];
  }

  meshPeers(topic: string): string[] {
    return [...(this.topics.get(topic)?.mesh ?? [])];
  }

  /** Peers known to be subscribed to the topic. */
  topicPeers(topic: string): string[] {
    const out: string[] = [];
    for (const p of this.peers.values()) if (p.topics.has(topic) && !p.closed) out.push(p.id);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Peers and streams
  // -------------------------------------------------------------------------------------------

  private hasRoomFor(id: string): boolean {
    return this.peers.has(id) || this.peers.size < this.opts.maxPeers;
  }

  private peer(nodeId: NodeId): Peer {
    const id = nodeId.toString();
    let p = this.peers.get(id);
    if (!p) {
      p = new Peer(
        nodeId,
        this.runtime,
        this.opts,
        () => this.hello(),
        (gone, why) => this.dropPeer(gone, why),
      );
      this.peers.set(id, p);
    }
    return p;
  }

  private hello(): Uint8Array | undefined {
    if (this.topics.size === 0) return undefined;
    return encodeFrame({
      type: 'sub',
      changes: [...this.topics.keys()].map((topic) => ({ subscribe: true, topic })),
    });
  }

  private dropPeer(p: Peer, why: string): void {
    if (this.peers.get(p.id) !== p) return;
    this.peers.delete(p.id);
    p.close();
    for (const t of this.topics.values()) t.mesh.delete(p.id);
    for (const f of this.fanout.values()) f.peers.delete(p.id);
    this.runtime.log.debug('pubsub: peer gone', { peer: p.id.slice(0, 16), why });
  }

  private inbound(stream: Connection, info: RealmPeerInfo): void {
    const until = this.banned.get(info.nodeId.toString());
    if (!this.running || (until !== undefined && until > this.runtime.clock.now())) {
      stream.close();
      return;
    }
    if (!this.hasRoomFor(info.nodeId.toString())) {
      this.runtime.metrics.count('pubsub.peers_full');
      stream.close();
      return;
    }
    const p = this.peer(info.nodeId);
    p.inbound.add(stream);
    const reader = new FrameReader(MAX_FRAME_BYTES);
    stream.setHandler({
      onData: (chunk) => {
        if (p.closed) return;
        this.runtime.metrics.count('pubsub.bytes_in', chunk.length);
        let bodies: Uint8Array[];
        try {
          bodies = reader.push(chunk);
        } catch (err) {
          this.invalid(p, err as Error);
          stream.close(err as Error);
          return;
        }
        for (const body of bodies) this.onFrame(p, body);
      },
      onEnd: () => stream.end(),
      onClose: () => {
        p.inbound.delete(stream);
        if (p.inbound.size === 0 && !p.out) this.dropPeer(p, 'inbound closed');
      },
    });
    if (this.topics.size > 0) p.open(this.components.node);
  }

  /** Count invalid input from a peer; past the limit, cut it off. */
  private invalid(p: Peer, err: Error): void {
    p.invalid++;
    this.runtime.metrics.count('pubsub.invalid');
    this.runtime.log.debug('pubsub: invalid input', {
      peer: p.id.slice(0, 16),
      error: err.name,
      msg: err.message,
    });
    if (p.invalid >= this.opts.invalidLimit) {
      this.runtime.log.warn('pubsub: peer sent too much invalid input, closing', { peer: p.id.slice(0, 16) });
      this.banned.set(p.id, this.runtime.clock.now() + this.opts.banMs);
      this.dropPeer(p, 'invalid input');
    }
  }

  private broadcast(body: Uint8Array): void {
    const { node } = this.components;
    for (const id of node.connectedPeers()) if (this.hasRoomFor(id.toString())) this.peer(id);
    for (const p of this.peers.values()) p.send(body, node);
  }

  private join(topic: string): void {
    this.broadcast(encodeFrame({ type: 'sub', changes: [{ subscribe: true, topic }] }));
    const { dht } = this.components;
    if (dht) {
      dht.addProvider(this.topicKey(topic)).catch((err) => {
        this.runtime.log.debug('pubsub: announcing topic failed', { topic, error: String(err) });
      });
    }
    this.discover(topic);
  }

  private leave(topic: string): void {
    const t = this.topics.get(topic)!;
    this.topics.delete(topic);
    for (const id of t.mesh)
      this.peers.get(id)?.send(encodeFrame({ type: 'prune', topic }), this.components.node);
    for (const p of this.peers.values())
      p.send(encodeFrame({ type: 'sub', changes: [{ subscribe: false, topic }] }), this.components.node);
  }

  /** Ask the DHT for the topic's providers and introduce ourselves to those we do not know. */
  /**
   * Ask the DHT for the topic's providers and introduce ourselves to those we do not know. A
   * provider record says its node subscribed, so it counts as a topic peer at once. Resolves to
   * the number of providers found (for a fanout publisher waiting to send).
   */
  private discover(topic: string): Promise<number> {
    const t = this.topics.get(topic);
    const { dht } = this.components;
    if (!dht) return Promise.resolve(0);
    if (t) t.lastDiscoveryMs = this.runtime.clock.now();
    return dht.findProviders(this.topicKey(topic), { max: this.opts.discoveryPeers }).then(
      (providers) => {
        if (!this.running) return 0;
        for (const pr of this.sample([...providers], providers.length)) {
          if (pr.nodeId === this.selfId || !this.hasRoomFor(pr.nodeId)) continue;
          const p = this.peer(NodeId.parse(pr.nodeId));
          if (p.topics.size < MAX_PEER_TOPICS) p.topics.add(topic);
          p.open(this.components.node);
        }
        return providers.length;
      },
      (err) => {
        this.runtime.log.debug('pubsub: discovery failed', { topic, error: String(err) });
        return 0;
      },
    );
  }

  // -------------------------------------------------------------------------------------------
  // Frames
  // -------------------------------------------------------------------------------------------

  private onFrame(p: Peer, body: Uint8Array): void {
    let f: ControlFrame;
    try {
      f = decodeFrame(body);
    } catch (err) {
      this.invalid(p, err as Error);
      return;
    }
    switch (f.type) {
      case 'sub':
        for (const c of f.changes) {
          if (c.subscribe && (p.topics.size < MAX_PEER_TOPICS || p.topics.has(c.topic)))
            p.topics.add(c.topic);
          if (!c.subscribe) {
            p.topics.delete(c.topic);
            this.topics.get(c.topic)?.mesh.delete(p.id);
          }
        }
        return;
      case 'msg':
        this.onMessage(p, f.message);
        return;
      case 'graft':
        this.onGraft(p, f.topic);
        return;
      case 'prune': {
        const t = this.topics.get(f.topic);
        t?.mesh.delete(p.id);
        t?.backoff.set(p.id, this.runtime.clock.now() + this.opts.pruneBackoffMs);
        return;
      }
      case 'ihave':
        this.onIHave(p, f.topic, f.ids);
        return;
      case 'iwant':
        this.onIWant(p, f.ids);
        return;
    }
  }

  private onGraft(p: Peer, topic: string): void {
    const t = this.topics.get(topic);
    if (p.topics.size < MAX_PEER_TOPICS) p.topics.add(topic);
    const backedOff = (t?.backoff.get(p.id) ?? 0) > this.runtime.clock.now();
    if (!t || backedOff || (t.mesh.size >= this.opts.dHi && !t.mesh.has(p.id))) {
      p.send(encodeFrame({ type: 'prune', topic }), this.components.node);
      return;
    }
    t.mesh.add(p.id);
  }

  private onIHave(p: Peer, topic: string, ids: string[]): void {
    if (!this.topics.has(topic)) return;
    const now = this.runtime.clock.now();
    const want = ids.filter((id) => !this.seen.has(id) && !this.wanted.has(id));
    if (want.length === 0) return;
    for (const id of want) this.wanted.set(id, now);
    p.send(encodeFrame({ type: 'iwant', ids: want }), this.components.node);
    this.runtime.metrics.count('pubsub.iwant_sent', want.length);
  }

  private onIWant(p: Peer, ids: string[]): void {
    for (const id of ids) {
      const m = this.mcache.get(id);
      if (!m) continue;
      const served = p.iwantServed.get(id) ?? 0;
      if (served >= this.opts.iwantRepliesPerId) continue;
      p.iwantServed.set(id, served + 1);
      p.send(msgFrame(m), this.components.node);
    }
  }

  private onMessage(p: Peer, bytes: Uint8Array): void {
    if (!p.takeToken()) {
      this.runtime.metrics.count('pubsub.rate_limited');
      return;
    }
    let m: PubsubMessage;
    try {
      m = decodeMessage(bytes, this.crypto);
    } catch (err) {
      this.invalid(p, err as Error);
      return;
    }
    if (this.seen.has(m.id)) {
      if (this.seen.isBad(m.id)) {
        this.invalid(p, new Error('copy of an invalid message'));
        return;
      }
      this.runtime.metrics.count('pubsub.duplicates');
      this.init.observer?.duplicate?.(m.id, p.id);
      return;
    }
    // Seen before verified: the id covers the signature, so a forgery cannot shadow the real message.
    this.seen.add(m.id, this.runtime.clock.now());
    this.wanted.delete(m.id);
    if (!this.signatureOk(m)) {
      this.runtime.metrics.count('pubsub.bad_signature');
      this.seen.markBad(m.id);
      this.invalid(p, new Error('bad signature'));
      return;
    }
    const t = this.topics.get(m.topic);
    if (!t) return; // not ours (a fanout publisher's guess); neither delivered nor forwarded
    const msg: ReceivedMessage = {
      id: m.id,
      topic: m.topic,
      from: authorId(m, this.crypto),
      seqno: m.seqno,
      data: m.data.slice(),
      receivedFrom: p.id,
    };
    const verdict = this.validate(msg);
    if (verdict !== 'accept') {
      if (verdict === 'reject') this.seen.markBad(m.id);
      if (verdict === 'reject') this.invalid(p, new Error(`rejected by a validator of ${m.topic}`));
      return;
    }
    this.mcache.put(m);
    this.runtime.metrics.count('pubsub.delivered');
    this.init.observer?.delivered?.(msg);
    for (const h of [...t.handlers]) {
      try {
        h(msg);
      } catch (err) {
        this.runtime.log.warn('pubsub: subscriber threw', { topic: m.topic, error: String(err) });
      }
    }
    const body = msgFrame(m);
    for (const id of t.mesh)
      if (id !== p.id && id !== msg.from) this.peers.get(id)?.send(body, this.components.node);
  }

  /** Step (4): the author's signature (looked up first when the process shares verified digests). */
  private signatureOk(m: PubsubMessage): boolean {
    const shared = this.init.verified;
    if (!shared) return verifyMessage(m, this.crypto);
    const key = toHex(m.digest);
    if (shared.has(key)) return true;
    if (!verifyMessage(m, this.crypto)) return false;
    shared.add(key);
    return true;
  }

  private validate(msg: ReceivedMessage): ValidationResult {
    for (const v of this.validators.get(msg.topic) ?? []) {
      let r: ValidationResult;
      try {
        r = v(msg);
      } catch {
        r = 'reject';
      }
      if (r !== 'accept') return r;
    }
    return 'accept';
  }

  // -------------------------------------------------------------------------------------------
  // Heartbeat: mesh upkeep, gossip, expiry
  // -------------------------------------------------------------------------------------------

  private publishTargets(topic: string): string[] {
    const t = this.topics.get(topic);
    const now = this.runtime.clock.now();
    if (t) {
      const out = [...t.mesh];
      if (out.length < this.opts.d) {
        const extra = this.sample(
          this.topicPeers(topic).filter((id) => !t.mesh.has(id)),
          this.opts.d - out.length,
        );
        out.push(...extra);
      }
      return out;
    }
    let f = this.fanout.get(topic);
    if (!f) {
      f = { peers: new Set(), lastMs: now };
      this.fanout.set(topic, f);
    }
    f.lastMs = now;
    if (f.peers.size < this.opts.d) {
      for (const id of this.sample(
        this.topicPeers(topic).filter((x) => !f.peers.has(x)),
        this.opts.d - f.peers.size,
      ))
        f.peers.add(id);
    }
    return [...f.peers];
  }

  private sample<T>(ids: T[], n: number): T[] {
    for (let i = ids.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    return ids.slice(0, Math.max(0, n));
  }

  private heartbeat(): void {
    const now = this.runtime.clock.now();
    const { node } = this.components;
    for (const [topic, t] of this.topics) {
      for (const id of t.mesh) {
        const p = this.peers.get(id);
        if (!p?.topics.has(topic)) t.mesh.delete(id);
      }
      for (const [id, until] of t.backoff) if (until <= now) t.backoff.delete(id);
      const candidates = this.topicPeers(topic).filter((id) => !t.mesh.has(id) && !t.backoff.has(id));
      if (t.mesh.size < this.opts.dLo) {
        for (const id of this.sample(candidates, this.opts.d - t.mesh.size)) {
          t.mesh.add(id);
          this.peers.get(id)!.send(encodeFrame({ type: 'graft', topic }), node);
        }
      } else if (t.mesh.size > this.opts.dHi) {
        for (const id of this.sample([...t.mesh], t.mesh.size - this.opts.d)) {
          t.mesh.delete(id);
          t.backoff.set(id, now + this.opts.pruneBackoffMs);
          this.peers.get(id)?.send(encodeFrame({ type: 'prune', topic }), node);
        }
      }
      this.gossip(topic, t);
      if (
        this.topicPeers(topic).length < this.opts.dLo &&
        now - t.lastDiscoveryMs >= this.opts.discoveryIntervalMs
      )
        this.discover(topic);
    }
    for (const [id, until] of this.banned) if (until <= now) this.banned.delete(id);
    for (const [topic, f] of this.fanout) if (now - f.lastMs > 60_000) this.fanout.delete(topic);
    this.mcache.shift();
    this.seen.sweep(now);
    for (const [id, at] of this.wanted) {
      if (now - at < 3 * this.opts.heartbeatMs) break;
      this.wanted.delete(id);
    }
    if (++this.heartbeats % this.opts.historyWindows === 0)
      for (const p of this.peers.values()) p.iwantServed.clear();
  }

  private gossip(topic: string, t: TopicState): void {
    const ids = this.mcache.gossipIds(topic);
    if (ids.length === 0) return;
    const others = this.topicPeers(topic).filter((id) => !t.mesh.has(id));
    for (const id of this.sample(others, this.opts.dLazy)) {
      for (let i = 0; i < ids.length; i += 512)
        this.peers
          .get(id)!
          .send(encodeFrame({ type: 'ihave', topic, ids: ids.slice(i, i + 512) }), this.components.node);
    }
  }
}

function msgFrame(m: PubsubMessage): Uint8Array {
  const body = new Uint8Array(1 + m.bytes.length);
  body[0] = FrameType.MSG;
  body.set(m.bytes, 1);
  return body;
}
