/**
 * The distribution charts: lookup latency as a CDF and lookup hops as a histogram.
 */

import { fmtNumber, fmtPercent, fmtTick } from './format.js';
import type { LookupRecord } from './records.js';
import { linearScale, logScale } from './scale.js';
import { hopHistogram, latencyCdf } from './series.js';
import { type Axis, Plot } from './svg.js';

/** What html.ts lays out: a titled figure around one or more SVGs. */
export interface Chart {
  id: string;
  title: string;
  subtitle: string;
  body: string; // SVG markup (one <svg>, or a grid of them for small multiples)
  wide?: boolean; // spans the page width (time charts, so their x-axes line up)
}

export const COLORS = {
  primary: '#2f6db3',
  found: '#2f6db3',
  failed: '#d1495b',
  p50: '#3a8d5c',
  p90: '#c97b12',
  p99: '#8a4fb0',
};

export const HALF_W = 590;
export const HALF_H = 330;

/** Axes of a latency CDF from lo to hi ms. */
export function latencyAxes(p: Plot, lo: number, hi: number): Axis {
  // Latencies spread over decades (fast local hits, slow timeouts) read better on a log axis.
  const useLog = lo > 0 && hi / lo >= 30;
  p.x = {
    scale: useLog ? logScale([lo, hi], p.xRange) : linearScale([0, hi], p.xRange, { ticks: 6 }),
    label: `latency (ms${useLog ? ', log scale' : ''})`,
  };
  p.y = {
    scale: linearScale([0, 1], p.yRange),
    label: 'fraction of lookups',
    format: (v) => `${Math.round(v * 100)}%`,
  };
  return p.x;
}

export function latencyChart(lookups: readonly LookupRecord[]): Chart {
  const id = 'latency-cdf';
  const title = 'Lookup latency (CDF)';
  const cdf = latencyCdf(lookups);
  if (cdf.found === 0) {
    const msg = lookups.length === 0 ? 'no lookups recorded' : 'no lookup succeeded';
    return { id, title, subtitle: '', body: Plot.empty(id, HALF_W, HALF_H, msg) };
  }
  // p50, p90 and p99 each get a label row above the plot, clear of the curve.
  const p = new Plot(id, HALF_W, HALF_H, { labelRows: 3 });
  const lo = cdf.xs[0]!;
  const hi = cdf.xs[cdf.xs.length - 1]!;
  const x = latencyAxes(p, lo, hi);
  const success = cdf.found / cdf.total;
  p.line([x.scale.domain[0], x.scale.domain[1]], [success, success], '#999', { widthPx: 1, dash: true });
  // At the left end, where the curve is still low, the label cannot collide with it or with the
  // percentile labels at the top.
  p.note(x.scale.domain[0], success, `found ${fmtPercent(success)}`, '#666', 'start');
  const marks: [string, number, string][] = [
    ['p50', cdf.p50, COLORS.p50],
    ['p90', cdf.p90, COLORS.p90],
    ['p99', cdf.p99, COLORS.p99],
  ];
  for (const [row, [name, v, color]] of marks.entries()) {
    const label = `${name} ${fmtTick(Number(v.toPrecision(3)))} ms`;
    p.vline(v, color, { dash: true, label, labelRow: row });
  }
  p.line([cdf.xs[0]!, ...cdf.xs], [0, ...cdf.ys], COLORS.primary, { step: true, widthPx: 2.5 });
  p.legend([
    { label: 'found within x ms', color: COLORS.primary },
    { label: 'success rate', color: '#999', dash: true },
  ]);
  const subtitle = `${fmtNumber(cdf.total)} lookups, ${fmtNumber(cdf.found)} found; the curve ends at the success rate.`;
  return { id, title, subtitle, body: p.render(title) };
}

export function hopsChart(lookups: readonly LookupRecord[]): Chart {
  const id = 'hops';
  const title = 'Lookup hops';
  const h = hopHistogram(lookups);
  if (h.hops.length === 0)
    return { id, title, subtitle: '', body: Plot.empty(id, HALF_W, HALF_H, 'no lookups recorded') };
  const p = new Plot(id, HALF_W, HALF_H);
  const top = Math.max(...h.found.map((f, i) => f + h.failed[i]!));
  const last = h.hops.length - 1;
  p.x = {
    scale: linearScale([-0.5, last + 0.5], p.xRange, { nice: false, ticks: Math.min(12, h.hops.length) }),
    label: 'hops',
    // Bars sit on integers; the half-step ticks a linear scale might pick would label gaps.
    format: (v) => (Number.isInteger(v) ? (h.overflow && v === last ? `≥${v}` : String(v)) : ''),
  };
  p.y = { scale: linearScale([0, top], p.yRange), label: 'lookups' };
  const total = lookups.length;
  for (const [i, hop] of h.hops.entries()) {
    const f = h.found[i]!;
    const x = h.failed[i]!;
    const label = `${h.overflow && i === last ? '≥' : ''}${hop} hops`;
    if (f > 0)
      p.rect(
        hop - 0.4,
        hop + 0.4,
        0,
        f,
        COLORS.found,
        `${label}: ${fmtNumber(f)} found (${fmtPercent(f / total)})`,
      );
    if (x > 0) p.rect(hop - 0.4, hop + 0.4, f, f + x, COLORS.failed, `${label}: ${fmtNumber(x)} failed`);
  }
  const failed = h.failed.reduce((a, b) => a + b, 0);
  p.legend([
    { label: 'found', color: COLORS.found, swatch: 'box' },
    { label: 'failed', color: COLORS.failed, swatch: 'box' },
  ]);
  const subtitle = `hops each lookup took (stacked: found, failed); ${fmtNumber(failed)} of ${fmtNumber(total)} failed.`;
  return { id, title, subtitle, body: p.render(title) };
}
