/**
 * The sweep's report.html from a synthetic sweep summary: charts across the swept parameter (numeric
 * and not, one line per value of a second parameter, seeds only), escaping, no script, and (with
 * Chromium installed) every chart in the browser's DOM.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpDom, findChromium } from '../bench/chromium.js';
import { machineInfo } from '../bench/machine.js';
import { chartMetrics, renderSweepReport } from '../cli/report/sweep-html.js';
import { metricStats, type SweepSummary } from '../cli/runner/aggregate.js';

function sweep(parameters: { path: string; values: unknown[] }[], seeds: number[]): SweepSummary {
  let points: Record<string, unknown>[] = [{}];
  for (const p of parameters) points = points.flatMap((pt) => p.values.map((v) => ({ ...pt, [p.path]: v })));
  const replicas: SweepSummary['replicas'] = [];
  const pointSummaries: SweepSummary['points'] = points.map((point, index) => {
    const mine: number[] = [];
    for (const seed of seeds) {
      const loss = typeof point['network.loss'] === 'number' ? (point['network.loss'] as number) : 0;
      const rate = 1 - loss * 4 - seed / 1000;
      mine.push(replicas.length);
      replicas.push({
        index: replicas.length,
        seed,
        point,
        overrides: point,
        traceHash: `hash${replicas.length}`,
        events: 1000,
        wallMs: 10,
        passed: rate >= 0.9,
        metrics: { 'lookup.success_rate': rate, 'lookup.hops.p50': 2 },
        assertions: [
          {
            text: 'lookup.success_rate >= 0.9',
            metric: 'lookup.success_rate',
            value: rate,
            pass: rate >= 0.9,
          },
        ],
        reproduce: `valhalla run x.yaml --seed ${seed}`,
        dir: `out/replica-${replicas.length}`,
      });
    }
    const rs = mine.map((i) => replicas[i]!);
    return {
      index,
      point,
      replicas: mine,
      failed: rs.filter((r) => !r.passed).length,
      metrics: {
        'lookup.success_rate': metricStats(rs.map((r) => r.metrics['lookup.success_rate']!)),
        'lookup.hops.p50': metricStats(rs.map(() => 2)),
      },
    };
  });
  const failedReplicas = replicas.filter((r) => !r.passed).map((r) => r.index);
  return {
    kind: 'sweep',
    scenario: '<script>alert(1)</script>',
    file: 'x.yaml',
    backend: 'sim',
    seeds,
    parameters,
    overrides: {},
    fixedBySet: [],
    parallel: 2,
    wallMs: 1234,
    peakRssMb: 100,
    versions: { valhalla: '0.1.0', node: process.version },
    machine: machineInfo(),
    passed: failedReplicas.length === 0,
    failedReplicas,
    assertions: [
      {
        text: 'lookup.success_rate >= 0.9',
        metric: 'lookup.success_rate',
        passed: replicas.length - failedReplicas.length,
        failed: failedReplicas.length,
        failedReplicas,
      },
    ],
    aggregate: {
      'lookup.success_rate': metricStats(replicas.map((r) => r.metrics['lookup.success_rate']!)),
      'lookup.hops.p50': metricStats(replicas.map(() => 2)),
    },
    points: pointSummaries,
    replicas,
  };
}

describe('the sweep report', () => {
  const grid = sweep(
    [
      { path: 'network.loss', values: [0, 0.01, 0.05] },
      { path: 'stack.k', values: [8, 20] },
    ],
    [1, 2, 3],
  );

  it('charts the asserted metric across the first parameter, one line per value of the second', () => {
    const html = renderSweepReport(grid);
    expect(chartMetrics(grid)).toEqual(['lookup.success_rate']);
    expect(html).toContain('lookup.success_rate across network.loss');
    expect(html).toContain('stack.k=8');
    expect(html).toContain('stack.k=20');
    expect(html).toContain('&gt;= 0.9'); // the threshold in the legend
    // 18 replicas: each a dot, each in the replica table, failing ones linked from the assertion.
    expect(html.match(/<tr class="(pass|fail)"><td><a href="replica-\d+\/report.html">/g)).toHaveLength(18);
    expect(grid.failedReplicas.length).toBeGreaterThan(0);
    expect(html).toContain(`href="replica-${grid.failedReplicas[0]}/report.html"`);
    expect(html).toContain('all replicas');
  });

  it('escapes what came from the scenario and runs no script', () => {
    const html = renderSweepReport(grid);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain("default-src 'none'");
  });

  it('puts non-numeric values on an evenly spaced axis, and seeds on x without a grid', () => {
    const named = sweep([{ path: 'network.latency.median', values: ['20ms', '200ms'] }], [1, 2]);
    const html = renderSweepReport(named);
    expect(html).toContain('>20ms</text>');
    expect(html).toContain('>200ms</text>');
    const seedsOnly = renderSweepReport(sweep([], [4, 5, 6, 7]));
    expect(seedsOnly).toContain('lookup.success_rate across seed');
    expect(seedsOnly).toContain('4..7');
  });

  const chromium = findChromium();
  describe.skipIf(!chromium)('in headless Chromium', () => {
    const dir = mkdtempSync(join(tmpdir(), 'valhalla-sweep-report-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it('parses every chart into the DOM', () => {
      const file = join(dir, 'report.html');
      writeFileSync(file, renderSweepReport(grid));
      const dom = dumpDom(file);
      expect(dom).toContain('id="chart-sweep-0"');
      expect(dom.match(/<circle /g)!.length).toBeGreaterThanOrEqual(18);
    });
  });
});
