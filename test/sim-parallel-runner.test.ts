/**
 * The scenario runner split across worker threads: a scenario with every kind of timeline event,
 * pings and labelled lookups gives the same trace hash, metrics and records for 1, 2 and 4
 * workers. Workers load dist/ (npm test builds it first).
 */
import { describe, expect, test } from 'vitest';
import { runOnSimMeasured, type SimRunResult } from '../cli/runner/sim-run.js';
import { parseScenario } from '../scenarios/load.js';

const YAML = `
name: parallel-check
seed: 4
duration: 60s
sample: 3s
nodes:
  count: 120
  joinOver: 8s
  groups:
    island: 0%..20%
network:
  latency: { model: lognormal, median: 40ms, sigma: 0.5 }
  jitter: 2ms
  loss: 0.01
timeline:
  - { at: 14s, event: crash, fraction: 0.1 }
  - { at: 18s, event: partition, groups: [island] }
  - { at: 24s, event: heal }
  - { at: 26s, event: restart, fraction: 0.5 }
  - { at: 28s, event: leave, count: 3 }
  - { at: 30s, event: degrade, fraction: 0.2, delay: 30ms, loss: 0.05, until: 40s }
  - { at: 32s, event: churn, ratePerMinute: 0.1, until: 50s }
workload:
  - { kind: lookup, label: before, count: 120, start: 10s, over: 4s }
  - { kind: lookup, label: after, count: 200, start: 34s, over: 20s }
  - { kind: ping, every: 5s, start: 10s }
assertions:
  - lookup.before.success_rate >= 0.9
`;

describe('valhalla run --workers', () => {
  test('1, 2 and 4 workers: same trace hash, metrics and records', async () => {
    const scenario = parseScenario(YAML, 'parallel-check.yaml');
    const runs: SimRunResult[] = [];
    for (const workers of [1, 2, 4]) {
      const { result, workers: stats } = await runOnSimMeasured(scenario, scenario.seed, undefined, {
        workers,
      });
      runs.push(result);
      // One entry per worker; with several, each ran windows and exchanged messages.
      expect(stats).toHaveLength(workers);
      for (const w of stats) {
        expect(w.windows).toBeGreaterThan(0);
        expect(w.runMs).toBeGreaterThanOrEqual(w.waitMs);
        if (workers > 1) expect(w.messagesIn).toBeGreaterThan(0);
      }
    }
    const [one, two, four] = runs;
    expect(one!.metrics['lookup.before.count']).toBe(120);
    expect(one!.metrics['ping.sent']).toBeGreaterThan(500);
    expect(one!.records.faults.map((f) => f.kind)).toEqual(
      expect.arrayContaining(['crash', 'partition', 'heal', 'restart', 'leave', 'degrade', 'churn']),
    );
    expect(one!.records.samples.length).toBeGreaterThan(0);
    expect(two).toEqual(one);
    expect(four).toEqual(one);
  }, 300_000);
});
