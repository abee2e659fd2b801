/**
 * report.html: one self-contained page per run (inline CSS, inline SVG, no script, no fonts or
 * anything else fetched), so it opens offline, can be mailed or attached to an issue, and looks the
 * same in a year. A Content-Security-Policy forbids scripts and network loads outright, as a second
 * line behind the escaping of every piece of text that came from the scenario or the run.
 *
 * The page has no timestamp or random ids: the same run renders the same bytes.
 */

import type { RunSummary } from '../runner/summary.js';
import { type Chart, hopsChart, latencyChart } from './charts-dist.js';
import { healthCharts, successChart, trafficCharts } from './charts-time.js';
import { escapeHtml, fmtBytes, fmtDuration, fmtNumber } from './format.js';
import type { RunRecords } from './records.js';

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: #222; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", sans-serif; }
main { max-width: 1248px; margin: 0 auto; padding: 20px 16px 40px; }
h1 { font-size: 22px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 26px 0 10px; }
section, figure { background: #fff; border: 1px solid #dfe1e5; border-radius: 6px; }
header.run { padding: 16px 18px; background: #fff; border: 1px solid #dfe1e5; border-radius: 6px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; font-weight: 600; color: #fff; font-size: 13px; vertical-align: middle; }
.verdict.pass { background: #2e7d32; } .verdict.fail { background: #c62828; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(270px, 1fr)); gap: 4px 18px; margin: 12px 0 0; }
dl.facts div { display: flex; gap: 8px; min-width: 0; } dl.facts div.span2 { grid-column: span 2; }
dl.facts dt { color: #666; flex: none; } dl.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12.5px; }
pre.cmd { background: #f6f8fa; border: 1px solid #e3e5e8; border-radius: 4px; padding: 8px 10px; margin: 10px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #eceef1; vertical-align: top; }
th { background: #fafbfc; font-weight: 600; color: #444; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.fail td { background: #fdf0f0; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
figure { margin: 0; padding: 12px 14px 10px; min-width: 0; }
figure.wide { grid-column: 1 / -1; }
figcaption h3 { font-size: 15px; margin: 0; } figcaption p { margin: 2px 0 6px; color: #555; font-size: 13px; }
svg.plot { display: block; width: 100%; height: auto; }
.multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 8px 14px; }
.mtitle { font-size: 13px; font-weight: 600; margin: 4px 0 0 4px; overflow-wrap: anywhere; }
.metrics { columns: 2 420px; column-gap: 18px; padding: 6px 8px; }
.metrics table { break-inside: auto; } .metrics tr { break-inside: avoid; }
p.empty { color: #777; padding: 10px 14px; margin: 0; }
footer { color: #666; font-size: 12.5px; margin-top: 22px; }
`;

function verdictBadge(passed: boolean): string {
  return `<span class="verdict ${passed ? 'pass' : 'fail'}">${passed ? 'PASS' : 'FAIL'}</span>`;
}

function header(s: RunSummary): string {
  const facts: [string, string][] = [
    ['file', s.file],
    ['seed', String(s.seed)],
    ['backend', s.live ? `${s.backend} (${s.live.mode})` : s.backend],
    ['nodes', fmtNumber(s.nodes)],
    ['virtual time', fmtDuration(s.virtualTimeMs)],
    ['wall time', fmtDuration(s.wallMs)],
    ['events', fmtNumber(s.events)],
    ['peak memory (RSS)', Number.isFinite(s.peakRssMb) ? fmtBytes(s.peakRssMb * 1024 * 1024) : 'n/a'],
    ['valhalla', s.versions?.valhalla ?? 'unknown'],
    ['node', s.versions?.node ?? 'unknown'],
  ];
  const dl = facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('');
  return `<header class="run">
<h1>${escapeHtml(s.scenario)} ${verdictBadge(s.passed)}</h1>
<dl class="facts">${dl}<div class="span2"><dt>traceHash</dt><dd class="mono">${escapeHtml(s.traceHash)}</dd></div></dl>
<pre class="cmd" title="reproduces this run: same scenario, same seed, same trace">$ ${escapeHtml(s.reproduce)}</pre>
</header>`;
}

function assertionsSection(s: RunSummary): string {
  if (s.assertions.length === 0)
    return '<section><p class="empty">This scenario makes no assertions.</p></section>';
  const rows = s.assertions.map(
    (a) =>
      `<tr class="${a.pass ? 'pass' : 'fail'}"><td>${verdictBadge(a.pass)}</td><td><code>${escapeHtml(a.text)}</code></td>` +
      `<td class="num">${escapeHtml(fmtNumber(a.value))}</td></tr>`,
  );
  return `<section><table><thead><tr><th>verdict</th><th>assertion</th><th class="num">observed</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}

function metricsSection(s: RunSummary): string {
  const keys = Object.keys(s.metrics).sort();
  if (keys.length === 0) return '<section><p class="empty">No metrics.</p></section>';
  const rows = keys.map((k) => {
    const v = s.metrics[k];
    const raw = v === null || v === undefined ? 'null' : String(v);
    return `<tr><td><code>${escapeHtml(k)}</code></td><td class="num" title="${escapeHtml(raw)}">${escapeHtml(fmtNumber(v))}</td></tr>`;
  });
  return `<section class="metrics"><table><tbody>${rows.join('\n')}</tbody></table></section>`;
}

export function figure(c: Chart): string {
  const sub = c.subtitle === '' ? '' : `<p>${escapeHtml(c.subtitle)}</p>`;
  return `<figure id="chart-${c.id}" class="chart${c.wide ? ' wide' : ''}">
<figcaption><h3>${escapeHtml(c.title)}</h3>${sub}</figcaption>
${c.body}
</figure>`;
}

/** The last moment anything happened: the run's virtual time, or a later record if there is one. */
function runEndMs(s: RunSummary, r: RunRecords): number {
  let end = Number.isFinite(s.virtualTimeMs) ? s.virtualTimeMs : 0;
  for (const list of [r.lookups, r.messages, r.samples, r.faults])
    for (const x of list) if (x.tMs > end) end = x.tMs;
  return end > 0 ? end : 1;
}

/** The whole report as one HTML string. */
export function renderReport(summary: RunSummary, records: RunRecords): string {
  const endMs = runEndMs(summary, records);
  const charts: Chart[] = [
    successChart(records.lookups, records.samples, records.faults, endMs),
    latencyChart(records.lookups),
    hopsChart(records.lookups),
    healthCharts(records.samples, records.faults, endMs),
    ...trafficCharts(records.messages, records.faults, endMs),
  ];
  const counts = `${fmtNumber(records.lookups.length)} lookups, ${fmtNumber(records.messages.length)} message rows, ${fmtNumber(records.samples.length)} samples, ${fmtNumber(records.faults.length)} fault events`;
  return htmlPage(
    `Valhalla run: ${summary.scenario} (seed ${summary.seed})`,
    `${header(summary)}
<h2>Assertions</h2>
${assertionsSection(summary)}
<h2>Charts</h2>
<div class="charts">
${charts.map(figure).join('\n')}
</div>
<h2>Metrics</h2>
${metricsSection(summary)}
<footer>Records: ${escapeHtml(counts)}. The same records are in lookups.arrow, messages.arrow, samples.arrow and faults.arrow beside this file (see docs/outputs.md).</footer>`,
  );
}

/** The page around a report's body: inline CSS, no script, nothing fetched (CSP). */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
