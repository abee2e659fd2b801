import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoRecords, demoSummary } from '../bench/report-demo.js';
import { renderReport } from '../cli/report/html.js';
import type { FaultRecord, RunRecords } from '../cli/report/records.js';
import { writeReport } from '../cli/report/write.js';

const VOID = new Set(['meta', 'br', 'img', 'input', 'link', 'hr']); // HTML elements with no end tag

/**
 * Checks that every element is closed in order (SVG is XML inside HTML: an unclosed <path> or a
 * stray `<` from unescaped text shows up here) and returns the element counts.
 */
function checkWellFormed(html: string): Map<string, number> {
  const body = html.replace(/^<!doctype html>/i, '').replace(/<style>[\s\S]*?<\/style>/, '<style></style>');
  const counts = new Map<string, number>();
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:"[^"]*"|'[^']*'|[^'">])*)>/g)) {
    const [, close, name, rest] = m;
    const tag = name!.toLowerCase();
    if (close) {
      const open = stack.pop();
      if (open !== tag) throw new Error(`</${tag}> closes <${open}> at ${m.index}`);
    } else {
      counts.set(tag, (counts.get(tag) ?? 0) + 1);
      if (!rest!.trimEnd().endsWith('/') && !VOID.has(tag)) stack.push(tag);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(' > ')}`);
  // Text between tags must not contain a raw '<' (it would have been escaped).
  const text = body.replace(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:"[^"]*"|'[^']*'|[^'">])*)>/g, '');
  expect(text).not.toMatch(/</);
  return counts;
}

const CHARTS = ['success-over-time', 'latency-cdf', 'hops', 'samples', 'messages', 'bytes'];

function figureOf(html: string, id: string): string {
  const start = html.indexOf(`<figure id="chart-${id}"`);
  expect(start, `figure ${id}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</figure>', start));
}

describe('renderReport', () => {
  const records = demoRecords();
  const summary = demoSummary(records);
  const html = renderReport(summary, records);

  it('is well-formed, self-contained HTML with an SVG per chart', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    const counts = checkWellFormed(html);
    for (const id of CHARTS) expect(figureOf(html, id)).toContain('<svg');
    // Four sampled metrics in the demo, one small chart each, plus the five other charts.
    expect(counts.get('svg')).toBe(5 + 4);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(http/i);
    // The only URL is the SVG namespace, which is a name, not a fetch.
    expect(html.match(/https?:\/\/[^"'\s)]+/g)!.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
  });

  it('shows the run: header, verdicts, reproduce line, metrics', () => {
    expect(html).toContain('partition-heal (synthetic)');
    expect(html).toContain(summary.traceHash);
    expect(html).toContain('$ valhalla run scenarios/partition-heal.yaml --seed 1');
    expect(html).toContain('<span class="verdict pass">PASS</span>');
    expect(html).toContain('<span class="verdict fail">FAIL</span>');
    expect(html).toContain('<code>lookup.success_rate &gt;= 0.95</code>');
    expect(html).toContain('612.4 MiB');
    expect(html).toMatch(/<code>table\.size\.mean<\/code><\/td><td class="num" title="null">n\/a</);
  });

  it('marks the fault events on the time charts', () => {
    const success = figureOf(html, 'success-over-time');
    for (const label of ['partition left|right', 'heal left|right', 'crash 17', 'restart 17'])
      expect(success).toContain(`>${label}</text>`);
    expect(success).toContain('<title>partition left|right</title></rect>'); // the shaded band
    expect(success).toContain('<title>60.000 s: partition left|right (500/500 nodes)</title>');
    // The small multiples and traffic charts carry the lines, without labels.
    expect(figureOf(html, 'samples').match(/<title>120\.000 s: heal/g)).toHaveLength(4);
    expect(figureOf(html, 'messages')).not.toContain('>heal left|right</text>');
  });

  it('is deterministic', () => {
    expect(renderReport(summary, demoRecords())).toBe(html);
  });

  it('escapes hostile text everywhere it appears', () => {
    const evil = '<script>alert(1)</script>';
    const r: RunRecords = {
      ...records,
      faults: [{ tMs: 1000, kind: 'partition', target: `"><img src=x onerror=alert(1)>`, detail: evil }],
      samples: [{ tMs: 0, metric: evil, value: 1 }],
      messages: [{ tMs: 0, kind: evil, count: 1, bytes: 1 }],
    };
    const s = {
      ...summary,
      scenario: evil,
      file: `${evil}.yaml`,
      reproduce: `valhalla run '${evil}'`,
      metrics: { [evil]: 1 },
      assertions: [{ text: `${evil} >= 1`, metric: evil, value: 1, pass: true }],
    };
    const out = renderReport(s, r);
    checkWellFormed(out);
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('degrades to messages when there is no data', () => {
    const empty: RunRecords = { lookups: [], messages: [], samples: [], faults: [] };
    const out = renderReport({ ...summary, metrics: {}, assertions: [], virtualTimeMs: 0 }, empty);
    const counts = checkWellFormed(out);
    expect(counts.get('svg')).toBe(5); // success, CDF, hops, samples, traffic: each says why it is empty
    expect(figureOf(out, 'success-over-time')).toContain('no lookups recorded');
    expect(figureOf(out, 'latency-cdf')).toContain('no lookups recorded');
    expect(figureOf(out, 'samples')).toContain('no samples recorded');
    expect(figureOf(out, 'traffic')).toContain('no messages recorded');
    expect(out).toContain('This scenario makes no assertions.');
  });

  it('draws frequent events (churn) as a rug, counted in the legend', () => {
    const churn: FaultRecord[] = Array.from({ length: 2000 }, (_, i) => ({
      tMs: 100 + i * 80,
      kind: i % 2 ? 'join' : 'leave',
      target: String(i),
      detail: '',
    }));
    const out = renderReport(summary, { ...records, faults: [...churn, ...records.faults] });
    const success = figureOf(out, 'success-over-time');
    expect(success).toContain('>leave ×1,000</text>');
    expect(success).toContain('<title>leave: 1,000 events</title></path>'); // the rug
    // One rug tick per pixel column, not one element per event in each of the 8 time charts.
    expect(out.length - html.length).toBeLessThan(150_000);
    expect(success).not.toContain('>leave 0</text>');
    expect(success).toContain('>partition left|right</text>');
  });

  it('draws a failed lookup CDF that ends at the success rate, with NaN latencies left out', () => {
    const lookups = [
      { tMs: 0, node: 0, target: 1, found: true, hops: 1, queries: 3, ms: 10 },
      { tMs: 1, node: 0, target: 1, found: true, hops: 2, queries: 3, ms: Number.NaN },
      { tMs: 2, node: 0, target: 1, found: false, hops: 9, queries: 3, ms: 5000 },
      { tMs: 3, node: 0, target: 1, found: true, hops: 2, queries: 3, ms: 30 },
    ];
    const out = renderReport(summary, { lookups, messages: [], samples: [], faults: [] });
    const cdf = figureOf(out, 'latency-cdf');
    expect(cdf).toContain('4 lookups, 2 found');
    expect(cdf).toContain('>found 50.0%</text>');
    checkWellFormed(out);
  });
});

describe('writeReport', () => {
  const dir = mkdtempSync(join(tmpdir(), 'valhalla-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes summary.json, the four tables and report.html together', () => {
    const records = demoRecords();
    const summary = { ...demoSummary(records), metrics: { 'x.rate': Number.NaN, 'x.count': 3 } };
    const paths = writeReport(join(dir, 'out'), summary, records);
    expect(paths.map((p) => p.slice(join(dir, 'out').length + 1))).toEqual([
      'summary.json',
      'lookups.arrow',
      'messages.arrow',
      'samples.arrow',
      'faults.arrow',
      'report.html',
    ]);
    const json = JSON.parse(readFileSync(paths[0]!, 'utf8'));
    expect(json.metrics).toEqual({ 'x.rate': null, 'x.count': 3 });
    expect(json.traceHash).toBe(summary.traceHash);
    expect(readFileSync(paths[5]!, 'utf8')).toBe(renderReport(summary, records));
  });
});
