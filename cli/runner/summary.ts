import type { MachineInfo } from '../../bench/machine.js';
import type { AssertionResult } from './assertions.js';
import type { WorkerStats } from './sim-run.js';

/** What `valhalla run` reports. With --json this object is the only thing on stdout. */
export interface RunSummary {
  scenario: string;
  file: string;
  seed: number;
  /** The effective --set overrides (and a sweep replica's grid values): dotted path → value. */
  overrides?: Record<string, unknown>;
  backend: 'sim' | 'live';
  traceHash: string;
  events: number;
  virtualTimeMs: number;
  wallMs: number;
  peakRssMb: number;
  nodes: number;
  versions: { valhalla: string; node: string };
  /** What the run was measured on (wall time and memory depend on it). */
  machine: MachineInfo;
  metrics: Record<string, number | null>;
  assertions: AssertionResult[];
  passed: boolean;
  /** The command that reproduces this run. */
  reproduce: string;
  /** Simulator runs: how each worker thread spent its time (--workers N gives N entries). */
  workers?: WorkerStats[];
  /** Live runs only: how the nodes ran. */
  live?: LiveFacts;
}

/** What only a live run has: where the processes ran and what they cost. */
export interface LiveFacts {
  /** netns: a network namespace per node on a bridge; loopback: every node on 127.0.0.1. */
  mode: 'netns' | 'loopback';
  runId: string;
  /** Wall time to create the namespaces and start the processes, before the timeline. */
  setupMs: number;
  /** The most nodes this machine could hold at the start, and why. */
  capacity: { limit: number; why: string };
  /** Leftovers of earlier runs found at the start (removed only with --clean). */
  leftovers: string[];
}

function fmt(v: number | null): string {
  if (v === null || Number.isNaN(v)) return 'n/a';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) < 10 ? 3 : 1 });
}

/** The readable form, for a terminal (stderr). */
export function formatSummary(s: RunSummary): string {
  const lines = [
    `scenario ${s.scenario} (${s.file}), seed ${s.seed}, backend ${s.backend}${s.live ? ` (${s.live.mode})` : ''}`,
    ...(Object.keys(s.overrides ?? {}).length > 0
      ? [
          `  overrides: ${Object.entries(s.overrides ?? {})
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(', ')}`,
        ]
      : []),
    `  ${s.nodes} nodes, ${fmt(s.virtualTimeMs / 1000)} s of virtual time in ${fmt(s.wallMs / 1000)} s of wall time, ${fmt(s.events)} events, peak RSS ${fmt(s.peakRssMb)} MB`,
  ];
  const keys = Object.keys(s.metrics).sort();
  const width = Math.max(...keys.map((k) => k.length), 10);
  for (const k of keys) lines.push(`  ${k.padEnd(width)}  ${fmt(s.metrics[k]!)}`);
  if (s.assertions.length > 0) lines.push('  assertions:');
  const aw = Math.max(...s.assertions.map((a) => a.text.length), 10);
  for (const a of s.assertions)
    lines.push(`  ${a.pass ? 'PASS' : 'FAIL'}  ${a.text.padEnd(aw)}  (${fmt(a.value)})`);
  if (s.live)
    lines.push(
      `  live mode ${s.live.mode}, run ${s.live.runId}, set-up ${fmt(s.live.setupMs / 1000)} s, peak RSS is the node processes' sum (capacity here: ${s.live.capacity.limit} nodes)`,
    );
  else lines.push(`  traceHash ${s.traceHash}  (same scenario + same seed = same hash)`);
  if (!s.passed) lines.push(`  reproduce: ${s.reproduce}`);
  return `${lines.join('\n')}\n`;
}
