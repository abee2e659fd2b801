import seedrandom from 'seedrandom';
import { describe, expect, test } from 'vitest';
import { RngRangeError, SimRng, Simulation } from './index.js';

describe('SimRng', () => {
  test('is exactly seedrandom Alea (state kept inline for speed)', () => {
    const ours = new SimRng('valhalla');
    const ref = seedrandom.alea('valhalla');
    for (let i = 0; i < 10_000; i++) {
      expect(ours.float()).toBe(ref());
      expect(ours.u32()).toBe(ref.int32() >>> 0);
    }
  });

  test('same seed, same stream; another seed, another stream', () => {
    const a = new SimRng('s').bytes(64);
    expect(new SimRng('s').bytes(64)).toEqual(a);
    expect(new SimRng('t').bytes(64)).not.toEqual(a);
  });

  test('fork: same label gives the same stream, independent of the parent and of its progress', () => {
    const parent = new SimRng('root');
    const x1 = parent.fork('identity').bytes(32);
    parent.u32();
    parent.u32();
    const x2 = parent.fork('identity').bytes(32);
    expect(x2).toEqual(x1);
    expect(parent.fork('other').bytes(32)).not.toEqual(x1);
    // Forking does not advance the parent.
    const p1 = new SimRng('root');
    const p2 = new SimRng('root');
    p2.fork('anything');
    expect(p2.u32()).toBe(p1.u32());
    // Nested labels do not collide with a label containing the separator.
    expect(new SimRng('r').fork('a/b').u32()).not.toBe(new SimRng('r').fork('a').fork('b').u32());
  });

  test('int(n) stays in range, reaches every value, and rejects bad n', () => {
    const r = new SimRng('ints');
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[r.int(7)]++;
    for (const c of counts) expect(c).toBeGreaterThan(9000);
    for (let i = 0; i < 1000; i++) {
      const v = r.int(2 ** 32);
      expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
    }
    expect(r.int(1)).toBe(0);
    for (const bad of [0, -1, 1.5, 2 ** 32 + 1, Number.NaN]) expect(() => r.int(bad)).toThrow(RngRangeError);
  });

  test('u32, float and bytes have the documented ranges and lengths', () => {
    const r = new SimRng('ranges');
    for (let i = 0; i < 1000; i++) {
      const u = r.u32();
      expect(u >= 0 && u < 2 ** 32 && Number.isInteger(u)).toBe(true);
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
    }
    for (const n of [0, 1, 3, 4, 5, 33]) expect(r.bytes(n)).toHaveLength(n);
    expect(() => r.bytes(-1)).toThrow(RngRangeError);
  });

  test('each node gets its own stream derived from the master seed', () => {
    const streams = (seed: number) => {
      const sim = new Simulation({ seed });
      return [sim.addNode(), sim.addNode()].map((n) => Array.from(n.runtime.rng.bytes(16)).join(','));
    };
    const [a1, b1] = streams(5);
    const [a2, b2] = streams(5);
    const [a3] = streams(6);
    expect(a1).toBe(a2);
    expect(b1).toBe(b2);
    expect(a1).not.toBe(b1);
    expect(a1).not.toBe(a3);
  });
});
