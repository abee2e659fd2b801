/**
 * Reductions from the run's records to what the charts draw: a latency CDF, a hop histogram,
 * per-window success rates, per-metric sample series, per-kind traffic. Each bounds its output
 * (a few hundred to a few thousand points) whatever the input size, so a million lookups make a
 * report of the same size as a thousand.
 */

import { quantile } from '../runner/stats.js';
import type { FaultRecord, LookupRecord, MessageRecord, SampleRecord } from './records.js';

export interface LatencyCdf {
  xs: Float64Array; // latency, ms
  ys: Float64Array; // fraction of *all* lookups found within xs[i]
  total: number;
  found: number; // found lookups with a latency (the ones the curve counts)
  p50: number;
  p90: number;
  p99: number;
}

/**
 * The CDF of found lookups' latency over all lookups: the curve tops out at the success rate, so
 * one line shows both how fast lookups are and how many never finish.
 */
export function latencyCdf(lookups: readonly LookupRecord[], maxPoints = 800): LatencyCdf {
  const ms = new Float64Array(lookups.length);
  let n = 0;
  for (const l of lookups) if (l.found && Number.isFinite(l.ms) && l.ms >= 0) ms[n++] = l.ms;
  const sorted = ms.subarray(0, n).sort();
  const count = Math.min(n, maxPoints);
  const xs = new Float64Array(count);
  const ys = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    // Evenly spaced ranks, always including the first and the last.
    const i = count === 1 ? n - 1 : Math.round((k * (n - 1)) / (count - 1));
    xs[k] = sorted[i]!;
    ys[k] = (i + 1) / lookups.length;
  }
  const q = (p: number): number => quantile(sorted, p);
  return { xs, ys, total: lookups.length, found: n, p50: q(0.5), p90: q(0.9), p99: q(0.99) };
}

export interface HopHistogram {
  hops: number[]; // bar positions; the last one collects everything >= it when `overflow`
  found: number[];
  failed: number[];
  overflow: boolean;
}

export function hopHistogram(lookups: readonly LookupRecord[], maxBars = 40): HopHistogram {
  let max = -1;
  for (const l of lookups) if (Number.isFinite(l.hops) && l.hops > max) max = l.hops;
  const bars = Math.min(max + 1, maxBars);
  const found = new Array<number>(Math.max(0, bars)).fill(0);
  const failed = new Array<number>(Math.max(0, bars)).fill(0);
  for (const l of lookups) {
    if (!Number.isFinite(l.hops) || l.hops < 0) continue;
    const b = Math.min(Math.trunc(l.hops), bars - 1);
    if (l.found) found[b]!++;
    else failed[b]!++;
  }
  return { hops: found.map((_, i) => i), found, failed, overflow: max + 1 > maxBars };
}

const WINDOW_STEPS_MS = [
  100, 200, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  1_800_000, 3_600_000,
];

/** A round window length that cuts `spanMs` into about `buckets` windows. */
export function chooseWindowMs(spanMs: number, buckets: number): number {
  const want = spanMs / Math.max(1, buckets);
  return WINDOW_STEPS_MS.find((w) => w >= want) ?? WINDOW_STEPS_MS[WINDOW_STEPS_MS.length - 1]!;
}

export interface WindowedRate {
  windowMs: number;
  mids: Float64Array; // window centres, ms
  rate: Float64Array; // found / issued, NaN for a window with no lookups (drawn as a gap)
  issued: Int32Array;
}

/**
 * Success rate per window of issue time. The window is chosen so the average window holds at least
 * ~20 lookups (a rate over 3 lookups is noise) and the run has at most ~120 windows, unless given
 * (a subset drawn beside the whole uses the whole's windows).
 */
export function successOverTime(
  lookups: readonly LookupRecord[],
  endMs: number,
  windowMsGiven?: number,
): WindowedRate {
  const buckets = Math.max(1, Math.min(120, Math.floor(lookups.length / 20)));
  const windowMs = windowMsGiven ?? chooseWindowMs(endMs, buckets);
  const count = Math.max(1, Math.ceil(endMs / windowMs));
  const issued = new Int32Array(count);
  const found = new Int32Array(count);
  for (const l of lookups) {
    if (!Number.isFinite(l.tMs)) continue;
    const w = Math.min(count - 1, Math.max(0, Math.floor(l.tMs / windowMs)));
    issued[w]!++;
    if (l.found) found[w]!++;
  }
  const mids = new Float64Array(count);
  const rate = new Float64Array(count);
  for (let w = 0; w < count; w++) {
    mids[w] = (w + 0.5) * windowMs;
    rate[w] = issued[w]! > 0 ? found[w]! / issued[w]! : Number.NaN;
  }
  return { windowMs, mids, rate, issued };
}

export interface Series {
  name: string;
  ts: Float64Array;
  vs: Float64Array;
}

/** Mean per bucket of time when a series has more points than a chart has pixels to show. */
function thin(ts: number[], vs: number[], maxPoints: number): { ts: Float64Array; vs: Float64Array } {
  if (ts.length <= maxPoints) return { ts: Float64Array.from(ts), vs: Float64Array.from(vs) };
  const t0 = ts[0]!;
  const span = ts[ts.length - 1]! - t0 || 1;
  const sumT = new Float64Array(maxPoints);
  const sumV = new Float64Array(maxPoints);
  const n = new Int32Array(maxPoints);
  for (let i = 0; i < ts.length; i++) {
    if (Number.isNaN(vs[i]!)) continue;
    const b = Math.min(maxPoints - 1, Math.floor(((ts[i]! - t0) / span) * maxPoints));
    sumT[b]! += ts[i]!;
    sumV[b]! += vs[i]!;
    n[b]!++;
  }
  const outT: number[] = [];
  const outV: number[] = [];
  for (let b = 0; b < maxPoints; b++) {
    if (n[b] === 0) continue;
    outT.push(sumT[b]! / n[b]!);
    outV.push(sumV[b]! / n[b]!);
  }
  return { ts: Float64Array.from(outT), vs: Float64Array.from(outV) };
}

/** One time-ordered series per sample metric, metrics in name order (stable across runs). */
export function samplesByMetric(samples: readonly SampleRecord[], maxPoints = 1000): Series[] {
  const byMetric = new Map<string, SampleRecord[]>();
  for (const s of samples) {
    let list = byMetric.get(s.metric);
    if (!list) {
      list = [];
      byMetric.set(s.metric, list);
    }
    list.push(s);
  }
  return [...byMetric.keys()].sort().map((name) => {
    const rows = byMetric
      .get(name)!
      .slice()
      .sort((a, b) => a.tMs - b.tMs);
    const { ts, vs } = thin(
      rows.map((r) => r.tMs),
      rows.map((r) => r.value),
      maxPoints,
    );
    return { name, ts, vs };
  });
}

export interface Traffic {
  windowMs: number; // inferred from the spacing of the records' window starts
  kinds: { kind: string; ts: Float64Array; counts: Float64Array; bytes: Float64Array; total: number }[];
}

/** Messages and bytes per window for the `top` busiest kinds; the rest are summed as "other". */
export function trafficByKind(messages: readonly MessageRecord[], top = 7): Traffic {
  const starts = [...new Set(messages.map((m) => m.tMs))].sort((a, b) => a - b);
  let windowMs = Number.POSITIVE_INFINITY;
  for (let i = 1; i < starts.length; i++) windowMs = Math.min(windowMs, starts[i]! - starts[i - 1]!);
  if (!Number.isFinite(windowMs)) windowMs = 0;
  const totals = new Map<string, number>();
  for (const m of messages) totals.set(m.kind, (totals.get(m.kind) ?? 0) + m.count);
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const kept = new Set(ranked.slice(0, ranked.length > top + 1 ? top : top + 1).map(([k]) => k));
  const slot = new Map(starts.map((t, i) => [t, i]));
  const kinds = new Map<string, { counts: Float64Array; bytes: Float64Array; total: number }>();
  for (const m of messages) {
    const kind = kept.has(m.kind) ? m.kind : 'other';
    let k = kinds.get(kind);
    if (!k) {
      k = { counts: new Float64Array(starts.length), bytes: new Float64Array(starts.length), total: 0 };
      kinds.set(kind, k);
    }
    const i = slot.get(m.tMs)!;
    k.counts[i]! += Number.isFinite(m.count) ? m.count : 0;
    k.bytes[i]! += Number.isFinite(m.bytes) ? m.bytes : 0;
    k.total += Number.isFinite(m.count) ? m.count : 0;
  }
  const ts = Float64Array.from(starts, (t) => t + windowMs / 2);
  const order = [...kinds.entries()].sort((a, b) =>
    a[0] === 'other' ? 1 : b[0] === 'other' ? -1 : b[1].total - a[1].total,
  );
  return { windowMs, kinds: order.map(([kind, v]) => ({ kind, ts, ...v })) };
}

export interface Span {
  fromMs: number;
  toMs: number;
  label: string;
}

/** Partition intervals: each partition runs until the next heal (or the end of the run). */
export function partitionSpans(faults: readonly FaultRecord[], endMs: number): Span[] {
  const sorted = faults.slice().sort((a, b) => a.tMs - b.tMs);
  const spans: Span[] = [];
  for (const [i, f] of sorted.entries()) {
    if (f.kind !== 'partition') continue;
    const heal = sorted.slice(i + 1).find((g) => g.kind === 'heal');
    spans.push({ fromMs: f.tMs, toMs: heal?.tMs ?? endMs, label: `partition ${f.target}` });
  }
  return spans;
}
