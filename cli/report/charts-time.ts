/**
 * The time charts: lookup success rate, sampled metrics (routing-table health, nodes alive) and
 * traffic, each over the run's whole virtual time with the fault events marked, so a partition's
 * dip and its recovery line up across charts.
 */

import { type Chart, COLORS } from './charts-dist.js';
import { drawEvents, labelRowsNeeded } from './events.js';
import { escapeHtml, fmtDuration, fmtNumber, fmtTick } from './format.js';
import { LABEL_ROW_PX } from './layout.js';
import type { FaultRecord, LookupRecord, MessageRecord, SampleRecord } from './records.js';
import { linearScale } from './scale.js';
import { type Series, samplesByMetric, successOverTime, trafficByKind } from './series.js';
import { type Axis, Plot } from './svg.js';

const WIDE_W = 1200;
const CUT_COLORS = { across: '#d1495b', same: '#3a8d5c' };
const PALETTE = ['#2f6db3', '#e07b39', '#3a8d5c', '#8a4fb0', '#c9a227', '#17a2b8', '#d1495b', '#7f7f7f'];

function timeAxis(plot: Plot, endMs: number): Axis {
  // The exact run length (not widened to a round number) so every time chart has the same x axis.
  const scale = linearScale([0, endMs], plot.xRange, { nice: false, ticks: Math.round(plot.width / 110) });
  return { scale, label: 'virtual time (s)', format: (v) => fmtTick(v / 1000) };
}

export function successChart(
  lookups: readonly LookupRecord[],
  samples: readonly SampleRecord[],
  faults: readonly FaultRecord[],
  endMs: number,
): Chart {
  const id = 'success-over-time';
  const title = 'Lookup success rate over time';
  let xs: ArrayLike<number>;
  let ys: ArrayLike<number>;
  let subtitle: string;
  // With a partition: lookups across the cut and on one side of it, as their own lines.
  const classes: { label: string; color: string; xs: ArrayLike<number>; ys: ArrayLike<number> }[] = [];
  if (lookups.length > 0) {
    const w = successOverTime(lookups, endMs);
    xs = w.mids;
    ys = w.rate;
    subtitle = `found / issued per ${fmtDuration(w.windowMs)} window of issue time, ${fmtNumber(lookups.length)} lookups; shaded: partitioned.`;
    const across = lookups.filter((l) => l.acrossCut === true);
    const same = lookups.filter((l) => l.acrossCut === false);
    if (across.length > 0) {
      for (const [label, color, subset] of [
        ['across the cut', CUT_COLORS.across, across],
        ['same side', CUT_COLORS.same, same],
      ] as const) {
        const s = successOverTime(subset, endMs, w.windowMs);
        classes.push({ label: `${label} (${fmtNumber(subset.length)})`, color, xs: s.mids, ys: s.rate });
      }
      subtitle +=
        ' Lookups across the cut: issuer and target on opposite sides of the partition (also before it and after the heal).';
    }
  } else {
    // No per-lookup records: fall back to a success-rate metric the run sampled, if any.
    const s = samplesByMetric(samples).find((m) => m.name.endsWith('success_rate'));
    if (!s)
      return {
        id,
        title,
        subtitle: '',
        wide: true,
        body: Plot.empty(id, WIDE_W, 320, 'no lookups recorded'),
      };
    xs = s.ts;
    ys = s.vs;
    subtitle = `sampled metric ${s.name}; shaded: partitioned.`;
  }
  // The x axis does not depend on the top margin, so a first frame tells how many label rows to reserve.
  const probe = new Plot(id, WIDE_W, 340);
  const rows = labelRowsNeeded(faults, timeAxis(probe, endMs).scale, probe.right);
  const p = new Plot(id, WIDE_W, 340 + rows * LABEL_ROW_PX, { labelRows: rows });
  p.x = timeAxis(p, endMs);
  p.y = {
    scale: linearScale([0, 1], p.yRange),
    label: 'lookups found',
    format: (v) => `${Math.round(v * 100)}%`,
  };
  const legend = drawEvents(p, faults, endMs, true);
  for (const c of classes) p.line(c.xs, c.ys, c.color, { widthPx: 1.8, dash: c.color === CUT_COLORS.same });
  p.line(xs, ys, COLORS.primary, { widthPx: 2.5 });
  if (xs.length <= 150) p.dots(xs, ys, COLORS.primary);
  for (const c of classes) if (c.xs.length <= 150) p.dots(c.xs, c.ys, c.color, 2);
  p.legend([
    { label: classes.length > 0 ? 'all lookups' : 'success rate', color: COLORS.primary },
    ...classes.map((c) => ({ label: c.label, color: c.color, dash: c.color === CUT_COLORS.same })),
    ...legend,
  ]);
  return { id, title, subtitle, wide: true, body: p.render(title) };
}

function metricPlot(s: Series, index: number, faults: readonly FaultRecord[], endMs: number): string {
  const p = new Plot(`metric-${index}`, 390, 210, { top: 12, left: 56, bottom: 40 });
  p.x = timeAxis(p, endMs);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let integer = true;
  for (const v of s.vs) {
    if (Number.isNaN(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    integer &&= Number.isInteger(v);
  }
  // Counts and sizes read against zero; start there unless the values sit far above it.
  if (lo >= 0 && lo < hi * 0.5) lo = 0;
  p.y = { scale: linearScale([lo, hi], p.yRange, { ticks: 4, integer }), label: '' };
  drawEvents(p, faults, endMs, false);
  p.line(s.ts, s.vs, PALETTE[0]!, { widthPx: 2 });
  if (s.ts.length <= 60) p.dots(s.ts, s.vs, PALETTE[0]!);
  return p.render(s.name);
}

/** One small chart per sampled metric, sharing the time axis. */
export function healthCharts(
  samples: readonly SampleRecord[],
  faults: readonly FaultRecord[],
  endMs: number,
): Chart {
  const id = 'samples';
  const title = 'Sampled metrics over time (routing-table health, nodes alive)';
  const series = samplesByMetric(samples);
  if (series.length === 0)
    return { id, title, subtitle: '', wide: true, body: Plot.empty(id, WIDE_W, 200, 'no samples recorded') };
  const cells = series.map(
    (s, i) =>
      `<div class="multiple"><div class="mtitle">${escapeHtml(s.name)}</div>${metricPlot(s, i, faults, endMs)}</div>`,
  );
  const subtitle = `${series.length} metric${series.length === 1 ? '' : 's'}; dashed lines: fault events, shaded: partitioned.`;
  return { id, title, subtitle, wide: true, body: `<div class="multiples">${cells.join('\n')}</div>` };
}

/** Messages and bytes per window, one line per message kind. */
export function trafficCharts(
  messages: readonly MessageRecord[],
  faults: readonly FaultRecord[],
  endMs: number,
): Chart[] {
  if (messages.length === 0) {
    const body = Plot.empty('traffic', WIDE_W, 200, 'no messages recorded');
    return [{ id: 'traffic', title: 'Messages over time', subtitle: '', wide: true, body }];
  }
  const t = trafficByKind(messages);
  const per = t.windowMs > 0 ? ` per ${fmtDuration(t.windowMs)} window` : '';
  const draw = (id: string, title: string, pick: 'counts' | 'bytes', yLabel: string): Chart => {
    const p = new Plot(id, WIDE_W, 280);
    p.x = timeAxis(p, endMs);
    let hi = 0;
    for (const k of t.kinds) for (const v of k[pick]) hi = Math.max(hi, v);
    p.y = { scale: linearScale([0, hi], p.yRange, { ticks: 4 }), label: yLabel };
    const events = drawEvents(p, faults, endMs, false);
    t.kinds.forEach((k, i) => {
      const color = PALETTE[i % PALETTE.length]!;
      p.line(k.ts, k[pick], color, { widthPx: 1.8 });
      if (k.ts.length <= 60) p.dots(k.ts, k[pick], color, 2);
    });
    p.legend([...t.kinds.map((k, i) => ({ label: k.kind, color: PALETTE[i % PALETTE.length]! })), ...events]);
    return { id, title, subtitle: `${yLabel}${per}, by message kind.`, wide: true, body: p.render(title) };
  };
  return [
    draw('messages', 'Messages over time', 'counts', 'messages'),
    draw('bytes', 'Bytes over time', 'bytes', 'bytes'),
  ];
}
