import { describe, expect, test } from 'vitest';
import type { Connection } from '../stack/runtime.js';
import { lognormal, Simulation } from './index.js';

/**
 * A busy scenario touching every source of nondeterminism the simulator controls: random latency
 * and jitter, loss, a fault rule, a partition and heal, a crash and restart, async handlers,
 * timers, and per-node randomness in what the nodes do.
 */
async function scenario(seed: number | string, loss = 0.02) {
  const sim = new Simulation({
    seed,
    network: { latency: lognormal(20, 0.6), jitterMs: 5, loss, stallResetMs: 8000 },
  });
  const nodes = Array.from({ length: 30 }, () => sim.addNode());
  let received = 0;
  const start = (i: number) => {
    const { net, clock, rng } = nodes[i].runtime;
    const conns: Connection[] = [];
    const onConn = (c: Connection) => {
      conns.push(c);
      c.setHandler({
        onData: async (d) => {
          received += d.length;
          await clock.sleep(rng.float() * 3);
          if (!c.closed && rng.float() < 0.7) c.write(rng.bytes(1 + rng.int(200)));
        },
        onClose: () => conns.splice(conns.indexOf(c), 1),
      });
    };
    net.listen(nodes[i].addr(9000), onConn).catch(() => undefined);
    const tick = () => {
      if (conns.length < 3) {
        net.dial(nodes[rng.int(nodes.length)].addr(9000), { timeoutMs: 3000 }).then(onConn, () => undefined);
      } else if (conns.length > 0) {
        const c = conns[rng.int(conns.length)];
        if (!c.closed) c.write(rng.bytes(1 + rng.int(500)));
      }
      clock.setTimer(50 + rng.float() * 100, tick);
    };
    clock.setTimer(rng.float() * 100, tick);
  };
  for (let i = 0; i < nodes.length; i++) start(i);
  sim.addFaultRule((m) => (m.kind === 'data' && m.sizeBytes === 13 ? 'drop' : 'pass'));
  sim.schedule(2000, () => sim.partition(nodes.slice(0, 10), nodes.slice(10, 20)));
  sim.schedule(4000, () => nodes[3].crash());
  sim.schedule(6000, () => {
    nodes[3].restart();
    start(3);
  });
  sim.schedule(12_000, () => sim.heal());
  const stats = await sim.run({ untilMs: 20_000 });
  return { hash: sim.traceHash, stats, received };
}

describe('determinism', () => {
  test('the same seed gives the same trace hash and the same counts', async () => {
    const r1 = await scenario(42);
    const r2 = await scenario(42);
    expect(r1.stats.events).toBeGreaterThan(10_000);
    expect(r1.stats.faults).toBeGreaterThan(10);
    expect(r2.hash).toBe(r1.hash);
    expect(r2.stats).toEqual(r1.stats);
    expect(r2.received).toBe(r1.received);
  });

  test('another seed, or another loss rate, gives another trace hash', async () => {
    const base = await scenario(42);
    expect((await scenario(43)).hash).not.toBe(base.hash);
    expect((await scenario(42, 0.021)).hash).not.toBe(base.hash);
  });

  test('the trace hash is 16 hex digits and starts equal for empty simulations', async () => {
    const a = new Simulation({ seed: 1 });
    const b = new Simulation({ seed: 2 });
    expect(a.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(a.traceHash).toBe(b.traceHash);
  });
});
