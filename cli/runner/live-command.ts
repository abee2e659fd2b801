/** `valhalla run FILE --backend live`: the live runner behind the same summary, outputs and exit codes. */
import { machineInfo } from '../../bench/machine.js';
import { type Override, overridesRecord } from '../../scenarios/overrides.js';
import type { Scenario } from '../../scenarios/types.js';
import { type Parsed, stringFlag } from '../args.js';
import type { Io } from '../command.js';
import { UsageError } from '../errors.js';
import { writeReport } from '../report/write.js';
import { VERSION } from '../version.js';
import { type AssertionResult, evaluate, UnknownMetricError } from './assertions.js';
import {
  LiveAbortedError,
  LiveCapacityError,
  type LiveMode,
  type LiveRunResult,
  runOnLive,
} from './live-run.js';
import { reproduceCommand } from './replica.js';
import { formatSummary, type RunSummary } from './summary.js';

export const LIVE_NO_TRACE = 'none (live runs are not reproducible event for event)';

interface LiveCommandOptions {
  mode: 'auto' | LiveMode;
  clean: boolean;
}

export function parseLiveMode(v: string | undefined): 'auto' | LiveMode {
  if (v === undefined || v === 'auto' || v === 'netns' || v === 'loopback') return v ?? 'auto';
  throw new UsageError(`--live-mode ${v}: expected auto, netns or loopback`);
}

/** Run live, mapping the runner's refusals to usage errors (exit 2). */
export async function liveRun(
  scenario: Scenario,
  seed: number,
  opts: LiveCommandOptions,
  io: Io,
): Promise<{ result: LiveRunResult; wallMs: number }> {
  const realm = scenario.workload.find((w) => w.kind === 'publish' || w.kind === 'rpc' || w.kind === 'crdt');
  if (realm) {
    throw new UsageError(
      `--backend live: the ${realm.kind} workload runs in the simulator only; use --backend sim`,
    );
  }
  const start = performance.now();
  try {
    const nodeLogLevel = io.env.VALHALLA_LIVE_LOG;
    const result = await runOnLive(scenario, seed, {
      ...opts,
      log: (l) => io.err(`${l}\n`),
      ...(nodeLogLevel ? { nodeLogLevel } : {}),
    });
    return { result, wallMs: performance.now() - start };
  } catch (err) {
    if (err instanceof LiveCapacityError) throw new UsageError(err.message);
    throw err;
  }
}

export function liveSummary(
  input: { file: string; scenario: Scenario; seed: number; overrides: readonly Override[] },
  result: LiveRunResult,
  wallMs: number,
  assertions: AssertionResult[],
  mode: 'auto' | LiveMode,
): RunSummary {
  const { file, scenario, seed, overrides } = input;
  return {
    scenario: scenario.name,
    file,
    seed,
    overrides: overridesRecord(overrides),
    backend: 'live',
    traceHash: LIVE_NO_TRACE,
    events: result.events,
    virtualTimeMs: result.virtualTimeMs,
    wallMs: Math.round(wallMs),
    peakRssMb: result.peakRssMb,
    nodes: scenario.nodes.count,
    versions: { valhalla: VERSION, node: process.version },
    machine: machineInfo(),
    metrics: Object.fromEntries(
      Object.entries(result.metrics).map(([k, v]) => [k, Number.isNaN(v) ? null : v]),
    ),
    assertions,
    passed: assertions.every((a) => a.pass),
    reproduce: `${reproduceCommand(file, seed, overrides)} --backend live${mode === 'auto' ? '' : ` --live-mode ${mode}`}`,
    live: {
      mode: result.mode,
      runId: result.runId,
      setupMs: result.setupMs,
      capacity: result.capacity,
      leftovers: result.leftovers,
    },
  };
}

export function checkAssertions(
  scenario: Scenario,
  file: string,
  metrics: Record<string, number>,
): AssertionResult[] {
  try {
    return evaluate(scenario.assertions, metrics);
  } catch (err) {
    if (err instanceof UnknownMetricError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
}

/** The whole `run --backend live`; resolves to the exit code. */
export async function runLiveCommand(
  parsed: Parsed,
  input: {
    file: string;
    scenario: Scenario;
    seed: number;
    overrides: readonly Override[];
    seedsText?: string;
  },
  io: Io,
): Promise<number> {
  const { file, scenario, seed, overrides } = input;
  if (input.seedsText !== undefined || scenario.sweep)
    throw new UsageError(
      `${file}: sweeps run on the simulator only; a live run is one replica (--backend live --seed N)`,
    );
  for (const flag of ['workers', 'parallel'])
    if (parsed.values[flag] !== undefined && parsed.values[flag] !== '1')
      throw new UsageError(`--${flag} is for the simulator; a live run has one process per node`);
  const opts = {
    mode: parseLiveMode(stringFlag(parsed, 'live-mode')),
    clean: parsed.values.clean === true,
  };
  const json = parsed.values.json === true;
  const outDir = stringFlag(parsed, 'out');
  io.err(
    `running ${scenario.name} (${file}) with seed ${seed} live: ${scenario.nodes.count} node processes, ${scenario.durationMs / 1000} s of wall time after start-up\n`,
  );
  let run: Awaited<ReturnType<typeof liveRun>>;
  try {
    run = await liveRun(scenario, seed, opts, io);
  } catch (err) {
    if (err instanceof LiveAbortedError) {
      io.err(`${err.message}\n`);
      return err.signal === 'SIGINT' ? 130 : 143;
    }
    throw err;
  }
  const assertions = checkAssertions(scenario, file, run.result.metrics);
  const summary = liveSummary(
    { file, scenario, seed, overrides },
    run.result,
    run.wallMs,
    assertions,
    opts.mode,
  );
  if (outDir) {
    const written = writeReport(outDir, summary, run.result.records);
    io.err(`wrote ${written.length} files to ${outDir} (summary.json, Arrow tables, report.html)\n`);
  }
  if (json) io.out(`${JSON.stringify(summary)}\n`);
  else io.err(formatSummary(summary));
  if (!summary.passed) {
    const failed = assertions.filter((a) => !a.pass).map((a) => a.text);
    io.err(`assertion failed: ${failed.join('; ')}\nreproduce with: ${summary.reproduce}\n`);
    return 1;
  }
  return 0;
}
