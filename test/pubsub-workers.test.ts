/**
 * The publish workload split across worker threads (sim/parallel): with 1, 2 and 3 workers the
 * same trace hash and the same metrics (delivery ratio, latency, duplicates, bytes), on a small
 * network with 5% loss and nodes crashing while messages are in flight, so deliveries, start
 * times and the nodes still up at the end are merged from every worker. Workers load dist/ (npm
 * test builds it first).
 */
import { describe, expect, test } from 'vitest';
import { runOnSim, type SimRunResult } from '../cli/runner/sim-run.js';
import { parseScenario } from '../scenarios/load.js';

const YAML = `
name: pubsub-workers
seed: 7
duration: 40s
nodes:
  count: 48
  joinOver: 6s
  groups:
    everyone: 0%..100%
network:
  latency: { model: lognormal, median: 40ms, sigma: 0.5 }
timeline:
  - { at: 24s, event: degrade, group: everyone, loss: 0.05, until: 40s }
  - { at: 28s, event: crash, fraction: 0.1 }
workload:
  - { kind: publish, label: clean, topic: t, publishers: 8, count: 30, start: 15s, over: 6s }
  - { kind: publish, label: faults, topic: t, publishers: 8, count: 30, start: 25s, over: 8s }
`;

describe('publish workload on several workers', () => {
  test('1, 2 and 3 workers: same traceHash and metrics', async () => {
    const scenario = parseScenario(YAML, 'pubsub-workers.yaml');
    const runs: SimRunResult[] = [];
    for (const workers of [1, 2, 3])
      runs.push(await runOnSim(scenario, scenario.seed, undefined, { workers }));
    const [one, two, three] = runs;
    const m = one!.metrics;
    expect(m['pubsub.published']).toBe(60);
    expect(m['pubsub.unpublished']).toBe(0);
    expect(m['pubsub.clean.delivery_ratio']).toBe(1);
    expect(m['nodes.up']).toBeLessThan(48); // the crashes happened: fewer nodes count as expected
    expect(m['pubsub.clean.expected']).toBe(30 * (m['nodes.up']! - 1));
    expect(m['pubsub.bytes_per_node']).toBeGreaterThan(0);
    expect(m['pubsub.duplicates_per_delivery.p50']).toBeGreaterThan(0);
    expect(two!.traceHash).toBe(one!.traceHash);
    expect(three!.traceHash).toBe(one!.traceHash);
    expect(two!.metrics).toEqual(one!.metrics);
    expect(three!.metrics).toEqual(one!.metrics);
  }, 600_000);
});
