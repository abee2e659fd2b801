/**
 * Application protocols on the simulator, over real Veil sessions and the real DHT: node A opens a
 * protocol stream to a node C it has no session with and no table entry for (so C is found by a
 * DHT lookup), the stream echoes, an unhandled protocol is refused with ProtocolRefusedError, an
 * unknown NodeID gives PeerUnreachableError, and A carries on working after both.
 *
 * Reproduce a failure: npx vitest run stack/node/streams-sim.test.ts (seed SEED below).
 */
import { describe, expect, it } from 'vitest';
import { lognormal, Simulation } from '../../sim/index.js';
import { generateIdentity } from '../identity/identity.js';
import { NodeId } from '../identity/node-id.js';
import type { Connection } from '../runtime.js';
import type { DhtInit } from '../yggdrasil/options.js';
import {
  InvalidProtocolError,
  type PeerInfo,
  PeerUnreachableError,
  ProtocolRefusedError,
  ValhallaNode,
} from './index.js';

const SEED = 'node-streams-1';
const N = 40;
const PORT = 7000;
const ECHO = '/test/echo/1';

/** Everything the stream delivers until its end, as text; rejects on a reset. */
function readAll(stream: Connection): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    stream.setHandler({
      onData: (c) => {
        chunks.push(Uint8Array.from(c));
      },
      onEnd: () => resolve(Buffer.concat(chunks).toString()),
      onClose: (err) => (err ? reject(err) : resolve(Buffer.concat(chunks).toString())),
    });
  });
}

async function build(n = N, dht: DhtInit = { k: 4 }) {
  const sim = new Simulation({
    seed: SEED,
    network: { latency: lognormal(20, 0.5) },
    log: { level: 'warn', keep: 100 },
  });
  const run = <T>(p: Promise<T>): Promise<T> => sim.runUntil(p, 600_000);
  const nodes: ValhallaNode[] = [];
  const addrs: string[] = [];
  for (let i = 0; i < n; i++) {
    const sn = sim.addNode();
    const identity = generateIdentity(sn.runtime.rng.fork('identity'));
    nodes.push(new ValhallaNode({ runtime: sn.runtime, identity }, { dht }));
    addrs.push(sn.addr(PORT));
  }
  await run(Promise.all(nodes.map((n, i) => n.start([addrs[i]]))));
  for (const n of nodes.slice(1)) await run(n.bootstrap([addrs[0]]));
  return { sim, nodes, run };
}

describe('application protocol streams between simulated nodes', () => {
  it('A reaches C through the DHT, echo works, refusals and unknown peers are named errors', async () => {
    // Small buckets (k 4), so that A's table does not simply hold everyone.
    const { sim, nodes, run } = await build();
    const a = nodes[1];
    const tableOfA = new Set(a.dht.table().entries.map((e) => e.nodeId));
    const connected = new Set(a.connectedPeers().map(String));
    const c = nodes.slice(2).find((n) => !tableOfA.has(n.nodeId) && !connected.has(n.nodeId));
    if (!c) throw new Error(`seed ${SEED}: every node is in A's table; pick another seed`);
    const cId = NodeId.parse(c.nodeId);

    const seen: PeerInfo[] = [];
    c.handle(ECHO, (stream, peer) => {
      seen.push(peer);
      stream.setHandler({ onData: (chunk) => stream.write(chunk), onEnd: () => stream.end() });
    });
    const events: string[] = [];
    const off = a.onPeer((event, peer) => events.push(`${event}:${peer.toString().slice(0, 8)}`));

    const lookupsBefore = sim.metrics().counters['dht.session.dial'] ?? 0;
    const stream = await run(a.openStream(cId, ECHO));
    expect(sim.metrics().counters['dht.session.dial']).toBeGreaterThan(lookupsBefore);
    const echoed = readAll(stream);
    stream.write(Buffer.from('hello over '));
    stream.write(Buffer.from('a protocol stream'));
    stream.end();
    expect(await run(echoed)).toBe('hello over a protocol stream');
    expect(seen.map((p) => p.nodeId.toString())).toEqual([a.nodeId]);
    expect(NodeId.fromPublicKey(seen[0].identityKey).toString()).toBe(a.nodeId);
    expect(a.connectedPeers().map(String)).toContain(c.nodeId);
    expect(events).toContain(`up:${c.nodeId.slice(0, 8)}`);
    off();

    // A protocol C does not handle: refused, named.
    await expect(run(a.openStream(cId, '/nobody/handles/1'))).rejects.toBeInstanceOf(ProtocolRefusedError);
    // After unhandle, the echo protocol is refused too; handle again and it works.
    c.unhandle(ECHO);
    await expect(run(a.openStream(cId, ECHO))).rejects.toBeInstanceOf(ProtocolRefusedError);
    c.handle(ECHO, (s) => s.setHandler({ onData: (chunk) => s.write(chunk), onEnd: () => s.end() }));

    // A NodeID nobody has: not found through the DHT.
    const nobody = NodeId.fromBytes(new Uint8Array(32).fill(0x5a));
    await expect(run(a.openStream(nobody, ECHO))).rejects.toBeInstanceOf(PeerUnreachableError);
    // Bad protocol ids are the caller's mistake.
    expect(() => a.handle('', () => {})).toThrow(InvalidProtocolError);
    await expect(a.openStream(cId, 'has space')).rejects.toBeInstanceOf(InvalidProtocolError);

    // A keeps running: a second stream on the same session, and a DHT lookup.
    const again = await run(a.openStream(cId, ECHO));
    const echoedAgain = readAll(again);
    again.write(Buffer.from('still here'));
    again.end();
    expect(await run(echoedAgain)).toBe('still here');
    const other = nodes.at(-1)!;
    expect((await run(a.dht.lookup(other.nodeId))).found).toBe(true);

    // C, too, can open streams back to A on the session A dialed.
    a.handle(ECHO, (s) => s.setHandler({ onData: (chunk) => s.write(chunk), onEnd: () => s.end() }));
    const back = await run(c.openStream(NodeId.parse(a.nodeId), ECHO));
    const echoedBack = readAll(back);
    back.write(Buffer.from('back'));
    back.end();
    expect(await run(echoedBack)).toBe('back');
  }, 120_000);

  it('app streams have their own per-session limit and keep an otherwise idle session open', async () => {
    const { sim, nodes, run } = await build(3, { maxAppStreamsPerSession: 2, idleTimeoutMs: 5_000 });
    const [, a, c] = nodes;
    const cId = NodeId.parse(c.nodeId);
    c.handle(ECHO, (s) => s.setHandler({ onData: (chunk) => s.write(chunk), onEnd: () => s.end() }));
    const first = await run(a.openStream(cId, ECHO));
    const second = await run(a.openStream(cId, ECHO));
    await expect(run(a.openStream(cId, ECHO))).rejects.toBeInstanceOf(ProtocolRefusedError);
    expect(sim.metrics().counters['app.stream.over_limit']).toBe(1);
    // DHT requests on the same session are not held back by the app streams.
    expect(await run(a.dht.ping(c.nodeId))).toBeGreaterThan(0);

    // Far past the idle timeout, the session with open app streams is still there.
    await run(sim.nodes[0].runtime.clock.sleep(30_000));
    expect(a.connectedPeers().map(String)).toContain(c.nodeId);
    const echoed = readAll(first);
    first.write(Buffer.from('after a long quiet'));
    first.end();
    expect(await run(echoed)).toBe('after a long quiet');
    // The first stream finished: its slot is free again.
    const third = await run(a.openStream(cId, ECHO));
    second.close();
    third.close();
  }, 60_000);
});
