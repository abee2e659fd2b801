import { describe, expect, test } from 'vitest';
import { type Connection, ConnectionResetError, DialTimeoutError } from '../stack/runtime.js';
import { fixed, Simulation } from './index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

async function connected(stallResetMs = 30_000) {
  const sim = new Simulation({ network: { latency: fixed(10), stallResetMs } });
  const a = sim.addNode({ name: 'a' });
  const b = sim.addNode({ name: 'b' });
  const c = sim.addNode({ name: 'c' });
  const got: [string, number][] = [];
  let serverErr: Error | undefined | null = null;
  await b.runtime.net.listen(b.addr(80), (s) =>
    s.setHandler({
      onData: (d) => got.push([dec(d), sim.nowMs]),
      onClose: (e) => {
        serverErr = e;
      },
    }),
  );
  const conn: Connection = await sim.runUntil(a.runtime.net.dial(b.addr(80)), 1000);
  let clientErr: Error | undefined | null = null;
  conn.setHandler({
    onData: () => undefined,
    onClose: (e) => {
      clientErr = e;
    },
  });
  return { sim, a, b, c, conn, got, serverErr: () => serverErr, clientErr: () => clientErr };
}

describe('partitions', () => {
  test('data sent across a cut is held and delivered in order after heal', async () => {
    const { sim, a, b, conn, got } = await connected();
    sim.partition([a], [b]);
    conn.write(enc('1'));
    conn.write(enc('2'));
    await sim.run({ untilMs: 5000 });
    expect(got).toEqual([]);
    sim.heal();
    conn.write(enc('3'));
    await sim.run();
    expect(got).toEqual([
      ['1', 5010],
      ['2', 5010],
      ['3', 5010],
    ]);
    expect(sim.stats.faults).toBe(1);
  });

  test('a dial across a cut times out; after heal it succeeds at the next SYN retry', async () => {
    const { sim, a, b } = await connected();
    const p = sim.partition([a], [b]);
    const t0 = sim.nowMs;
    await expect(sim.runUntil(a.runtime.net.dial(b.addr(80)), 60_000)).rejects.toBeInstanceOf(
      DialTimeoutError,
    );
    expect(sim.nowMs).toBe(t0 + 10_000);
    const t1 = sim.nowMs;
    sim.schedule(t1 + 1500, () => p.heal());
    await sim.runUntil(a.runtime.net.dial(b.addr(80)), 60_000);
    expect(sim.nowMs).toBe(t1 + 3000 + 20); // SYNs at +0, +1 s (cut), +3 s (healed)
  });

  test('a connection held longer than stallResetMs is reset on both ends', async () => {
    const { sim, a, b, conn, serverErr, clientErr } = await connected(20_000);
    sim.partition([a], [b]);
    const t0 = sim.nowMs;
    conn.write(enc('stuck'));
    await sim.run();
    // The writer gives up at +20 s; the peer hears of it one one-way delay (10 ms) later.
    expect(sim.nowMs).toBe(t0 + 20_000 + 10);
    expect(clientErr()).toBeInstanceOf(ConnectionResetError);
    expect(serverErr()).toBeInstanceOf(ConnectionResetError);
  });

  test('an idle connection survives a partition (no keepalive), and works after heal', async () => {
    const { sim, a, b, conn, got, clientErr } = await connected(1000);
    sim.partition([a], [b]);
    await sim.run({ untilMs: 60_000 });
    sim.heal();
    conn.write(enc('still here'));
    await sim.run();
    expect(clientErr()).toBe(null);
    expect(got).toEqual([['still here', 60_010]]);
  });

  test('partition(group) without a second group cuts it from everyone; other paths are untouched', async () => {
    const { sim, a, b, c } = await connected();
    sim.partition([b]);
    await c.runtime.net.listen(c.addr(80), () => undefined);
    await sim.runUntil(a.runtime.net.dial(c.addr(80)), 1000);
    await expect(
      sim.runUntil(c.runtime.net.dial(b.addr(80), { timeoutMs: 500 }), 1000),
    ).rejects.toBeInstanceOf(DialTimeoutError);
  });

  test('healing one of two partitions leaves the other in force', async () => {
    const { sim, a, b, c, conn, got } = await connected();
    const ab = sim.partition([a], [b]);
    sim.partition([a], [c]);
    conn.write(enc('x'));
    ab.heal();
    await sim.run();
    expect(got.map((g) => g[0])).toEqual(['x']);
    await c.runtime.net.listen(c.addr(80), () => undefined);
    await expect(
      sim.runUntil(a.runtime.net.dial(c.addr(80), { timeoutMs: 500 }), 1000),
    ).rejects.toBeInstanceOf(DialTimeoutError);
  });
});
