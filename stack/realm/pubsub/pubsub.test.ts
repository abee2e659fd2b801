import { describe, expect, it } from 'vitest';
import { Simulation, uniform } from '../../../sim/index.js';
import { defaultCrypto } from '../../crypto/select.js';
import type { CryptoBackend } from '../../crypto/types.js';
import { generateIdentity, type Identity } from '../../identity/index.js';
import { frame } from '../frames.js';
import { TEST_PORT, TestRealmNetwork, TestRealmNode } from '../realm-node.test-util.js';
import { VerifiedMessages } from './caches.js';
import { encodeFrame } from './codec.js';
import { PUBSUB_PROTOCOL } from './constants.js';
import { signMessage } from './message.js';
import { PubSub, type PubSubInit, type ReceivedMessage } from './pubsub.js';

interface Net {
  sim: Simulation;
  ids: Identity[];
  nodes: TestRealmNode[];
  ps: PubSub[];
  got: Map<string, Set<number>>[];
}

async function network(n: number, seed: number, init: PubSubInit = {}, crypto?: CryptoBackend): Promise<Net> {
  const sim = new Simulation({ seed, network: { latency: uniform(5, 40) } });
  const net = new TestRealmNetwork();
  const out: Net = { sim, ids: [], nodes: [], ps: [], got: [] };
  for (let i = 0; i < n; i++) {
    const host = sim.addNode();
    const id = generateIdentity(host.runtime.rng.fork('identity'));
    const node = new TestRealmNode(host.runtime, id, net, host.addr(TEST_PORT));
    await node.start();
    const ps = new PubSub(
      { runtime: host.runtime, identity: id, node, dht: node, ...(crypto ? { crypto } : {}) },
      init,
    );
    out.ids.push(id);
    out.nodes.push(node);
    out.ps.push(ps);
    out.got.push(new Map());
  }
  return out;
}

function subscribeAll(net: Net, topic: string, spreadMs = 2_000): void {
  net.ps.forEach((ps, i) => {
    net.sim.schedule((i * spreadMs) / net.ps.length, () => {
      ps.start();
      ps.subscribe(topic, (m: ReceivedMessage) => {
        const seen = net.got[i]!.get(m.from) ?? new Set();
        seen.add(new DataView(m.data.buffer, m.data.byteOffset).getUint32(0));
        net.got[i]!.set(m.from, seen);
      });
    });
  });
}

const payload = (k: number): Uint8Array => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, k);
  return b;
};

describe('pubsub over a simulated network', () => {
  it('every subscriber gets every message, with few duplicates, and meshes stay within D_lo..D_hi', async () => {
    const net = await network(40, 7);
    subscribeAll(net, 'news');
    const publishers = [0, 13, 27];
    for (let k = 0; k < 20; k++) {
      for (const p of publishers)
        net.sim.schedule(8_000 + k * 250 + p, () => net.ps[p]!.publish('news', payload(k)));
    }
    await net.sim.run({ untilMs: 20_000 });
    for (let i = 0; i < 40; i++) {
      for (const p of publishers) {
        if (p === i) continue;
        expect(net.got[i]!.get(net.ids[p]!.nodeId.toString())?.size ?? 0, `node ${i} from ${p}`).toBe(20);
      }
      const mesh = net.ps[i]!.meshPeers('news').length;
      expect(mesh).toBeGreaterThanOrEqual(net.ps[i]!.opts.dLo);
      expect(mesh).toBeLessThanOrEqual(net.ps[i]!.opts.dHi);
    }
    const c = net.sim.metrics().counters;
    expect(c['pubsub.delivered']).toBe(39 * 60);
    // Each delivery costs a few copies in a mesh of degree ~6, never a flood to every peer.
    expect(c['pubsub.duplicates']! / c['pubsub.delivered']!).toBeLessThan(8);
    expect(c['pubsub.invalid'] ?? 0).toBe(0);
  });

  it('same seed, same trace hash', async () => {
    const hashes: string[] = [];
    for (let r = 0; r < 2; r++) {
      const net = await network(12, 3);
      subscribeAll(net, 't');
      net.sim.schedule(5_000, () => net.ps[1]!.publish('t', payload(1)));
      await net.sim.run({ untilMs: 8_000 });
      hashes.push(net.sim.traceHash);
    }
    expect(hashes[0]).toBe(hashes[1]);
  });

  it('validators: a rejected message is neither delivered nor forwarded, and counts against the sender', async () => {
    const net = await network(10, 11);
    subscribeAll(net, 'v');
    for (const ps of net.ps) ps.addValidator('v', (m) => (m.data[0] === 0xff ? 'reject' : 'accept'));
    net.sim.schedule(5_000, () => {
      net.ps[0]!.publish('v', new Uint8Array([0xff, 1]));
      net.ps[0]!.publish('v', payload(2));
    });
    await net.sim.run({ untilMs: 9_000 });
    const c = net.sim.metrics().counters;
    expect(c['pubsub.delivered']).toBe(9);
    expect(c['pubsub.invalid']).toBeGreaterThan(0);
  });

  it('nodes sharing verified digests: the same run, and one Ed25519 check per message in the process', async () => {
    const runs: { hash: string; verifies: number; delivered: number; got: string }[] = [];
    for (const shared of [false, true]) {
      let verifies = 0;
      const base = defaultCrypto();
      const counting: CryptoBackend = {
        ...base,
        ed25519Verify: (k, m, sig) => {
          verifies++;
          return base.ed25519Verify(k, m, sig);
        },
      };
      const net = await network(20, 9, shared ? { verified: new VerifiedMessages() } : {}, counting);
      subscribeAll(net, 's');
      for (let k = 0; k < 5; k++)
        net.sim.schedule(6_000 + k * 300, () => net.ps[k]!.publish('s', payload(k)));
      await net.sim.run({ untilMs: 12_000 });
      const got = JSON.stringify(net.got.map((g) => [...g].map(([from, ks]) => [from, [...ks]])));
      const delivered = net.sim.metrics().counters['pubsub.delivered']!;
      runs.push({ hash: net.sim.traceHash, verifies, delivered, got });
    }
    const [alone, shared] = runs;
    expect(alone!.delivered).toBe(19 * 5);
    expect(alone!.verifies).toBe(19 * 5); // every node checks every message once
    expect(shared!.verifies).toBe(5); // the first node to get each one checks it
    expect(shared!.hash).toBe(alone!.hash);
    expect(shared!.got).toBe(alone!.got);
  });

  it.each([
    ['alone', () => ({ invalidLimit: 4 })],
    ['sharing verified digests', () => ({ invalidLimit: 4, verified: new VerifiedMessages() })],
  ])(
    'a hostile peer (%s): forged signatures, garbage frames and a flood are refused; the node keeps serving others',
    async (_, init) => {
      const net = await network(6, 5, init());
      subscribeAll(net, 'h', 500);
      const victim = net.nodes[1]!;
      const evil = net.nodes[5]!;
      const evilId = net.ids[5]!;
      net.sim.schedule(3_000, async () => {
        const s = await evil.openStream(net.ids[1]!.nodeId, PUBSUB_PROTOCOL);
        const good = signMessage(
          evilId,
          'h',
          1,
          payload(9),
          (await import('../../crypto/select.js')).defaultCrypto(),
        );
        const forged = good.bytes.slice();
        forged[forged.length - 1]! ^= 1; // break the signature
        const body = new Uint8Array(1 + forged.length);
        body[0] = 0x02;
        body.set(forged, 1);
        s.write(frame(body));
        s.write(frame(new Uint8Array([0x77]))); // unknown frame type
        s.write(frame(encodeFrame({ type: 'iwant', ids: ['00'.repeat(16)] }).subarray(0, 5))); // truncated
        for (let i = 0; i < 10; i++) s.write(frame(body));
      });
      net.sim.schedule(6_000, () => net.ps[0]!.publish('h', payload(1)));
      await net.sim.run({ untilMs: 10_000 });
      expect(victim).toBeDefined();
      const c = net.sim.metrics().counters;
      expect(c['pubsub.bad_signature']).toBeGreaterThan(0);
      // The victim cut the hostile peer off and still got the honest message.
      expect(net.ps[1]!.peers.has(evilId.nodeId.toString())).toBe(false);
      expect(net.got[1]!.get(net.ids[0]!.nodeId.toString())?.has(1)).toBe(true);
    },
  );

  it('a node that crashes mid-run does not stop delivery to the others (mesh repairs itself)', async () => {
    const net = await network(30, 21);
    subscribeAll(net, 'c');
    net.sim.schedule(6_000, () => {
      for (const i of [3, 4, 5, 6]) net.sim.nodes[i]!.crash();
    });
    for (let k = 0; k < 10; k++) net.sim.schedule(6_500 + k * 500, () => net.ps[0]!.publish('c', payload(k)));
    await net.sim.run({ untilMs: 40_000 });
    for (let i = 1; i < 30; i++) {
      if ([3, 4, 5, 6].includes(i)) continue;
      expect(net.got[i]!.get(net.ids[0]!.nodeId.toString())?.size ?? 0, `node ${i}`).toBe(10);
    }
  });
});
