/**
 * Issue 5's check on a shipped scenario: dht-1k-faults.yaml (1,000 nodes with real handshakes,
 * crashes, a partition and restarts) gives the same trace hash, metrics and records with 1, 2 and
 * 4 worker threads. The slowest test of the suite (three runs of a 1,000-node network); workers
 * load dist/ (npm test builds it first).
 */
import { describe, expect, test } from 'vitest';
import { runOnSim, type SimRunResult } from '../cli/runner/sim-run.js';
import { loadScenarioFile } from '../scenarios/load.js';

describe('scenarios/dht-1k-faults.yaml', () => {
  test('--workers 1, 2 and 4: same traceHash, metrics and records', async () => {
    const scenario = loadScenarioFile(new URL('../scenarios/dht-1k-faults.yaml', import.meta.url).pathname);
    const runs: SimRunResult[] = [];
    for (const workers of [1, 2, 4])
      runs.push(await runOnSim(scenario, scenario.seed, undefined, { workers }));
    const [one, two, four] = runs;
    expect(one!.records.lookups).toHaveLength(3000);
    expect(two!.traceHash).toBe(one!.traceHash);
    expect(four!.traceHash).toBe(one!.traceHash);
    expect(two).toEqual(one);
    expect(four).toEqual(one);
  }, 1_800_000);
});
