import { describe, expect, test } from 'vitest';
import {
  fixed,
  LatencyConfigError,
  lognormal,
  normal,
  regions,
  SimRng,
  Simulation,
  summarize,
  uniform,
} from './index.js';
import type { HostInfo, LatencyModel } from './latency.js';

const A: HostInfo = { index: 1, region: 'eu' };
const B: HostInfo = { index: 2, region: 'us' };

function samplesMs(model: LatencyModel, n: number, from = A, to = B): number[] {
  const s = model.forLink(from, to);
  const rng = new SimRng('latency-stats');
  return Array.from({ length: n }, () => s.sampleNs(rng) / 1e6);
}

describe('latency models', () => {
  test('fixed is exact', () => {
    expect(new Set(samplesMs(fixed(12.5), 100))).toEqual(new Set([12.5]));
  });

  test('uniform stays in [min, max) with the expected mean', () => {
    const s = summarize(samplesMs(uniform(10, 30), 20_000));
    expect(s.min).toBeGreaterThanOrEqual(10);
    expect(s.max).toBeLessThan(30);
    expect(s.mean).toBeCloseTo(20, 0);
  });

  test('normal has the configured mean and spread, and is never negative', () => {
    const v = samplesMs(normal(50, 10), 20_000);
    const s = summarize(v);
    expect(s.mean).toBeCloseTo(50, 0);
    const sd = Math.sqrt(v.reduce((acc, x) => acc + (x - s.mean) ** 2, 0) / v.length);
    expect(sd).toBeGreaterThan(9.5);
    expect(sd).toBeLessThan(10.5);
    expect(summarize(samplesMs(normal(1, 5), 5000)).min).toBe(0);
  });

  test('lognormal: the median is the configured one, with a long right tail', () => {
    const s = summarize(samplesMs(lognormal(40, 0.5), 40_000));
    expect(Math.abs(s.p50 - 40) / 40).toBeLessThan(0.02);
    // exp(0.5 * 2.326) = 3.2: the 99th percentile sits about 3.2x above the median.
    expect(s.p99 / s.p50).toBeGreaterThan(2.9);
    expect(s.p99 / s.p50).toBeLessThan(3.5);
    expect(s.mean).toBeGreaterThan(s.p50);
  });

  test('regions: the matrix entry for the pair (either direction), optional spread, defaultMs', () => {
    const m = regions({ eu: { eu: 5, us: 45 }, us: { us: 8 } });
    expect(samplesMs(m, 3, A, B)).toEqual([45, 45, 45]);
    expect(samplesMs(m, 1, B, A)).toEqual([45]);
    expect(samplesMs(m, 1, B, B)).toEqual([8]);
    expect(() => m.forLink(A, { index: 3, region: 'ap' })).toThrow(LatencyConfigError);
    expect(samplesMs(regions({ eu: {} }, { defaultMs: 70 }), 1)).toEqual([70]);
    const spread = summarize(samplesMs(regions({ eu: { us: 45 } }, { sigma: 0.3 }), 20_000));
    expect(Math.abs(spread.p50 - 45) / 45).toBeLessThan(0.03);
  });

  test('bad parameters are rejected with LatencyConfigError', () => {
    expect(() => fixed(-1)).toThrow(LatencyConfigError);
    expect(() => uniform(5, 1)).toThrow(LatencyConfigError);
    expect(() => lognormal(0, 1)).toThrow(LatencyConfigError);
    expect(() => normal(Number.NaN, 1)).toThrow(LatencyConfigError);
  });

  test('in a simulation, nodes in regions see the matrix as their round trip', async () => {
    const sim = new Simulation({ network: { latency: regions({ eu: { eu: 2, us: 40 }, us: { us: 3 } }) } });
    const eu1 = sim.addNode({ region: 'eu' });
    const eu2 = sim.addNode({ region: 'eu' });
    const us = sim.addNode({ region: 'us' });
    for (const n of [eu2, us]) await n.runtime.net.listen(n.addr(1), () => undefined);
    const rtt = async (to: typeof us) => {
      const t0 = sim.nowMs;
      await sim.runUntil(eu1.runtime.net.dial(to.addr(1)), 1000);
      return sim.nowMs - t0;
    };
    expect(await rtt(eu2)).toBe(4);
    expect(await rtt(us)).toBe(80);
  });
});
