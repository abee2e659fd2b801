import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineInfo } from '../../bench/machine.js';
import { ScenarioError } from '../../scenarios/errors.js';
import { loadScenarioFile, parseSeedRange } from '../../scenarios/load.js';
import { type Override, parseSetArg } from '../../scenarios/overrides.js';
import type { Scenario } from '../../scenarios/types.js';
import { intFlag, type Parsed, stringFlag } from '../args.js';
import type { Command, Io } from '../command.js';
import { UsageError } from '../errors.js';
import { renderSweepReport } from '../report/sweep-html.js';
import { writeReport } from '../report/write.js';
import { formatSweep, summarizeSweep } from '../runner/aggregate.js';
import { UnknownMetricError } from '../runner/assertions.js';
import { progressLine, runProgress, sweepProgress } from '../runner/progress.js';
import { hasSingleThreadRealmWorkload } from '../runner/realm-workloads.js';
import { runReplica } from '../runner/replica.js';
import { minLatencyMs } from '../runner/sim-network.js';
import { formatSummary } from '../runner/summary.js';
import {
  defaultParallel,
  parseSeedsFlag,
  planSweep,
  runSweep,
  SweepPlanError,
  SweepReplicaError,
} from '../runner/sweep.js';

/** Scenario problems (bad file, bad --set, bad sweep block) are input errors: exit 2. */
function load(file: string, overrides: readonly Override[]): Scenario {
  try {
    return loadScenarioFile(file, overrides);
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(err.message);
    throw err;
  }
}

function parseSets(parsed: Parsed, file: string): Override[] {
  const raw = parsed.values.set;
  const args = raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
  try {
    return args.map((a) => parseSetArg(a, file));
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(err.message);
    throw err;
  }
}

interface RunOptions {
  file: string;
  scenario: Scenario;
  overrides: Override[];
  workers: number;
  json: boolean;
  outDir: string | undefined;
}

async function runSingle(o: RunOptions, seed: number, io: Io): Promise<number> {
  const { scenario, file } = o;
  if (scenario.sweep)
    io.err(`(${file} has a sweep block; --seed runs one replica alone. Sweep with --seeds A..B.)\n`);
  const sets = o.overrides.length > 0 ? ` with ${o.overrides.map((x) => x.origin).join(' ')}` : '';
  io.err(
    `running ${scenario.name} (${file}) with seed ${seed}${sets} on the simulator: ${scenario.nodes.count} nodes, ${scenario.durationMs / 1000} s of virtual time\n`,
  );
  const line = progressLine((t) => io.err(t));
  const progress = io.isTty && !o.json ? runProgress(line) : undefined;
  let run: Awaited<ReturnType<typeof runReplica>>;
  try {
    run = await runReplica({ file, scenario, seed, overrides: o.overrides, workers: o.workers }, progress);
  } catch (err) {
    if (err instanceof UnknownMetricError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  } finally {
    line.clear();
  }
  const { summary, records } = run;
  if (o.outDir) {
    const written = writeReport(o.outDir, summary, records);
    io.err(`wrote ${written.length} files to ${o.outDir} (summary.json, Arrow tables, report.html)\n`);
  }
  if (o.json) io.out(`${JSON.stringify(summary)}\n`);
  else io.err(formatSummary(summary));
  if (!summary.passed) {
    const failed = summary.assertions.filter((a) => !a.pass).map((a) => a.text);
    io.err(`assertion failed: ${failed.join('; ')}\nreproduce with: ${summary.reproduce}\n`);
    return 1;
  }
  return 0;
}

async function runSweepCommand(
  o: RunOptions,
  seeds: number[] | undefined,
  parallelFlag: number | undefined,
  io: Io,
): Promise<number> {
  const { file, scenario } = o;
  if (o.workers > 1)
    throw new UsageError(
      `--workers ${o.workers} with a sweep: replicas already run side by side, one thread each; use --parallel N for how many at once (or --seed N to run one replica over ${o.workers} workers)`,
    );
  let plan: ReturnType<typeof planSweep>;
  try {
    plan = planSweep({
      file,
      base: scenario,
      cliOverrides: o.overrides,
      ...(seeds ? { seeds } : {}),
      build: (overrides) => load(file, overrides),
    });
  } catch (err) {
    if (err instanceof SweepPlanError) throw new UsageError(err.message);
    throw err;
  }
  const parallel = Math.min(parallelFlag ?? defaultParallel(), plan.replicas.length);
  const grid = plan.parameters.map((p) => ` x ${p.values.length} ${p.path}`).join('');
  io.err(
    `sweeping ${scenario.name} (${file}): ${plan.replicas.length} replicas (${plan.seeds.length} seeds${grid}), ${parallel} at a time, ${scenario.nodes.count} nodes and ${scenario.durationMs / 1000} s of virtual time each\n`,
  );
  for (const p of plan.fixedBySet) io.err(`(${p} is not swept: a --set fixes it)\n`);
  const line = progressLine((t) => io.err(t));
  const onStatus = io.isTty && !o.json ? sweepProgress(line, plan.replicas.length) : undefined;
  const wallStart = performance.now();
  let outcomes: Awaited<ReturnType<typeof runSweep>>;
  try {
    outcomes = await runSweep(plan, {
      parallel,
      ...(o.outDir === undefined ? {} : { outDir: o.outDir }),
      ...(io.env.VALHALLA_CRYPTO ? { crypto: io.env.VALHALLA_CRYPTO } : {}),
      ...(onStatus ? { onStatus } : {}),
    });
  } catch (err) {
    if (err instanceof SweepReplicaError && err.causeName === 'UnknownMetricError')
      throw new UsageError(`${file}: ${err.message}`);
    throw err;
  } finally {
    line.clear();
  }
  const summary = summarizeSweep(plan, outcomes, o.overrides, {
    parallel,
    wallMs: performance.now() - wallStart,
    machine: machineInfo(),
  });
  if (o.outDir) {
    mkdirSync(o.outDir, { recursive: true });
    writeFileSync(join(o.outDir, 'sweep.json'), `${JSON.stringify(summary, null, 2)}\n`);
    writeFileSync(join(o.outDir, 'report.html'), renderSweepReport(summary));
    io.err(
      `wrote ${o.outDir}/sweep.json, ${o.outDir}/report.html and ${plan.replicas.length} replica directories (replica-<n>/)\n`,
    );
  }
  if (o.json) io.out(`${JSON.stringify(summary)}\n`);
  else io.err(formatSweep(summary));
  if (summary.passed) return 0;
  for (const i of summary.failedReplicas) {
    const r = summary.replicas[i]!;
    const point = Object.entries(r.point).map(([k, v]) => `, ${k}=${JSON.stringify(v)}`);
    const failed = r.assertions.filter((a) => !a.pass).map((a) => a.text);
    io.err(
      `replica ${i} (seed ${r.seed}${point.join('')}) failed: ${failed.join('; ')}\n  reproduce with: ${r.reproduce}\n`,
    );
  }
  return 1;
}

export const command: Command = {
  spec: {
    name: 'run',
    summary: 'run a scenario file (or a sweep of replicas) and print a summary',
    usage:
      'valhalla run <scenario.yaml> [--seed N | --seeds A..B] [--set path=value ...] [--workers N] [--parallel N] [--json] [--out DIR] [--backend sim|live] [--live-mode MODE] [--clean]',
    flags: {
      seed: {
        type: 'string',
        arg: 'N',
        help: "run once with seed N (0..4294967295) instead of the scenario's seed; a sweep block is not used",
      },
      seeds: {
        type: 'string',
        arg: 'A..B',
        help: 'sweep: one replica per seed (a range A..B or a list 1,5,9), at every point of the sweep grid if the file has one',
      },
      set: {
        type: 'string',
        multiple: true,
        arg: 'PATH=VALUE',
        help: 'override a scenario field by dotted path, the value read as YAML (repeatable): --set nodes.count=200 --set workload.0.count=50',
      },
      workers: {
        type: 'string',
        arg: 'N',
        help: 'split one simulation across N worker threads (same traceHash for any N)',
        default: '1',
      },
      parallel: {
        type: 'string',
        arg: 'N',
        help: 'sweep: replicas run at once, one worker thread each (default: the number of CPUs)',
      },
      json: {
        type: 'boolean',
        help: 'print only the summary object on stdout (a sweep: the aggregate object); no progress line',
      },
      out: {
        type: 'string',
        arg: 'DIR',
        help: 'write summary.json, Arrow tables (lookups, messages, samples, faults) and report.html into DIR; a sweep writes DIR/sweep.json, DIR/report.html and DIR/replica-<n>/',
      },
      backend: {
        type: 'string',
        arg: 'NAME',
        help: 'where to run: sim (the simulator) or live (one OS process per node, real TCP; docs/live.md)',
        default: 'sim',
      },
      'live-mode': {
        type: 'string',
        arg: 'MODE',
        help: 'live only: netns (a network namespace per node; root), loopback, or auto (netns when possible)',
        default: 'auto',
      },
      clean: {
        type: 'boolean',
        help: 'live only: remove leftovers of earlier live runs (otherwise they are only reported)',
      },
    },
    details: [
      'Exit codes: 0 every assertion held (in every replica), 1 an assertion failed (the command that',
      'reproduces each failing run is printed), 2 bad input (the message names the file, line or --set',
      'argument, the field, what was expected and what was found).',
      'A file with a sweep: block runs its replicas unless --seed picks one; --seeds sweeps any file.',
      'The scenario format is described in scenarios/README.md and scenarios/schema.json; outputs in',
      'docs/outputs.md.',
      'Examples:',
      '  valhalla run scenarios/quickstart.yaml --seed 7',
      '  valhalla run scenarios/quickstart.yaml --set nodes.count=100 --set network.loss=0.05',
      '  valhalla run scenarios/quickstart.yaml --seeds 1..8 --out /tmp/sweep',
    ].join('\n'),
  },
  async run(parsed, io) {
    const file = parsed.positionals[0];
    if (!file) throw new UsageError('name a scenario file, e.g. valhalla run scenarios/quickstart.yaml');
    if (parsed.positionals.length > 1)
      throw new UsageError(`one scenario at a time; got ${parsed.positionals.join(' ')}`);
    const backend = stringFlag(parsed, 'backend');
    if (backend !== 'sim' && backend !== 'live')
      throw new UsageError(`--backend ${backend}: expected sim or live`);
    const overrides = parseSets(parsed, file);
    const scenario = load(file, overrides);
    const seed = intFlag(parsed, 'seed', { min: 0, max: 4294967295 });
    const seedsText = stringFlag(parsed, 'seeds');
    if (backend === 'live') {
      const { runLiveCommand } = await import('../runner/live-command.js');
      return runLiveCommand(
        parsed,
        { file, scenario, seed: seed ?? scenario.seed, overrides, seedsText },
        io,
      );
    }
    const tunWorkload = scenario.workload.find((w) => w.kind === 'ping6' || w.kind === 'tcp-transfer');
    if (tunWorkload || scenario.stack.tun)
      throw new UsageError(
        `${file}: ${tunWorkload ? `the ${tunWorkload.kind} workload runs` : 'stack.tun runs'} over real TUN devices: use --backend live (as root, namespace mode)`,
      );
    if (seed !== undefined && seedsText !== undefined)
      throw new UsageError(
        '--seed and --seeds together: --seed N runs one replica, --seeds A..B a sweep; pick one',
      );
    const workers = intFlag(parsed, 'workers', { min: 1, max: 64 }) ?? 1;
    if (workers > 1 && !(minLatencyMs(scenario.network.latency) > 0)) {
      throw new UsageError(
        `--workers ${workers}: ${file}'s latency model allows a 0 ms delay between nodes, and workers can only run apart by the minimum delay; use --workers 1 or a model without 0 ms delays`,
      );
    }
    if (workers > 1 && hasSingleThreadRealmWorkload(scenario)) {
      throw new UsageError(
        `--workers ${workers}: ${file} has rpc or crdt workloads, which observe every node from one thread; use --workers 1`,
      );
    }
    const parallel = intFlag(parsed, 'parallel', { min: 1, max: 1024 });
    const options: RunOptions = {
      file,
      scenario,
      overrides,
      workers,
      json: parsed.values.json === true,
      outDir: stringFlag(parsed, 'out'),
    };
    if (seedsText !== undefined || (scenario.sweep && seed === undefined)) {
      let seeds: number[] | undefined;
      try {
        seeds = seedsText === undefined ? undefined : parseSeedsFlag(seedsText, parseSeedRange);
      } catch (err) {
        if (err instanceof SweepPlanError) throw new UsageError(err.message);
        throw err;
      }
      return runSweepCommand(options, seeds, parallel, io);
    }
    if (parallel !== undefined)
      throw new UsageError(
        '--parallel sets how many sweep replicas run at once; this is one run (use --seeds A..B to sweep)',
      );
    return runSingle(options, seed ?? scenario.seed, io);
  },
};
