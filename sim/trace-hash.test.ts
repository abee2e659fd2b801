import { describe, expect, test } from 'vitest';
import { Simulation } from './index.js';
import { TraceHash } from './trace-hash.js';

describe('trace hash', () => {
  test('is independent of the order events are fed in, and sensitive to every field', () => {
    const events: [number, number, number, number][] = Array.from({ length: 200 }, (_, i) => [
      i * 1e6 + 5e9,
      (i % 7) * 2 ** 32 + i,
      i % 3,
      i * 11,
    ]);
    const h1 = new TraceHash();
    for (const e of events) h1.add(...e);
    const h2 = new TraceHash();
    for (const e of [...events].reverse()) h2.add(...e);
    expect(h2.hex()).toBe(h1.hex());
    for (let field = 0; field < 4; field++) {
      const h3 = new TraceHash();
      events.forEach((e, i) => {
        const changed = [...e] as [number, number, number, number];
        if (i === 100) changed[field] += 1;
        h3.add(...changed);
      });
      expect(h3.hex()).not.toBe(h1.hex());
    }
  });

  test('does not depend on how different nodes interleave their scheduling', async () => {
    // The tie-break key is (owner, owner's own sequence): the global order of setTimer calls
    // across nodes must not matter, only each node's own order.
    const run = async (interleave: boolean) => {
      const sim = new Simulation({ seed: 1 });
      const a = sim.addNode().runtime.clock;
      const b = sim.addNode().runtime.clock;
      const fired: string[] = [];
      const set = (c: typeof a, name: string, i: number) => c.setTimer(5, () => fired.push(`${name}${i}`));
      if (interleave) {
        for (let i = 0; i < 3; i++) {
          set(b, 'b', i);
          set(a, 'a', i);
        }
      } else {
        for (let i = 0; i < 3; i++) set(a, 'a', i);
        for (let i = 0; i < 3; i++) set(b, 'b', i);
      }
      await sim.run();
      return { fired, hash: sim.traceHash };
    };
    const x = await run(false);
    const y = await run(true);
    expect(x.fired).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'b2']);
    expect(y).toEqual(x);
  });

  test('hashes of disjoint sets of events add up to the hash of their union (how workers combine)', () => {
    const events: [number, number, number, number][] = Array.from({ length: 50 }, (_, i) => [
      i * 1e6 + 7,
      (i % 5) * 2 ** 32 + i,
      1 + (i % 4),
      i * 13,
    ]);
    const all = new TraceHash();
    for (const e of events) all.add(...e);
    const parts = [new TraceHash(), new TraceHash(), new TraceHash()];
    for (const [i, e] of events.entries()) parts[i % 3]!.add(...e);
    const sum = new TraceHash();
    for (const p of parts) sum.addHash(TraceHash.fromHex(p.hex()));
    expect(sum.hex()).toBe(all.hex());
    expect(() => TraceHash.fromHex('xyz')).toThrow(RangeError);
  });
});
