/**
 * What a sweep reports: each replica's own verdicts and metrics, and every metric aggregated across
 * replicas (mean, min, max, standard deviation, median), for the whole sweep and for each grid
 * point (the replicas that differ only by seed). Sums run in replica order, so the same sweep
 * aggregates to the same numbers whatever order its threads finished in.
 */

import type { MachineInfo } from '../../bench/machine.js';
import type { Override } from '../../scenarios/overrides.js';
import { overridesRecord } from '../../scenarios/overrides.js';
import { quantile } from './stats.js';
import type { ReplicaOutcome, SweepPlan } from './sweep.js';

/** One metric across replicas. Replicas where the metric has no value (null) are left out; n counts the rest. */
export interface MetricStats {
  n: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  /** Sample standard deviation (n - 1 in the denominator); null below two values. */
  stddev: number | null;
  p50: number | null;
}

export interface SweepReplicaSummary {
  index: number;
  seed: number;
  /** Its grid values: dotted path → value (empty for a seeds-only sweep). */
  point: Record<string, unknown>;
  /** Every override that made its scenario: --set, then its grid values. */
  overrides: Record<string, unknown>;
  traceHash: string;
  events: number;
  wallMs: number;
  passed: boolean;
  metrics: Record<string, number | null>;
  assertions: { text: string; metric: string; value: number | null; pass: boolean }[];
  reproduce: string;
  /** Its output directory (DIR/replica-<index>), when the sweep was run with --out. */
  dir?: string;
}

export interface SweepPointSummary {
  index: number;
  point: Record<string, unknown>;
  replicas: number[];
  failed: number;
  metrics: Record<string, MetricStats>;
}

export interface SweepAssertionSummary {
  text: string;
  metric: string;
  passed: number;
  failed: number;
  failedReplicas: number[];
}

/** sweep.json, and with --json the one object printed. */
export interface SweepSummary {
  kind: 'sweep';
  scenario: string;
  file: string;
  backend: 'sim';
  seeds: number[];
  parameters: { path: string; values: unknown[] }[];
  /** The --set overrides every replica shares. */
  overrides: Record<string, unknown>;
  /** Swept paths that a --set fixed for this sweep. */
  fixedBySet: string[];
  parallel: number;
  wallMs: number;
  peakRssMb: number;
  versions: { valhalla: string; node: string };
  machine: MachineInfo;
  passed: boolean;
  failedReplicas: number[];
  assertions: SweepAssertionSummary[];
  /** Every metric across all replicas. */
  aggregate: Record<string, MetricStats>;
  points: SweepPointSummary[];
  replicas: SweepReplicaSummary[];
}

export function metricStats(values: readonly (number | null | undefined)[]): MetricStats {
  const xs = values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
  const n = xs.length;
  if (n === 0) return { n, mean: null, min: null, max: null, stddev: null, p50: null };
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / n;
  let sq = 0;
  for (const x of xs) sq += (x - mean) ** 2;
  const sorted = Float64Array.from(xs).sort();
  return {
    n,
    mean,
    min: sorted[0]!,
    max: sorted[n - 1]!,
    stddev: n >= 2 ? Math.sqrt(sq / (n - 1)) : null,
    p50: quantile(sorted, 0.5),
  };
}

/** Every metric name any replica produced, sorted, each aggregated over the given replicas. */
function aggregateMetrics(replicas: readonly SweepReplicaSummary[]): Record<string, MetricStats> {
  const names = new Set<string>();
  for (const r of replicas) for (const k of Object.keys(r.metrics)) names.add(k);
  return Object.fromEntries(
    [...names].sort().map((k) => [k, metricStats(replicas.map((r) => r.metrics[k] ?? null))]),
  );
}

export function summarizeSweep(
  plan: SweepPlan,
  outcomes: readonly ReplicaOutcome[],
  cliOverrides: readonly Override[],
  run: { parallel: number; wallMs: number; machine: MachineInfo },
): SweepSummary {
  const replicas: SweepReplicaSummary[] = outcomes.map(({ plan: r, summary: s, dir }) => ({
    index: r.index,
    seed: r.seed,
    point: Object.fromEntries(r.point.map((o) => [o.path, o.value])),
    overrides: s.overrides ?? {},
    traceHash: s.traceHash,
    events: s.events,
    wallMs: s.wallMs,
    passed: s.passed,
    metrics: s.metrics,
    assertions: s.assertions,
    reproduce: s.reproduce,
    ...(dir === undefined ? {} : { dir }),
  }));
  const points: SweepPointSummary[] = plan.points.map((point, index) => {
    const mine = replicas.filter((r) => outcomes[r.index]!.plan.pointIndex === index);
    return {
      index,
      point: Object.fromEntries(point.map((o) => [o.path, o.value])),
      replicas: mine.map((r) => r.index),
      failed: mine.filter((r) => !r.passed).length,
      metrics: aggregateMetrics(mine),
    };
  });
  const first = outcomes[0]!.summary;
  // By text: a grid over `assertions` itself gives replicas different lists.
  const texts = new Map<string, string>();
  for (const r of replicas) for (const a of r.assertions) texts.set(a.text, a.metric);
  const assertions: SweepAssertionSummary[] = [...texts].map(([text, metric]) => {
    const verdicts = replicas.flatMap((r) =>
      r.assertions.filter((a) => a.text === text).map((a) => [r, a.pass] as const),
    );
    const failedReplicas = verdicts.filter(([, pass]) => !pass).map(([r]) => r.index);
    return {
      text,
      metric,
      passed: verdicts.length - failedReplicas.length,
      failed: failedReplicas.length,
      failedReplicas,
    };
  });
  const failedReplicas = replicas.filter((r) => !r.passed).map((r) => r.index);
  return {
    kind: 'sweep',
    scenario: first.scenario,
    file: plan.file,
    backend: 'sim',
    seeds: plan.seeds,
    parameters: plan.parameters,
    overrides: overridesRecord(cliOverrides),
    fixedBySet: plan.fixedBySet,
    parallel: run.parallel,
    wallMs: Math.round(run.wallMs),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    versions: first.versions,
    machine: run.machine,
    passed: failedReplicas.length === 0,
    failedReplicas,
    assertions,
    aggregate: aggregateMetrics(replicas),
    points,
    replicas,
  };
}

function fmt(v: number | null): string {
  if (v === null || Number.isNaN(v)) return 'n/a';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) < 10 ? 3 : 1 });
}

/** The readable form for a terminal: verdicts, the asserted metrics per grid point, failures. */
export function formatSweep(s: SweepSummary): string {
  const grid = s.parameters.map((p) => `${p.path} in [${p.values.map((v) => JSON.stringify(v)).join(', ')}]`);
  const lines = [
    `sweep ${s.scenario} (${s.file}): ${s.replicas.length} replicas (${s.seeds.length} seed${s.seeds.length === 1 ? '' : 's'}${grid.length ? ` x ${grid.join(' x ')}` : ''}) in ${fmt(s.wallMs / 1000)} s of wall time, ${s.parallel} in parallel`,
  ];
  const asserted = [...new Set(s.assertions.map((a) => a.metric))];
  const shown = asserted.length > 0 ? asserted : Object.keys(s.aggregate).slice(0, 6);
  const label = (p: SweepPointSummary) =>
    Object.entries(p.point)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ') || 'all';
  for (const p of s.points.length > 1 ? s.points : []) {
    lines.push(`  ${label(p)}: ${p.replicas.length - p.failed}/${p.replicas.length} passed`);
    for (const m of shown) lines.push(statsLine(m, p.metrics[m]));
  }
  lines.push(`  across all ${s.replicas.length} replicas:`);
  for (const m of shown) lines.push(statsLine(m, s.aggregate[m]));
  if (s.assertions.length > 0) lines.push('  assertions (replicas passed / run):');
  for (const a of s.assertions)
    lines.push(`  ${a.failed === 0 ? 'PASS' : 'FAIL'}  ${a.text}  (${a.passed}/${a.passed + a.failed})`);
  return `${lines.join('\n')}\n`;
}

function statsLine(metric: string, st: MetricStats | undefined): string {
  if (!st) return `    ${metric}: not produced`;
  return `    ${metric}: mean ${fmt(st.mean)}  min ${fmt(st.min)}  max ${fmt(st.max)}  stddev ${fmt(st.stddev)}  p50 ${fmt(st.p50)}  (n ${st.n})`;
}
