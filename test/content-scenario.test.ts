/**
 * The content workloads through the scenario runner: 60 simulated nodes over the full stack, 10
 * publishers of which one lies, one stalls and one crashes, 30 fetchers that then provide. Every
 * fetch completes with the right bytes, corrupt chunks are detected, none is returned; the same
 * seed gives the same trace and metrics with 1 and 2 worker threads (workers load dist/, which
 * npm test builds first). Reproduce: npx vitest run test/content-scenario.test.ts
 */
import { describe, expect, it } from 'vitest';
import { runOnSim } from '../cli/runner/sim-run.js';
import { parseScenario } from '../scenarios/load.js';

const YAML = `
name: content-check
seed: 3
duration: 70s
nodes: { count: 60, joinOver: 8s }
network:
  latency: { model: lognormal, median: 40ms, sigma: 0.5 }
  bandwidthMbit: 50
workload:
  - kind: content.publish
    label: files
    publishers: 10
    objects: 6
    copies: 3
    size: 128KiB
    chunkSize: 32KiB
    at: 12s
    lying: 0.1
    stalling: 0.1
    crashing: 0.1
    crashAt: 22s
  - { kind: content.fetch, label: files, fetchers: 30, start: 16s, over: 24s, provide: true, stallTimeout: 3s }
`;

describe('content.publish / content.fetch on the simulator', () => {
  it('every fetch completes with the right bytes; liars are caught; same result on 1 and 2 workers', async () => {
    const scenario = parseScenario(YAML, 'content-check.yaml');
    const one = await runOnSim(scenario, scenario.seed);
    const m = one.metrics;
    expect(m['content.publish.count']).toBe(18);
    expect(m['content.fetch.count']).toBe(30);
    expect(m['content.fetch.complete_rate']).toBe(1);
    expect(m['content.fetch.corrupt_results']).toBe(0);
    expect(m['content.fetch.corrupt_chunks']).toBeGreaterThan(0);
    expect(m['content.fetch.bytes']).toBe(30 * 128 * 1024);
    expect(m['content.fetch.providers_tried.max']).toBeGreaterThan(1);
    const two = await runOnSim(scenario, scenario.seed, undefined, { workers: 2 });
    expect(two.traceHash).toBe(one.traceHash);
    expect(two.metrics).toEqual(one.metrics);
  }, 180_000);
});
