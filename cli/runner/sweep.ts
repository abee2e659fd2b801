/**
 * Sweeps: independent replicas of one scenario over seeds and a grid of field values, run side by
 * side in worker threads (piscina), then aggregated. A replica is exactly the run that
 * `valhalla run FILE --seed N --set ...` does alone (same scenario, same seed, same overrides, one
 * thread), so it has the same traceHash, and its reproduce command is that command.
 *
 * Planning checks every replica's scenario before anything runs: a grid value the schema refuses
 * is an input error naming the sweep line, not a crash an hour into the sweep.
 */

import os from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { type Override, pathsOverlap } from '../../scenarios/overrides.js';
import type { Scenario } from '../../scenarios/types.js';
import { runnableUrl } from '../../sim/parallel/index.js';
import type { RunSummary } from './summary.js';
import type { SweepTask, SweepTaskResult } from './sweep-worker.js';

/** Thrown when a sweep cannot be planned (bad grid, conflicting flags): exit 2. */
export class SweepPlanError extends Error {
  override name = 'SweepPlanError';
}

export interface ReplicaPlan {
  index: number;
  seed: number;
  /** The grid values of this replica (not the --set ones, which every replica shares). */
  point: Override[];
  /** Everything that made its scenario from the file: the --set overrides, then the grid values. */
  overrides: Override[];
  /** Index of its grid point in SweepPlan.points. */
  pointIndex: number;
  scenario: Scenario;
}

export interface SweepParameter {
  path: string;
  values: unknown[];
}

export interface SweepPlan {
  file: string;
  seeds: number[];
  parameters: SweepParameter[];
  /** Grid points in order: each is one value per parameter. */
  points: Override[][];
  replicas: ReplicaPlan[];
  /** Swept paths a --set fixed instead (the sweep does not vary them). */
  fixedBySet: string[];
}

/**
 * Build the replicas: every grid point (first parameter outermost) times every seed. `build`
 * checks one replica's overrides against the schema (it is parseScenario with the file's text).
 */
export function planSweep(opts: {
  file: string;
  base: Scenario;
  cliOverrides: readonly Override[];
  seeds?: number[];
  build: (overrides: Override[]) => Scenario;
}): SweepPlan {
  const { file, base, cliOverrides } = opts;
  const seeds = opts.seeds ?? base.sweep?.seeds ?? [base.seed];
  const fixedBySet: string[] = [];
  const parameters: (SweepParameter & { lines: (number | undefined)[] })[] = [];
  for (const p of base.sweep?.parameters ?? []) {
    const set = cliOverrides.find((o) => pathsOverlap(o.path, p.path));
    if (set && set.path === p.path) {
      fixedBySet.push(p.path);
      continue;
    }
    if (set)
      throw new SweepPlanError(
        `${set.origin}: overlaps the swept field ${p.path} (sweep.set in ${file}); set ${p.path} itself to fix it for this sweep, or a field outside it`,
      );
    parameters.push(p);
  }
  const origin = (p: (typeof parameters)[number], i: number): string =>
    `${file}${p.lines[i] === undefined ? '' : `:${p.lines[i]}`}: sweep.set.${p.path}.${i}`;
  let points: Override[][] = [[]];
  for (const p of parameters) {
    const next: Override[][] = [];
    for (const point of points)
      p.values.forEach((value, i) => {
        next.push([...point, { path: p.path, value, origin: origin(p, i) }]);
      });
    points = next;
  }
  const replicas: ReplicaPlan[] = [];
  points.forEach((point, pointIndex) => {
    const overrides = [...cliOverrides, ...point];
    const scenario = opts.build(overrides);
    for (const seed of seeds)
      replicas.push({ index: replicas.length, seed, point, overrides, pointIndex, scenario });
  });
  return {
    file,
    seeds,
    parameters: parameters.map(({ path, values }) => ({ path, values })),
    points,
    replicas,
    fixedBySet,
  };
}

/** `--seeds A..B` or `--seeds 1,5,9`. */
export function parseSeedsFlag(text: string, parseRange: (t: string) => number[] | undefined): number[] {
  const range = text.includes('..') ? parseRange(text) : undefined;
  if (range) return range;
  const list = text.split(',').map((s) => s.trim());
  if (!text.includes('..') && list.every((s) => /^\d+$/.test(s) && Number(s) <= 4294967295)) {
    const seeds = list.map(Number);
    if (new Set(seeds).size === seeds.length) return seeds;
  }
  throw new SweepPlanError(
    `--seeds ${text}: expected a range A..B with A <= B (e.g. --seeds 1..8) or a list of distinct seeds (e.g. --seeds 1,5,9), within 0..4294967295`,
  );
}

export function defaultParallel(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

export interface SweepRunStatus {
  done: number;
  running: number;
  failed: number;
  /** Share of the whole sweep's virtual time done, 0..1. */
  fraction: number;
  wallMs: number;
}

export interface ReplicaOutcome {
  plan: ReplicaPlan;
  summary: RunSummary;
  /** Where its outputs went (DIR/replica-<n>), when the sweep writes them. */
  dir?: string;
}

/**
 * Run every replica in a pool of `parallel` threads. Replicas finish in any order; the outcomes
 * come back in plan order. A replica that cannot evaluate its assertions (an unknown metric)
 * rejects the whole sweep with that error's message.
 */
export async function runSweep(
  plan: SweepPlan,
  opts: {
    parallel: number;
    outDir?: string;
    crypto?: string;
    onStatus?: (s: SweepRunStatus) => void;
  },
): Promise<ReplicaOutcome[]> {
  const total = plan.replicas.length;
  const progress = new Float64Array(new SharedArrayBuffer(8 * total));
  const filename = import.meta.url.endsWith('.js')
    ? new URL('./sweep-worker.js', import.meta.url).href
    : runnableUrl(new URL('./sweep-worker.ts', import.meta.url));
  const pool = new Piscina<SweepTask, SweepTaskResult>({
    filename,
    minThreads: 0,
    maxThreads: Math.max(1, Math.min(opts.parallel, total)),
    idleTimeout: 1000,
    // Replicas are long async tasks; a worker blocked in Atomics.wait between tasks gains nothing.
    atomics: 'disabled',
  });
  const started = performance.now();
  let done = 0;
  let failed = 0;
  const status = (): void =>
    opts.onStatus?.({
      done,
      running: Math.min(pool.maxThreads, total - done),
      failed,
      fraction: progress.reduce((s, f) => s + f, 0) / total,
      wallMs: performance.now() - started,
    });
  const timer = opts.onStatus ? setInterval(status, 250) : undefined;
  try {
    const outcomes = await Promise.all(
      plan.replicas.map(async (r): Promise<ReplicaOutcome> => {
        const dir = opts.outDir === undefined ? undefined : join(opts.outDir, `replica-${r.index}`);
        const task: SweepTask = {
          file: plan.file,
          scenario: r.scenario,
          seed: r.seed,
          overrides: r.overrides,
          slot: r.index,
          progress: progress.buffer as SharedArrayBuffer,
          ...(dir === undefined ? {} : { outDir: dir }),
          ...(opts.crypto ? { crypto: opts.crypto } : {}),
        };
        const result = await pool.run(task).finally(() => {
          progress[r.index] = 1;
        });
        if (result.kind === 'error') throw new SweepReplicaError(r, result.name, result.message);
        done++;
        if (!result.summary.passed) failed++;
        status();
        return { plan: r, summary: result.summary, ...(dir === undefined ? {} : { dir }) };
      }),
    );
    return outcomes;
  } finally {
    if (timer) clearInterval(timer);
    await pool.destroy();
  }
}

/** A replica failed to run (not an assertion: an error). Carries the error's class name. */
export class SweepReplicaError extends Error {
  override name = 'SweepReplicaError';
  constructor(
    readonly replica: ReplicaPlan,
    readonly causeName: string,
    message: string,
  ) {
    super(`replica ${replica.index} (seed ${replica.seed}): ${message}`);
  }
}
