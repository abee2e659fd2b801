import { describe, expect, test } from 'vitest';
import { type Connection, ConnectionClosedError, ConnectionRefusedError } from '../stack/runtime.js';
import { fixed, NodeDownError, Simulation } from './index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

async function setup() {
  const sim = new Simulation({ network: { latency: fixed(10) } });
  const a = sim.addNode({ name: 'a' });
  const b = sim.addNode({ name: 'b' });
  const serverSide: string[] = [];
  await b.runtime.net.listen(b.addr(80), (c) =>
    c.setHandler({ onData: (d) => serverSide.push(dec(d)), onClose: () => serverSide.push('closed') }),
  );
  const conn: Connection = await sim.runUntil(a.runtime.net.dial(b.addr(80)), 1000);
  const clientSide: string[] = [];
  conn.setHandler({
    onData: (d) => clientSide.push(dec(d)),
    onClose: (e) => clientSide.push(`close:${e?.name}@${sim.nowMs}`),
  });
  return { sim, a, b, conn, serverSide, clientSide };
}

describe('crash and restart', () => {
  test("the crashed node's peers see ConnectionResetError one one-way delay later", async () => {
    const { sim, b, clientSide, serverSide } = await setup();
    const t0 = sim.nowMs;
    b.crash();
    expect(b.alive).toBe(false);
    await sim.run();
    expect(clientSide).toEqual([`close:ConnectionResetError@${t0 + 10}`]);
    expect(serverSide).toEqual([]); // the crashed side gets no callbacks at all
  });

  test("the crashed node's timers, in-flight messages and listeners are gone", async () => {
    const { sim, b, conn, serverSide } = await setup();
    let fired = 0;
    b.runtime.clock.setTimer(5, () => fired++);
    conn.write(enc('in flight'));
    b.runtime.net.dial('a:80').catch(() => undefined);
    b.crash();
    await sim.run();
    expect(fired).toBe(0);
    expect(serverSide).toEqual([]);
    // The stale runtime is dead: its network refuses work.
    await expect(b.runtime.net.listen(b.addr(81), () => undefined)).rejects.toBeInstanceOf(NodeDownError);
  });

  test('a crashed node refuses dials (its OS answers SYNs with resets)', async () => {
    const { sim, a, b } = await setup();
    b.crash();
    await expect(sim.runUntil(a.runtime.net.dial(b.addr(80)), 1000)).rejects.toBeInstanceOf(
      ConnectionRefusedError,
    );
  });

  test('restart: same address, fresh runtime with a new random stream; the stack is rebuilt on it', async () => {
    const { sim, a, b } = await setup();
    const old = b.runtime;
    const oldBytes = Array.from(old.rng.fork('probe').bytes(8));
    const fresh = b.restart();
    expect(b.alive).toBe(true);
    expect(b.incarnation).toBe(1);
    expect(fresh).not.toBe(old);
    expect(b.runtime).toBe(fresh);
    expect(Array.from(fresh.rng.fork('probe').bytes(8))).not.toEqual(oldBytes);
    // The old incarnation's timers stay dead; the new one works.
    let oldFired = 0;
    old.clock.setTimer(1, () => oldFired++);
    const got: string[] = [];
    await fresh.net.listen(b.addr(80), (c) => c.setHandler({ onData: (d) => got.push(dec(d)) }));
    const conn = await sim.runUntil(a.runtime.net.dial(b.addr(80)), 1000);
    conn.write(enc('hello again'));
    await sim.run();
    expect(got).toEqual(['hello again']);
    expect(oldFired).toBe(0);
    expect(b.addr(80)).toBe('10.0.0.2:80');
  });

  test('a reset lost to a partition: the peer learns when it writes after the heal', async () => {
    const { sim, a, b, conn, clientSide } = await setup();
    sim.partition([a], [b]);
    b.crash();
    b.restart();
    await sim.run({ untilMs: 5000 });
    expect(clientSide).toEqual([]);
    sim.heal();
    conn.write(enc('anyone?'));
    await sim.run();
    expect(clientSide).toEqual(['close:ConnectionResetError@5020']);
  });

  test('a node may be crashed from inside its own handler', async () => {
    const { sim, b, conn, clientSide } = await setup();
    b.runtime.clock.setTimer(3, () => b.crash());
    await sim.run();
    expect(b.alive).toBe(false);
    expect(clientSide.at(-1)).toMatch(/^close:ConnectionResetError/);
    expect(() => conn.write(enc('x'))).toThrow(ConnectionClosedError);
  });
});
