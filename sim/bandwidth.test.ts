import { describe, expect, test } from 'vitest';
import type { Connection } from '../stack/runtime.js';
import { fixed, Simulation } from './index.js';

async function setup(bandwidthBytesPerSec: number) {
  const sim = new Simulation({
    network: { latency: fixed(5), bandwidthBytesPerSec, highWaterBytes: 1 << 30 },
  });
  const a = sim.addNode();
  const b = sim.addNode();
  const arrivals: [string, number, number][] = [];
  let n = 0;
  await b.runtime.net.listen(b.addr(80), (c) => {
    const name = `conn${n++}`;
    c.setHandler({ onData: (d) => arrivals.push([name, d.length, sim.nowMs]) });
  });
  const c1: Connection = await sim.runUntil(a.runtime.net.dial(b.addr(80)), 1000);
  const c2: Connection = await sim.runUntil(a.runtime.net.dial(b.addr(80)), 1000);
  return { sim, c1, c2, arrivals, t0: sim.nowMs };
}

describe('bandwidth', () => {
  test('serialization: a write takes size / bandwidth on top of the latency', async () => {
    const { sim, c1, arrivals, t0 } = await setup(1_000_000);
    c1.write(new Uint8Array(100_000));
    await sim.run();
    expect(arrivals).toEqual([['conn0', 100_000, t0 + 100 + 5]]);
  });

  test('FIFO per link: a small write behind a large one waits for it, even on another connection', async () => {
    const { sim, c1, c2, arrivals, t0 } = await setup(1_000_000);
    c1.write(new Uint8Array(500_000)); // 500 ms on the wire
    c2.write(new Uint8Array(10)); // queued behind it on the same a->b link
    c1.write(new Uint8Array(1000));
    await sim.run();
    expect(arrivals).toEqual([
      ['conn0', 500_000, t0 + 500 + 5],
      ['conn1', 10, t0 + 500.01 + 5],
      ['conn0', 1000, t0 + 501.01 + 5],
    ]);
  });

  test('without a bandwidth limit, sizes do not matter', async () => {
    const { sim, c1, arrivals, t0 } = await setup(Number.POSITIVE_INFINITY);
    c1.write(new Uint8Array(10_000_000));
    c1.write(new Uint8Array(1));
    await sim.run();
    expect(arrivals.map((x) => x[2])).toEqual([t0 + 5, t0 + 5]);
  });

  test('a per-node cap applies to its links', async () => {
    const sim = new Simulation({ network: { latency: fixed(0) } });
    const a = sim.addNode({ bandwidthBytesPerSec: 1000 });
    const b = sim.addNode();
    let at = -1;
    await b.runtime.net.listen(b.addr(80), (c) =>
      c.setHandler({
        onData: () => {
          at = sim.nowMs;
        },
      }),
    );
    const c = await sim.runUntil(a.runtime.net.dial(b.addr(80)), 1000);
    c.write(new Uint8Array(500));
    await sim.run();
    expect(at).toBe(500);
  });
});
