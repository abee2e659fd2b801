/**
 * The sweep's report.html (DIR/report.html beside sweep.json): verdicts per assertion, a table of
 * the metrics aggregated per grid point, and for each asserted metric a chart of its value across
 * the swept parameter (every replica a dot, the mean a line, min..max a whisker). Like a run's
 * report it is one self-contained file with inline SVG, no script, and the same bytes for the same
 * sweep summary; each replica's own report is linked (replica-<n>/report.html).
 */

import type { MetricStats, SweepPointSummary, SweepSummary } from '../runner/aggregate.js';
import { escapeHtml, fmtDuration, fmtNumber } from './format.js';
import { htmlPage } from './html.js';
import { linearScale } from './scale.js';
import { Plot } from './svg.js';

const PALETTE = ['#2f6db3', '#e07b39', '#3a8d5c', '#8a4fb0', '#c9a227', '#17a2b8', '#d1495b', '#7f7f7f'];
const MAX_CHARTS = 8;

function badge(passed: boolean, text = passed ? 'PASS' : 'FAIL'): string {
  return `<span class="verdict ${passed ? 'pass' : 'fail'}">${escapeHtml(text)}</span>`;
}

function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function pointLabel(point: Record<string, unknown>): string {
  const parts = Object.entries(point).map(([k, v]) => `${k}=${valueText(v)}`);
  return parts.length > 0 ? parts.join(', ') : 'all replicas';
}

/** The metrics worth a chart: the asserted ones, else the usual headline metrics the run has. */
export function chartMetrics(s: SweepSummary): string[] {
  const asserted = [...new Set(s.assertions.map((a) => a.metric))];
  const fallback = ['lookup.success_rate', 'lookup.hops.p50', 'lookup.ms.p50', 'ping.success_rate'];
  const chosen = asserted.length > 0 ? asserted : fallback.filter((m) => m in s.aggregate);
  return chosen.slice(0, MAX_CHARTS);
}

function header(s: SweepSummary): string {
  const grid = s.parameters.map((p) => `${p.path} ∈ {${p.values.map(valueText).join(', ')}}`).join(' × ');
  const seeds =
    s.seeds.length > 3 && s.seeds.every((v, i) => i === 0 || v === s.seeds[i - 1]! + 1)
      ? `${s.seeds[0]}..${s.seeds[s.seeds.length - 1]}`
      : s.seeds.join(', ');
  const facts: [string, string][] = [
    ['file', s.file],
    ['replicas', `${s.replicas.length} (${s.replicas.length - s.failedReplicas.length} passed)`],
    ['seeds', seeds],
    ['grid', grid || 'none (seeds only)'],
    [
      '--set',
      Object.entries(s.overrides)
        .map(([k, v]) => `${k}=${valueText(v)}`)
        .join(', ') || 'none',
    ],
    ['in parallel', String(s.parallel)],
    ['wall time', fmtDuration(s.wallMs)],
    ['peak memory (RSS, all replicas)', `${fmtNumber(s.peakRssMb)} MB`],
    ['valhalla', s.versions.valhalla],
    ['node', s.versions.node],
  ];
  const dl = facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('');
  return `<header class="run"><h1>sweep: ${escapeHtml(s.scenario)} ${badge(s.passed)}</h1><dl class="facts">${dl}</dl></header>`;
}

function assertionsTable(s: SweepSummary): string {
  if (s.assertions.length === 0)
    return '<section><p class="empty">This scenario makes no assertions.</p></section>';
  const rows = s.assertions.map((a) => {
    const failed = a.failedReplicas.map((i) => `<a href="replica-${i}/report.html">${i}</a>`).join(', ');
    return `<tr class="${a.failed === 0 ? 'pass' : 'fail'}"><td>${badge(a.failed === 0)}</td><td><code>${escapeHtml(a.text)}</code></td><td class="num">${a.passed} / ${a.passed + a.failed}</td><td>${failed || '—'}</td></tr>`;
  });
  return `<section><table><thead><tr><th>verdict</th><th>assertion</th><th class="num">replicas passed</th><th>failed replicas</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></section>`;
}

function statsCells(st: MetricStats | undefined): string {
  if (!st || st.n === 0)
    return '<td class="num">n/a</td><td class="num"></td><td class="num"></td><td class="num"></td>';
  return `<td class="num">${fmtNumber(st.mean)}</td><td class="num">${fmtNumber(st.stddev)}</td><td class="num">${fmtNumber(st.min)} – ${fmtNumber(st.max)}</td><td class="num">${fmtNumber(st.p50)}</td>`;
}

function aggregateTable(s: SweepSummary, metrics: string[]): string {
  const rows: string[] = [];
  const points = s.points.length > 1 ? s.points : [];
  for (const m of metrics) {
    for (const p of points)
      rows.push(
        `<tr><td><code>${escapeHtml(m)}</code></td><td>${escapeHtml(pointLabel(p.point))}</td><td class="num">${p.metrics[m]?.n ?? 0}</td>${statsCells(p.metrics[m])}</tr>`,
      );
    rows.push(
      `<tr><td><code>${escapeHtml(m)}</code></td><td><b>all replicas</b></td><td class="num">${s.aggregate[m]?.n ?? 0}</td>${statsCells(s.aggregate[m])}</tr>`,
    );
  }
  return `<section><table><thead><tr><th>metric</th><th>grid point</th><th class="num">n</th><th class="num">mean</th><th class="num">stddev</th><th class="num">min – max</th><th class="num">p50</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></section>`;
}

/**
 * The x axis of the charts: the first swept parameter (numeric values on a linear axis, others
 * evenly spaced in the order written), or the seed when only seeds are swept. Further parameters
 * become one line each.
 */
function xAxisOf(s: SweepSummary): {
  name: string;
  of: (r: SweepSummary['replicas'][number]) => unknown;
  values: unknown[];
} {
  const first = s.parameters[0];
  if (first) return { name: first.path, of: (r) => r.point[first.path], values: first.values };
  return { name: 'seed', of: (r) => r.seed, values: s.seeds };
}

function metricChart(s: SweepSummary, metric: string, index: number): string {
  const axis = xAxisOf(s);
  const numeric = axis.values.every((v) => typeof v === 'number');
  const pos = (v: unknown): number =>
    numeric
      ? (v as number)
      : axis.values.findIndex((x) => x === v || JSON.stringify(x) === JSON.stringify(v));
  const p = new Plot(`sweep-${index}`, 590, 330);
  const xs = axis.values.map(pos);
  const xlo = Math.min(...xs);
  const xhi = Math.max(...xs);
  // A margin around the values, so the end dots are not cut in half by the frame.
  const pad = xhi > xlo ? (xhi - xlo) * 0.05 : 1;
  const integer = xs.every((x) => Number.isInteger(x));
  p.x = numeric
    ? {
        scale: linearScale([xlo - pad, xhi + pad], p.xRange, { ticks: 6, nice: false, integer }),
        label: axis.name,
      }
    : {
        scale: linearScale([-0.5, axis.values.length - 0.5], p.xRange, {
          nice: false,
          ticks: axis.values.length,
        }),
        label: axis.name,
        format: (v) => (Number.isInteger(v) && axis.values[v] !== undefined ? valueText(axis.values[v]) : ''),
      };
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of s.replicas) {
    const v = r.metrics[metric];
    if (typeof v === 'number') {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (!Number.isFinite(lo)) return Plot.empty(`sweep-${index}`, 590, 330, `no replica produced ${metric}`);
  const thresholds = s.assertions.flatMap((a) => {
    const m = a.metric === metric ? /(>=|<=|==|!=|>|<)\s*(-?[0-9.]+)\s*$/.exec(a.text) : null;
    return m ? [{ op: m[1]!, value: Number(m[2]) }] : [];
  });
  // The thresholds are in view, so a reader sees how far the replicas are from them.
  for (const t of thresholds) {
    lo = Math.min(lo, t.value);
    hi = Math.max(hi, t.value);
  }
  if (lo >= 0 && lo < hi * 0.5) lo = 0;
  const ypad = (hi - lo) * 0.04;
  p.y = {
    scale: linearScale([lo === 0 ? 0 : lo - ypad, hi + ypad], p.yRange, { ticks: 5, nice: false }),
    label: metric,
  };
  // One line per combination of the other parameters (the first is the x axis).
  const groups = new Map<string, SweepPointSummary[]>();
  for (const pt of s.points) {
    const rest = Object.entries(pt.point).filter(([k]) => k !== axis.name);
    const key = rest.map(([k, v]) => `${k}=${valueText(v)}`).join(', ');
    groups.set(key, [...(groups.get(key) ?? []), pt]);
  }
  const legend: { label: string; color: string }[] = [];
  [...groups.entries()].forEach(([key, pts], g) => {
    const color = PALETTE[g % PALETTE.length]!;
    const mx: number[] = [];
    const my: number[] = [];
    for (const pt of pts) {
      const st = pt.metrics[metric];
      const x = pos(s.parameters.length > 0 ? pt.point[axis.name] : undefined);
      if (s.parameters.length > 0 && st && st.n > 0 && st.min !== null && st.max !== null) {
        p.line([x, x], [st.min, st.max], color, { widthPx: 1 });
        mx.push(x);
        my.push(st.mean!);
      }
      const rx: number[] = [];
      const ry: number[] = [];
      for (const i of pt.replicas) {
        const r = s.replicas[i]!;
        const v = r.metrics[metric];
        if (typeof v !== 'number') continue;
        rx.push(pos(axis.of(r)));
        ry.push(v);
      }
      p.dots(rx, ry, color, 3);
    }
    if (mx.length > 0) {
      const order = mx.map((_, i) => i).sort((a, b) => mx[a]! - mx[b]!);
      p.line(
        order.map((i) => mx[i]!),
        order.map((i) => my[i]!),
        color,
        { widthPx: 2 },
      );
    }
    legend.push({
      label: key || (s.parameters.length > 0 ? 'mean (line), min..max, replicas' : 'replicas'),
      color,
    });
  });
  // Assertion thresholds on this metric, dashed.
  for (const t of thresholds) {
    p.line([p.x.scale.domain[0], p.x.scale.domain[1]], [t.value, t.value], '#c62828', {
      widthPx: 1,
      dash: true,
    });
    legend.push({ label: `${t.op} ${t.value}`, color: '#c62828' });
  }
  p.legend(legend.map((l) => ({ ...l, ...(l.color === '#c62828' ? { dash: true } : {}) })));
  return p.render(`${metric} across ${axis.name}`);
}

function chartsSection(s: SweepSummary, metrics: string[]): string {
  const axis = xAxisOf(s).name;
  const figs = metrics.map(
    (m, i) =>
      `<figure id="chart-sweep-${i}" class="chart"><figcaption><h3>${escapeHtml(m)} across ${escapeHtml(axis)}</h3><p>${
        s.parameters.length > 0
          ? 'dots: replicas (one per seed); line: mean per value; vertical bar: min..max; dashed: the assertion threshold.'
          : 'one dot per replica; dashed: the assertion threshold.'
      }</p></figcaption>${metricChart(s, m, i)}</figure>`,
  );
  return `<div class="charts">${figs.join('\n')}</div>`;
}

function replicasTable(s: SweepSummary, metrics: string[]): string {
  const head = metrics.map((m) => `<th class="num"><code>${escapeHtml(m)}</code></th>`).join('');
  const rows = s.replicas.map((r) => {
    const cells = metrics.map((m) => `<td class="num">${fmtNumber(r.metrics[m] ?? null)}</td>`).join('');
    const name =
      r.dir === undefined ? String(r.index) : `<a href="replica-${r.index}/report.html">${r.index}</a>`;
    return `<tr class="${r.passed ? 'pass' : 'fail'}"><td>${name}</td><td>${badge(r.passed)}</td><td class="num">${r.seed}</td><td>${escapeHtml(pointLabel(r.point))}</td>${cells}<td class="mono">${escapeHtml(r.traceHash)}</td><td><code>${escapeHtml(r.reproduce)}</code></td></tr>`;
  });
  return `<section><table><thead><tr><th>replica</th><th>verdict</th><th class="num">seed</th><th>grid point</th>${head}<th>traceHash</th><th>reproduce</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></section>`;
}

export function renderSweepReport(s: SweepSummary): string {
  const metrics = chartMetrics(s);
  return htmlPage(
    `Valhalla sweep: ${s.scenario} (${s.replicas.length} replicas)`,
    `${header(s)}
<h2>Assertions</h2>
${assertionsTable(s)}
<h2>Across the sweep</h2>
${chartsSection(s, metrics)}
<h2>Aggregates</h2>
${aggregateTable(s, metrics)}
<h2>Replicas</h2>
${replicasTable(s, metrics)}
<footer>Every metric of every replica, and its aggregates, are in sweep.json beside this file; each replica's own outputs are in replica-&lt;n&gt;/ (see docs/outputs.md).</footer>`,
  );
}
