import { describe, expect, it } from 'vitest';
import { MemoryMetrics } from './metrics.js';

describe('MemoryMetrics', () => {
  it('aggregates counters, gauges and histograms', () => {
    const m = new MemoryMetrics();
    m.count('veil.handshakes');
    m.count('veil.handshakes', 4);
    m.gauge('peers', 3);
    m.gauge('peers', 2);
    for (let v = 1; v <= 100; v++) m.observe('dht.lookup.hops', v);
    expect(m.snapshot()).toEqual({
      counters: { 'veil.handshakes': 5 },
      gauges: { peers: 2 },
      histograms: {
        'dht.lookup.hops': { count: 100, sum: 5050, min: 1, max: 100, mean: 50.5, p50: 50, p90: 90, p99: 99 },
      },
    });
  });

  it('sorts names so snapshots are stable', () => {
    const m = new MemoryMetrics();
    m.count('b');
    m.count('a');
    expect(Object.keys(m.snapshot().counters)).toEqual(['a', 'b']);
  });

  it('bounds memory with a reservoir but keeps exact count, sum, min and max, deterministically', () => {
    const run = () => {
      const m = new MemoryMetrics({ maxSamples: 100 });
      for (let v = 0; v < 10_000; v++) m.observe('x', v);
      return m.snapshot().histograms.x;
    };
    const a = run();
    expect(a).toMatchObject({ count: 10_000, sum: (9999 * 10_000) / 2, min: 0, max: 9999 });
    // A uniform reservoir of 100 keeps the median well inside the middle half of the range.
    expect(a.p50).toBeGreaterThan(2500);
    expect(a.p50).toBeLessThan(7500);
    expect(run()).toEqual(a);
  });
});
