/**
 * Values, provider records, ping and the protections of spec section 6, on a small simulated
 * network over real Veil sessions. A "rogue" peer holds a genuine Veil session to a DHT node and
 * sends it whatever bytes it likes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Simulation } from '../../sim/simulation.js';
import { generateIdentity } from '../identity/identity.js';
import type { Connection } from '../runtime.js';
import { Veil } from '../veil/veil.js';
import { Dht } from './dht.js';
import { DhtStateError } from './errors.js';
import type { PeerRecord } from './records/peer-record.js';
import { decodeMessage, encodeMessage } from './rpc/codec.js';
import { FrameDecoder, frame } from './rpc/framing.js';
import type { Message } from './rpc/messages.js';
import { buildSimDht, type SimDht } from './testing/sim-network.js';

const text = (s: string) => new TextEncoder().encode(s);
const counters = (net: SimDht, i: number) => net.nodes[i].sim.metrics.snapshot().counters;

describe('signed values, providers and ping', () => {
  let net: SimDht;
  beforeAll(async () => {
    net = await buildSimDht({
      seed: 'ops',
      nodes: 24,
      init: { recordTtlMs: 120_000, republishIntervalMs: 3_600_000, sweepIntervalMs: 10_000 },
    });
  });

  it('a value put by one node is read by another, and an update supersedes it', async () => {
    const [author, reader] = [net.nodes[3].dht, net.nodes[17].dht];
    const put = await net.run(author.put('profile', text('v1')));
    expect(put.stored).toBeGreaterThanOrEqual(Math.min(20, 23) - 2);
    const got = await net.run(reader.get(put.key));
    expect(new TextDecoder().decode(got!.value)).toBe('v1');
    expect(Buffer.from(got!.authorId).toString('hex')).toBe(author.nodeId);
    const put2 = await net.run(author.put('profile', text('v2')));
    expect(put2.key).toEqual(put.key);
    expect(put2.seq).toBeGreaterThan(put.seq);
    const got2 = await net.run(net.nodes[9].dht.get(put.key));
    expect(new TextDecoder().decode(got2!.value)).toBe('v2');
    expect(await net.run(reader.get(new Uint8Array(32).fill(7)))).toBeUndefined();
  });

  it('providers are announced and found', async () => {
    const key = new Uint8Array(32).fill(0xab);
    const stored = await net.run(net.nodes[4].dht.addProvider(key));
    expect(stored.stored).toBeGreaterThan(10);
    const found = await net.run(net.nodes[20].dht.findProviders(key));
    expect(found.map((p) => p.nodeId)).toEqual([net.nodes[4].dht.nodeId]);
    expect(found[0].addrs).toEqual([net.nodes[4].addr]);
  });

  it('ping measures a round trip over the overlay', async () => {
    const rtt = await net.run(net.nodes[1].dht.ping(net.nodes[15].dht.nodeId));
    expect(rtt).toBeGreaterThan(0);
    expect(rtt).toBeLessThan(1_000);
  });

  it('records expire (wall clock) and are swept', async () => {
    const put = await net.run(net.nodes[5].dht.put('short', text('x')));
    const holdersBefore = net.nodes.reduce(
      (a, n) => a + ((n.dht as unknown as HasStore).core.store.size.records > 0 ? 1 : 0),
      0,
    );
    expect(holdersBefore).toBeGreaterThan(0);
    // Past the record TTL (120 s) and a sweep later, nobody holds it and a get finds nothing.
    // The author stops answering for it (as if it had restarted and forgotten what it published).
    (net.nodes[5].dht as unknown as HasStore).core.ownValues.clear();
    await net.run(net.nodes[0].sim.runtime.clock.sleep(140_000), 200_000);
    expect(await net.run(net.nodes[12].dht.get(put.key))).toBeUndefined();
    const expired = net.sim.metrics().counters['dht.store.expired'];
    expect(expired).toBeGreaterThan(0);
  });
});

type HasStore = { core: { store: { size: { records: number } }; ownValues: Map<string, unknown> } };

describe('protection against a misbehaving peer', () => {
  let net: SimDht;
  let rogueVeil: Veil;
  beforeAll(async () => {
    net = await buildSimDht({
      seed: 'rogue',
      nodes: 8,
      init: { maxMessageSize: 4_096, maxStreamsPerSession: 2, maxSessionsPerPeer: 8 },
    });
    const sn = net.sim.addNode({ name: 'rogue' });
    rogueVeil = new Veil({ runtime: sn.runtime, identity: generateIdentity(sn.runtime.rng) });
    await net.run(rogueVeil.start());
  });

  /** A stream to node 0 whose decoded messages land in `got`. */
  async function rogueStream(): Promise<{ stream: Connection; got: Message[]; closed: () => boolean }> {
    const session = await net.run(rogueVeil.dial(net.nodes[0].addr));
    const stream = session.openStream();
    const got: Message[] = [];
    let isClosed = false;
    const dec = new FrameDecoder();
    stream.setHandler({
      onData: (c) => {
        for (const m of dec.push(c)) got.push(decodeMessage(m));
      },
      onClose: () => {
        isClosed = true;
      },
    });
    return { stream, got, closed: () => isClosed };
  }

  const settle = () => net.run(net.nodes[0].sim.runtime.clock.sleep(500));

  it('drops and counts malformed, unsolicited and mismatched messages, and still answers', async () => {
    const { stream, got } = await rogueStream();
    stream.write(frame(Uint8Array.of(1, 2, 3)));
    stream.write(frame(encodeMessage({ type: 'pong', id: 4242 })));
    const other = (net.nodes[1].dht as unknown as { core: { self: PeerRecord } }).core.self;
    stream.write(frame(encodeMessage({ type: 'hello', id: 0, record: other })));
    stream.write(frame(encodeMessage({ type: 'find-node', id: 9, target: new Uint8Array(32) })));
    await settle();
    const c = counters(net, 0);
    expect(c['dht.rx.malformed']).toBe(1);
    expect(c['dht.rx.unsolicited']).toBe(1);
    expect(c['dht.rx.hello_mismatch']).toBe(1);
    const answer = got.find((m) => m.type === 'nodes');
    expect(answer?.id).toBe(9);
    expect(got[0].type).toBe('hello'); // the node introduces itself first
  });

  it('answers a flood past the rate limit with ERROR(BUSY)', async () => {
    const { stream, got } = await rogueStream();
    for (let id = 1; id <= 100; id++) stream.write(frame(encodeMessage({ type: 'ping', id })));
    await settle();
    const busy = got.filter((m) => m.type === 'error');
    expect(busy.length).toBeGreaterThan(0);
    expect(got.filter((m) => m.type === 'pong').length).toBeGreaterThanOrEqual(64);
    expect(counters(net, 0)['dht.rx.ratelimited']).toBe(busy.length);
  });

  it('refuses streams past maxStreamsPerSession', async () => {
    const session = await net.run(rogueVeil.dial(net.nodes[0].addr));
    const streams = [0, 1, 2, 3].map(() => session.openStream());
    for (const s of streams) {
      s.setHandler({ onData: () => {} });
      s.write(frame(encodeMessage({ type: 'ping', id: 1 })));
    }
    await settle();
    expect(counters(net, 0)['dht.rx.stream_refused']).toBe(2);
  });

  it('closes the session on an oversized frame, without harm to the node', async () => {
    const { stream, closed } = await rogueStream();
    stream.write(Uint8Array.of(0x20, 0x00, 1, 2, 3)); // announces 8,192 bytes > 4,096
    await settle();
    expect(counters(net, 0)['dht.rx.oversized']).toBe(1);
    expect(closed()).toBe(true);
    const r = await net.run(net.nodes[0].dht.lookup(net.nodes[5].dht.nodeId));
    expect(r.found).toBe(true);
    expect(net.nodes[0].sim.handlerErrors).toBe(0);
  });
});

describe('table maintenance', () => {
  it('refreshes buckets no lookup touched for refreshIntervalMs', async () => {
    const net = await buildSimDht({ seed: 'refresh', nodes: 20, init: { refreshIntervalMs: 30_000 } });
    await net.run(net.nodes[0].sim.runtime.clock.sleep(65_000), 100_000);
    expect(net.sim.metrics().counters['dht.refresh.lookups']).toBeGreaterThan(0);
    for (const n of net.nodes) expect(n.dht.table().size).toBeGreaterThan(10);
  });

  it('pings a stale least-recently-seen entry when a newcomer wants its slot, and evicts it if dead', async () => {
    // Small buckets and a short staleness make the policy visible in a small network.
    const net = await buildSimDht({ seed: 'liveness', nodes: 40, init: { k: 4, pingStaleAfterMs: 1_000 } });
    const dead = new Set([3, 7, 11, 15, 19, 23, 27, 31].map((i) => net.nodes[i].dht.nodeId));
    for (const n of net.nodes) if (dead.has(n.dht.nodeId)) n.sim.crash();
    const alive = net.nodes.filter((n) => !dead.has(n.dht.nodeId));
    const deadEntries = () =>
      alive.reduce((a, n) => a + n.dht.table().entries.filter((e) => dead.has(e.nodeId)).length, 0);
    const before = deadEntries();
    await net.run(net.nodes[0].sim.runtime.clock.sleep(2_000));
    for (let i = 0; i < alive.length; i++) {
      const r = await net.run(alive[i].dht.lookup(alive[(i + 5) % alive.length].dht.nodeId));
      expect(r.found).toBe(true);
    }
    const c = net.sim.metrics().counters;
    expect(c['dht.table.liveness_ping']).toBeGreaterThan(0);
    expect(deadEntries()).toBeLessThan(before);
  });
});

describe('a small deployment (the daemon test, simulated)', () => {
  it('ten nodes know each other; after three crash, checkTable clears them from every table', async () => {
    const net = await buildSimDht({ seed: 'ten', nodes: 10, joinSpacingMs: 50 });
    const live = (i: number) => net.nodes[i].dht.table().entries.filter((e) => e.failures === 0);
    for (let i = 0; i < 10; i++) expect(live(i).length).toBeGreaterThanOrEqual(8);
    const killed = new Set([2, 5, 8].map((i) => net.nodes[i].dht.nodeId));
    for (const i of [2, 5, 8]) net.nodes[i].sim.crash();
    const rest = [0, 1, 3, 4, 6, 7, 9];
    for (const i of rest) await net.run(net.nodes[i].dht.checkTable({ olderThanMs: 0 }));
    for (const i of rest) expect(live(i).filter((e) => killed.has(e.nodeId))).toEqual([]);
    // The living still find each other.
    const r = await net.run(net.nodes[9].dht.lookup(net.nodes[1].dht.nodeId));
    expect(r.found).toBe(true);
  });
});

describe('joining', () => {
  it('retries the bootstrap node with backoff until it answers', async () => {
    const sim = new Simulation({ seed: 'retry' });
    const mk = () => {
      const sn = sim.addNode();
      const identity = generateIdentity(sn.runtime.rng);
      const veil = new Veil({ runtime: sn.runtime, identity });
      return { sn, veil, dht: new Dht({ runtime: sn.runtime, identity, veil }) };
    };
    const [boot, joiner] = [mk(), mk()];
    await sim.runUntil(
      joiner.veil.start().then(() => joiner.dht.start([joiner.sn.addr(7000)])),
      1_000,
    );
    // The bootstrap node comes up 800 ms after the joiner starts asking.
    sim.schedule(800, () => boot.veil.start().then(() => boot.dht.start([boot.sn.addr(7000)])));
    const r = await sim.runUntil(joiner.dht.bootstrap([boot.sn.addr(7000)]), 10_000);
    expect(r.connected).toBe(1);
    expect(joiner.dht.table().entries.map((e) => e.nodeId)).toEqual([boot.dht.nodeId]);
    expect(await sim.runUntil(joiner.dht.bootstrap([]), 1_000)).toMatchObject({ connected: 0 });
  });
});

describe('session limits', () => {
  it('evicts the least recently active idle session past maxSessions, and lookups still work', async () => {
    const net = await buildSimDht({
      seed: 'limits',
      nodes: 10,
      init: { maxSessions: 3, minIdleBeforeEvictMs: 0 },
    });
    for (const n of net.nodes) expect(n.dht.peers().length).toBeLessThanOrEqual(3);
    const c = net.sim.metrics().counters;
    expect(c['dht.session.evicted']).toBeGreaterThan(0);
    // Lookups still work with a tiny pool: sessions are reused and recycled.
    const r = await net.run(net.nodes[9].dht.lookup(net.nodes[2].dht.nodeId));
    expect(r.found).toBe(true);
  });

  it('refuses newcomers instead when no session has been quiet for minIdleBeforeEvictMs', async () => {
    const net = await buildSimDht({
      seed: 'limits',
      nodes: 10,
      init: { maxSessions: 3, minIdleBeforeEvictMs: 60_000 },
    });
    const c = net.sim.metrics().counters;
    expect(c['dht.session.evicted']).toBeUndefined();
    expect(c['dht.session.refused'] + (c['dht.session.dial_refused'] ?? 0)).toBeGreaterThan(0);
    for (const n of net.nodes) expect(n.dht.peers().length).toBeLessThanOrEqual(3);
  });

  it('refuses more than maxSessionsPerPeer sessions from one NodeID', async () => {
    const net = await buildSimDht({ seed: 'per-peer', nodes: 2, init: { maxSessionsPerPeer: 2 } });
    const sn = net.sim.addNode({ name: 'rogue' });
    const veil = new Veil({ runtime: sn.runtime, identity: generateIdentity(sn.runtime.rng) });
    await net.run(veil.start());
    for (let i = 0; i < 3; i++) await net.run(veil.dial(net.nodes[0].addr));
    await net.run(sn.runtime.clock.sleep(100));
    expect(counters(net, 0)['dht.session.refused']).toBe(1);
    expect(net.nodes[0].dht.peers().filter((p) => p.direction === 'inbound').length).toBe(3); // node 1 + 2 rogue
  });

  it('closes sessions idle for idleTimeoutMs', async () => {
    const net = await buildSimDht({
      seed: 'idle',
      nodes: 6,
      init: { idleTimeoutMs: 5_000, sweepIntervalMs: 1_000 },
    });
    expect(net.nodes.some((n) => n.dht.peers().length > 0)).toBe(true);
    await net.run(net.nodes[0].sim.runtime.clock.sleep(10_000));
    for (const n of net.nodes) expect(n.dht.peers()).toEqual([]);
    expect(net.sim.metrics().counters['dht.session.idle_closed']).toBeGreaterThan(0);
  });

  it('refuses use before start', async () => {
    const net = await buildSimDht({ seed: 'state', nodes: 2 });
    const rt = net.nodes[0].sim.runtime;
    const idle = new Dht({ runtime: rt, identity: generateIdentity(rt.rng), veil: net.nodes[0].veil });
    await expect(idle.lookup(new Uint8Array(32))).rejects.toThrow(DhtStateError);
  });
});
