/**
 * compare.html: one page that puts a simulated and a live run of the same scenario side by side:
 * lookup success, the hop distribution, latency CDFs and messages per lookup, with the
 * differences stated in words. Self-contained like report.html (inline CSS and SVG, no script).
 */
import type { RunSummary } from '../runner/summary.js';
import { type Chart, COLORS, HALF_H, HALF_W, latencyAxes } from './charts-dist.js';
import { escapeHtml, fmtNumber, fmtPercent, fmtTick } from './format.js';
import { figure, htmlPage } from './html.js';
import type { LookupRecord, RunRecords } from './records.js';
import { linearScale } from './scale.js';
import { hopHistogram, latencyCdf } from './series.js';
import { Plot } from './svg.js';

export interface Side {
  summary: RunSummary;
  records: RunRecords;
}

export interface Difference {
  what: string;
  sim: number | null;
  live: number | null;
  /** The difference in words. */
  text: string;
  /** For the checks the comparison is held to; undefined for figures that are only reported. */
  holds?: boolean;
}

const LIVE_COLOR = '#d1495b';

function metric(s: RunSummary, k: string): number | null {
  const v = s.metrics[k];
  return v === undefined || v === null || Number.isNaN(v) ? null : v;
}

/** The differences between the two runs, the checks first. */
export function differences(sim: RunSummary, live: RunSummary, tolerancePp: number): Difference[] {
  const out: Difference[] = [];
  const sr = metric(sim, 'lookup.success_rate');
  const lr = metric(live, 'lookup.success_rate');
  if (sr !== null && lr !== null) {
    const pp = (lr - sr) * 100;
    const holds = Math.abs(pp) <= tolerancePp;
    out.push({
      what: 'lookup success rate',
      sim: sr,
      live: lr,
      holds,
      text: `${fmtPercent(sr)} simulated, ${fmtPercent(lr)} live: ${Math.abs(pp) < 0.005 ? 'the same' : `live ${Math.abs(pp).toFixed(2)} percentage points ${pp > 0 ? 'higher' : 'lower'}`} (${holds ? 'within' : 'more than'} ${tolerancePp} pp)`,
    });
  }
  const sh = metric(sim, 'lookup.hops.p50');
  const lh = metric(live, 'lookup.hops.p50');
  if (sh !== null || lh !== null)
    out.push({
      what: 'median hops',
      sim: sh,
      live: lh,
      holds: sh === lh,
      text:
        sh === lh
          ? `${fmtNumber(sh)} in both`
          : `${fmtNumber(sh)} simulated, ${fmtNumber(lh)} live: not equal`,
    });
  for (const [k, what, unit] of [
    ['lookup.hops.mean', 'mean hops', ''],
    ['lookup.ms.p50', 'median lookup latency', ' ms'],
    ['lookup.ms.p90', 'p90 lookup latency', ' ms'],
    ['lookup.queries.mean', 'messages (requests) per lookup', ''],
    ['veil.handshakes', 'Veil sessions opened', ''],
  ] as const) {
    const a = metric(sim, k);
    const b = metric(live, k);
    if (a === null && b === null) continue;
    let text = `${fmtNumber(a)}${unit} simulated, ${fmtNumber(b)}${unit} live`;
    if (a !== null && b !== null && a > 0) {
      const r = b / a;
      text +=
        Math.abs(r - 1) < 0.05
          ? ' (within 5%)'
          : `: live ${r >= 1 ? `${r.toFixed(2)}×` : `${(1 / r).toFixed(2)}× less than`} the simulator's`;
    }
    out.push({ what, sim: a, live: b, text });
  }
  return out;
}

function cdfChart(sim: readonly LookupRecord[], live: readonly LookupRecord[]): Chart {
  const id = 'cmp-latency';
  const title = 'Lookup latency (CDF), both backends';
  const a = latencyCdf(sim);
  const b = latencyCdf(live);
  if (a.found + b.found === 0)
    return { id, title, subtitle: '', body: Plot.empty(id, HALF_W, HALF_H, 'no lookup succeeded') };
  const p = new Plot(id, HALF_W, HALF_H);
  const xs = [...a.xs, ...b.xs];
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  latencyAxes(p, lo, hi);
  if (a.found > 0) p.line([a.xs[0]!, ...a.xs], [0, ...a.ys], COLORS.primary, { step: true, widthPx: 2.5 });
  if (b.found > 0) p.line([b.xs[0]!, ...b.xs], [0, ...b.ys], LIVE_COLOR, { step: true, widthPx: 2.5 });
  p.legend([
    { label: `simulated (p50 ${fmtTick(Number(a.p50.toPrecision(3)))} ms)`, color: COLORS.primary },
    { label: `live (p50 ${fmtTick(Number(b.p50.toPrecision(3)))} ms)`, color: LIVE_COLOR },
  ]);
  return {
    id,
    title,
    subtitle: `found within x ms; each curve ends at its success rate (${fmtPercent(a.found / Math.max(1, a.total))} simulated, ${fmtPercent(b.found / Math.max(1, b.total))} live).`,
    body: p.render(title),
  };
}

function hopsChart(sim: readonly LookupRecord[], live: readonly LookupRecord[]): Chart {
  const id = 'cmp-hops';
  const title = 'Hops of successful lookups, both backends';
  const found = (l: readonly LookupRecord[]) => l.filter((x) => x.found);
  const a = hopHistogram(found(sim));
  const b = hopHistogram(found(live));
  const bars = Math.max(a.hops.length, b.hops.length);
  if (bars === 0)
    return { id, title, subtitle: '', body: Plot.empty(id, HALF_W, HALF_H, 'no lookup succeeded') };
  const fa = a.found.map((v) => v / Math.max(1, found(sim).length));
  const fb = b.found.map((v) => v / Math.max(1, found(live).length));
  const p = new Plot(id, HALF_W, HALF_H);
  p.x = {
    scale: linearScale([-0.5, bars - 0.5], p.xRange, { nice: false, ticks: Math.min(12, bars) }),
    label: 'hops',
    format: (v) => (Number.isInteger(v) ? String(v) : ''),
  };
  p.y = {
    scale: linearScale([0, 1], p.yRange),
    label: 'share of found lookups',
    format: (v) => `${Math.round(v * 100)}%`,
  };
  for (let h = 0; h < bars; h++) {
    const x = fa[h] ?? 0;
    const y = fb[h] ?? 0;
    if (x > 0) p.rect(h - 0.4, h, 0, x, COLORS.primary, `${h} hops: ${fmtPercent(x)} simulated`);
    if (y > 0) p.rect(h, h + 0.4, 0, y, LIVE_COLOR, `${h} hops: ${fmtPercent(y)} live`);
  }
  p.legend([
    { label: 'simulated', color: COLORS.primary, swatch: 'box' },
    { label: 'live', color: LIVE_COLOR, swatch: 'box' },
  ]);
  return {
    id,
    title,
    subtitle: "share of each backend's successful lookups that took h hops.",
    body: p.render(title),
  };
}

function sideFacts(name: string, s: RunSummary, dir: string): string {
  const mode = s.live ? ` (${s.live.mode})` : '';
  return `<tr><td>${escapeHtml(name)}${escapeHtml(mode)}</td><td class="num">${fmtNumber(s.nodes)}</td><td class="num">${fmtNumber(Math.round(s.wallMs / 100) / 10)} s</td><td class="num">${fmtNumber(s.peakRssMb)} MB</td><td>${s.passed ? 'all assertions hold' : 'an assertion failed'}</td><td><a href="${escapeHtml(dir)}/report.html">${escapeHtml(dir)}/report.html</a></td></tr>`;
}

export function renderCompare(sim: Side, live: Side, diffs: Difference[], tolerancePp: number): string {
  const s = sim.summary;
  const checks = diffs.filter((d) => d.holds !== undefined);
  const verdict = checks.every((d) => d.holds);
  const rows = diffs.map(
    (d) =>
      `<tr class="${d.holds === false ? 'fail' : ''}"><td>${escapeHtml(d.what)}</td><td class="num">${escapeHtml(fmtNumber(d.sim))}</td><td class="num">${escapeHtml(fmtNumber(d.live))}</td><td>${escapeHtml(d.text)}${d.holds === undefined ? '' : d.holds ? ' ✔' : ' ✘'}</td></tr>`,
  );
  const charts = [
    cdfChart(sim.records.lookups, live.records.lookups),
    hopsChart(sim.records.lookups, live.records.lookups),
  ];
  return htmlPage(
    `Valhalla compare: ${s.scenario} (seed ${s.seed})`,
    `<header class="run">
<h1>${escapeHtml(s.scenario)}: simulator versus live <span class="verdict ${verdict ? 'pass' : 'fail'}">${verdict ? 'AGREE' : 'DIFFER'}</span></h1>
<p>The same scenario file (${escapeHtml(s.file)}, seed ${s.seed}) run on the simulator and on real processes. The backends agree when lookup success is within ${tolerancePp} percentage points and the median hop count is equal.</p>
<table><thead><tr><th>backend</th><th>nodes</th><th>wall time</th><th>peak memory</th><th>assertions</th><th>full report</th></tr></thead><tbody>
${sideFacts('simulator', s, 'sim')}
${sideFacts('live', live.summary, 'live')}
</tbody></table>
</header>
<h2>Differences</h2>
<section><table><thead><tr><th>figure</th><th>simulated</th><th>live</th><th>difference</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></section>
<h2>Charts</h2>
<div class="charts">
${charts.map(figure).join('\n')}
</div>
<footer>Each side's summary.json, Arrow tables and report.html are in sim/ and live/ beside this file; compare.json holds both summaries and these differences.</footer>`,
  );
}
