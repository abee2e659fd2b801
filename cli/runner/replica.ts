/**
 * One run of a scenario with one seed, from the typed scenario to its summary and records: what
 * `valhalla run` does for a single run, and what each replica of a sweep does in its worker thread.
 * Nothing here prints or writes files; the callers do.
 */

import { machineInfo } from '../../bench/machine.js';
import { type Override, overridesRecord, setArgs, shellQuote } from '../../scenarios/overrides.js';
import type { Scenario } from '../../scenarios/types.js';
import type { RunRecords } from '../report/records.js';
import { VERSION } from '../version.js';
import { evaluate } from './assertions.js';
import { type Progress, runOnSimMeasured } from './sim-run.js';
import type { RunSummary } from './summary.js';

export interface ReplicaInput {
  /** The scenario file as given on the command line (for the summary and the reproduce command). */
  file: string;
  /** The scenario with every override already applied and checked. */
  scenario: Scenario;
  seed: number;
  /** The overrides that made `scenario` from the file (--set, then a sweep's grid values). */
  overrides: readonly Override[];
  /** Worker threads sharing this one simulation (sim/parallel). */
  workers: number;
}

/** The command that runs exactly this replica again: same file, seed and overrides. */
export function reproduceCommand(file: string, seed: number, overrides: readonly Override[]): string {
  return ['valhalla run', shellQuote(file), `--seed ${seed}`, ...setArgs(overrides)].join(' ');
}

/** Run it; throws UnknownMetricError when an assertion names a metric the run does not produce. */
export async function runReplica(
  input: ReplicaInput,
  onProgress?: (p: Progress) => void,
): Promise<{ summary: RunSummary; records: RunRecords }> {
  const { scenario, seed, file } = input;
  const wallStart = performance.now();
  const { result, workers } = await runOnSimMeasured(scenario, seed, onProgress, {
    workers: input.workers,
  });
  const wallMs = performance.now() - wallStart;
  const assertions = evaluate(scenario.assertions, result.metrics);
  const summary: RunSummary = {
    scenario: scenario.name,
    file,
    seed,
    overrides: overridesRecord(input.overrides),
    backend: 'sim',
    traceHash: result.traceHash,
    events: result.events,
    virtualTimeMs: result.virtualTimeMs,
    wallMs: Math.round(wallMs),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    nodes: scenario.nodes.count,
    versions: { valhalla: VERSION, node: process.version },
    machine: machineInfo(),
    metrics: Object.fromEntries(
      Object.entries(result.metrics).map(([k, v]) => [k, Number.isNaN(v) ? null : v]),
    ),
    assertions,
    passed: assertions.every((a) => a.pass),
    reproduce: reproduceCommand(file, seed, input.overrides),
    workers,
  };
  return { summary, records: result.records };
}
