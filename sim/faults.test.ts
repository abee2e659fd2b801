import { describe, expect, test } from 'vitest';
import { type Connection, ConnectionResetError, DialTimeoutError } from '../stack/runtime.js';
import { deliverAfter, dropBetween, fixed, type SimMessage, Simulation } from './index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

async function pair(network = {}) {
  const sim = new Simulation({ seed: 3, network: { latency: fixed(10), ...network } });
  const a = sim.addNode({ name: 'a' });
  const b = sim.addNode({ name: 'b' });
  const got: [string, number][] = [];
  let closeErr: Error | undefined;
  let server: Connection | undefined;
  await b.runtime.net.listen(b.addr(80), (c) => {
    server = c;
    c.setHandler({
      onData: (d) => got.push([dec(d), sim.nowMs]),
      onClose: (e) => {
        closeErr = e;
      },
    });
  });
  const conn = await sim.runUntil(a.runtime.net.dial(b.addr(80)), 10_000);
  return { sim, a, b, conn, got, server: () => server!, closeErr: () => closeErr };
}

describe('fault rules', () => {
  test('a dropped data segment is retransmitted after the RTO: late, never lost or reordered', async () => {
    const { sim, conn, got } = await pair();
    let dropped = false;
    sim.addFaultRule((m) => {
      if (m.kind === 'data' && !dropped && dec(m.data!) === 'first') {
        dropped = true;
        return 'drop';
      }
      return 'pass';
    });
    const t0 = sim.nowMs;
    conn.write(enc('first'));
    conn.write(enc('second'));
    await sim.run();
    expect(got).toEqual([
      ['first', t0 + 200 + 10],
      ['second', t0 + 200 + 10],
    ]);
    expect(sim.stats.faults).toBe(1);
  });

  test('rules are consulted in order and the first non-pass verdict wins', async () => {
    const { sim, conn, got } = await pair();
    const seen: string[] = [];
    sim.addFaultRule(() => {
      seen.push('r1');
      return 'pass';
    });
    sim.addFaultRule((m) => {
      seen.push('r2');
      return m.kind === 'data' ? deliverAfter(30) : 'pass';
    });
    sim.addFaultRule(() => {
      seen.push('r3');
      return 'drop';
    });
    const t0 = sim.nowMs;
    conn.write(enc('x'));
    await sim.run();
    expect(seen).toEqual(['r1', 'r2']);
    expect(got).toEqual([['x', t0 + 30 + 10]]);
  });

  test('the rule sees what it needs: kind, names, size, attempt, time', async () => {
    const { sim, conn } = await pair();
    const msgs: Omit<SimMessage, 'data'>[] = [];
    const remove = sim.addFaultRule((m) => {
      const { data: _data, ...rest } = m;
      msgs.push(rest);
      return m.attempt === 0 ? 'drop' : 'pass';
    });
    conn.write(enc('abc'));
    await sim.run();
    remove();
    conn.end();
    await sim.run();
    expect(msgs.map((m) => [m.kind, m.from, m.to, m.sizeBytes, m.attempt])).toEqual([
      ['data', 'a', 'b', 3, 0],
      ['data', 'a', 'b', 3, 1],
    ]);
    expect(msgs[1].timeMs - msgs[0].timeMs).toBe(200);
  });

  test('a segment dropped for longer than stallResetMs resets the connection on both ends', async () => {
    const { sim, conn, closeErr } = await pair({ stallResetMs: 5000 });
    let clientErr: Error | undefined;
    conn.setHandler({
      onData: () => undefined,
      onClose: (e) => {
        clientErr = e;
      },
    });
    sim.addFaultRule(dropBetween('a', 'b'));
    const t0 = sim.nowMs;
    conn.write(enc('never'));
    await sim.run();
    expect(clientErr).toBeInstanceOf(ConnectionResetError);
    expect(closeErr()).toBeInstanceOf(ConnectionResetError);
    // The writer gives up at +5 s; the peer hears of it one one-way delay (10 ms) later.
    expect(sim.nowMs).toBe(t0 + 5000 + 10);
  });

  test('a dropped SYN is retried after 1 s, then 2 s (doubling)', async () => {
    const sim = new Simulation({ network: { latency: fixed(10) } });
    const a = sim.addNode({ name: 'a' });
    const b = sim.addNode({ name: 'b' });
    await b.runtime.net.listen(b.addr(80), () => undefined);
    let syns = 0;
    sim.addFaultRule((m) => (m.kind === 'syn' && ++syns <= 2 ? 'drop' : 'pass'));
    await sim.runUntil(a.runtime.net.dial(b.addr(80)), 10_000);
    expect(sim.nowMs).toBe(1000 + 2000 + 20);
    syns = -100;
    await expect(
      sim.runUntil(a.runtime.net.dial(b.addr(80), { timeoutMs: 5000 }), 10_000),
    ).rejects.toBeInstanceOf(DialTimeoutError);
  });

  test('random loss: every byte arrives, in order, later than without loss', async () => {
    const run = async (loss: number) => {
      const { sim, conn, got } = await pair({ loss });
      for (let i = 0; i < 300; i++) conn.write(enc(`${i};`));
      await sim.run();
      return { text: got.map((g) => g[0]).join(''), last: got.at(-1)![1], faults: sim.stats.faults };
    };
    const clean = await run(0);
    const lossy = await run(0.05);
    expect(lossy.text).toBe(clean.text);
    expect(lossy.faults).toBeGreaterThan(5);
    expect(lossy.last).toBeGreaterThan(clean.last);
  });
});
