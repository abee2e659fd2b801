import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { readArrowTable } from '../cli/report/arrow.js';
import { separates } from '../cli/runner/cuts.js';
import { captureIo } from './cli-io.js';

// A small partition-heal (scenarios/partition-heal.yaml is the 200-node version).
const dir = mkdtempSync(join(tmpdir(), 'valhalla-cut-'));
const file = join(dir, 'cut.yaml');
writeFileSync(
  file,
  `name: cut
seed: 2
duration: 60s
sample: 1s
nodes:
  count: 30
  joinOver: 5s
  groups: { left: 0%..50%, right: 50%..100% }
network:
  latency: { model: lognormal, median: 30ms, sigma: 0.5 }
timeline:
  - { at: 20s, event: partition, groups: [left, right] }
  - { at: 40s, event: heal }
workload:
  - { kind: lookup, label: before, count: 60, start: 10s, over: 8s }
  - { kind: lookup, label: during, count: 60, start: 22s, over: 12s }
  - { kind: lookup, label: after, count: 60, start: 48s, over: 8s }
assertions:
  - lookup.during.cross_cut.success_rate <= 0.05
  - lookup.after.cross_cut.success_rate >= 0.95
`,
);

describe('a partition and its heal', () => {
  it('cross-cut lookups fail during the cut and succeed after; table reachability dips and recovers', async () => {
    const out = join(dir, 'out');
    const c = captureIo();
    const code = await main(['run', file, '--json', '--out', out], c.io);
    const s = JSON.parse(c.stdout());
    expect(code, c.stderr()).toBe(0);
    const m = s.metrics;
    expect(m['lookup.before.cross_cut.success_rate']).toBeGreaterThanOrEqual(0.95);
    expect(m['lookup.during.cross_cut.success_rate']).toBeLessThanOrEqual(0.05);
    expect(m['lookup.during.same_side.success_rate']).toBeGreaterThan(0.8);
    expect(m['lookup.after.cross_cut.success_rate']).toBeGreaterThanOrEqual(0.95);
    expect(m['lookup.during.cross_cut.count'] + m['lookup.during.same_side.count']).toBe(60);

    // Every lookup is classed by the cut: left = nodes 0..14, right = 15..29.
    const lookups = readArrowTable(join(out, 'lookups.arrow'));
    const cut = { a: { from: 0, to: 14 }, b: { from: 15, to: 29 } };
    for (let i = 0; i < lookups.numRows; i++) {
      const row = lookups.get(i)!;
      expect(row.across_cut).toBe(separates(cut, row.node, row.target));
    }

    const samples = readArrowTable(join(out, 'samples.arrow'));
    const reach = new Map<number, number>();
    for (let i = 0; i < samples.numRows; i++) {
      const r = samples.get(i)!;
      if (String(r.metric) === 'table.reachable_fraction') reach.set(r.t_ms, r.value);
    }
    expect(reach.get(15_000)).toBe(1);
    expect(reach.get(25_000)!).toBeLessThan(0.7); // about half of each table sits across the cut
    expect(reach.get(50_000)).toBe(1);

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/across the cut \(\d+\)/);
    expect(html).toMatch(/same side \(\d+\)/);
    expect(html).toContain('table.reachable_fraction');
  });

  it('classes pairs against one group and the rest, or two groups', () => {
    const island = { a: { from: 0, to: 9 } };
    expect(separates(island, 3, 50)).toBe(true);
    expect(separates(island, 50, 3)).toBe(true);
    expect(separates(island, 3, 4)).toBe(false);
    expect(separates(island, 50, 60)).toBe(false);
    const two = { a: { from: 0, to: 9 }, b: { from: 10, to: 19 } };
    expect(separates(two, 5, 15)).toBe(true);
    expect(separates(two, 5, 25)).toBe(false); // node 25 is in neither group: not cut
  });
});
