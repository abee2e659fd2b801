import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { metricStats } from '../cli/runner/aggregate.js';
import { captureIo } from './cli-io.js';

// Sweeps run replicas in worker threads from dist/ (npm test builds first).
const dir = mkdtempSync(join(tmpdir(), 'valhalla-sweep-'));
const pings = `name: pings
seed: 5
duration: 10s
nodes: { count: 8 }
network:
  latency: { model: lognormal, median: 10ms, sigma: 0.3 }
  loss: 0.02
workload:
  - kind: ping
    every: 500ms
assertions:
  - ping.success_rate >= 0.95
  - ping.rtt_ms.p50 <= 100
`;
const small = join(dir, 'pings.yaml');
writeFileSync(small, pings);
const grid = join(dir, 'grid.yaml');
writeFileSync(grid, `${pings}sweep:\n  seeds: 1..2\n  set:\n    network.latency.median: [10ms, 100ms]\n`);

async function run(args: string[]): Promise<{ code: number; json: any; stderr: string }> {
  const c = captureIo();
  const code = await main(['run', ...args], c.io);
  const out = c.stdout();
  return { code, json: out ? JSON.parse(out) : undefined, stderr: c.stderr() };
}

describe('valhalla run --set', () => {
  it('overrides fields, records them in the summary and the reproduce command', async () => {
    const r = await run([small, '--json', '--set', 'nodes.count=5', '--set', 'network.latency.median=80ms']);
    expect(r.code).toBe(1); // rtt p50 ~160 ms > 100
    expect(r.json.nodes).toBe(5);
    expect(r.json.overrides).toEqual({ 'nodes.count': 5, 'network.latency.median': '80ms' });
    const cmd = `valhalla run ${small} --seed 5 --set nodes.count=5 --set network.latency.median=80ms`;
    expect(r.json.reproduce).toBe(cmd);
    expect(r.stderr).toContain(`reproduce with: ${cmd}`);
    // The reproduce command gives the same run.
    const again = await run([
      small,
      '--json',
      '--seed',
      '5',
      '--set',
      'nodes.count=5',
      '--set',
      'network.latency.median=80ms',
    ]);
    expect(again.json.traceHash).toBe(r.json.traceHash);
  });

  it('exits 2 naming the --set argument, the path, the expectation and the finding', async () => {
    const r = await run([small, '--set', 'nodes.count=-1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--set nodes\.count=-1: nodes\.count: expected .*>= 1, found -1/);
    const t = await run([small, '--set', 'network.loss=high']);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('--set network.loss=high: network.loss: expected');
    expect(t.stderr).toContain('found "high"');
    expect((await run([small, '--set', 'nodes.count'])).stderr).toMatch(/expected path=value/);
  });
});

describe('valhalla run sweeps', () => {
  it('--seeds runs replicas in threads whose traceHash equals the same seed run alone', async () => {
    const s = await run([small, '--seeds', '3..5', '--parallel', '2', '--json']);
    expect(s.code).toBe(0);
    expect(s.json.kind).toBe('sweep');
    expect(s.json.replicas.map((r: any) => r.seed)).toEqual([3, 4, 5]);
    const alone = await run([small, '--seed', '4', '--json']);
    expect(s.json.replicas[1].traceHash).toBe(alone.json.traceHash);
    expect(s.json.replicas[1].metrics).toEqual(alone.json.metrics);
    expect(new Set(s.json.replicas.map((r: any) => r.traceHash)).size).toBe(3);
    // Aggregates are the replicas' values reduced.
    const rtts = s.json.replicas.map((r: any) => r.metrics['ping.rtt_ms.p50']);
    expect(s.json.aggregate['ping.rtt_ms.p50']).toEqual(metricStats(rtts));
    expect(s.json.aggregate['ping.rtt_ms.p50'].min).toBe(Math.min(...rtts));
    expect(s.json.assertions[0]).toMatchObject({ passed: 3, failed: 0 });
  });

  it('runs the grid of a sweep block, exits 1 and prints each failing replica’s reproduce command', async () => {
    const out = join(dir, 'grid-out');
    const s = await run([grid, '--json', '--out', out]);
    expect(s.code).toBe(1);
    expect(s.json.parameters).toEqual([{ path: 'network.latency.median', values: ['10ms', '100ms'] }]);
    expect(s.json.replicas.map((r: any) => [r.seed, r.point['network.latency.median'], r.passed])).toEqual([
      [1, '10ms', true],
      [2, '10ms', true],
      [1, '100ms', false],
      [2, '100ms', false],
    ]);
    expect(s.json.failedReplicas).toEqual([2, 3]);
    expect(s.json.points).toHaveLength(2);
    expect(s.json.points[1].failed).toBe(2);
    expect(s.json.points[0].metrics['ping.rtt_ms.p50'].n).toBe(2);
    for (const i of [2, 3]) {
      const r = s.json.replicas[i];
      const cmd = `valhalla run ${grid} --seed ${r.seed} --set network.latency.median=100ms`;
      expect(r.reproduce).toBe(cmd);
      expect(s.stderr).toContain(`reproduce with: ${cmd}`);
    }
    // The failing replica's command runs that replica alone, with the same trace.
    const alone = await run([grid, '--json', '--seed', '2', '--set', 'network.latency.median=100ms']);
    expect(alone.code).toBe(1);
    expect(alone.json.traceHash).toBe(s.json.replicas[3].traceHash);
    // Outputs: sweep.json (= the --json object but wall time), report.html, each replica's own files.
    const saved = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    expect(saved.aggregate).toEqual(s.json.aggregate);
    for (let i = 0; i < 4; i++) {
      const summary = JSON.parse(readFileSync(join(out, `replica-${i}`, 'summary.json'), 'utf8'));
      expect(summary.traceHash).toBe(s.json.replicas[i].traceHash);
      expect(existsSync(join(out, `replica-${i}`, 'lookups.arrow'))).toBe(true);
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('ping.rtt_ms.p50 across network.latency.median');
    expect(html).toContain('<svg');
    expect(html).toContain('href="replica-3/report.html"');
  });

  it('a --set on a swept path fixes it; a --set inside or around one is refused', async () => {
    const s = await run([grid, '--json', '--set', 'network.latency.median=10ms', '--seeds', '1..1']);
    expect(s.code).toBe(0);
    expect(s.json.parameters).toEqual([]);
    expect(s.json.fixedBySet).toEqual(['network.latency.median']);
    expect(s.stderr).toContain('network.latency.median is not swept');
    const o = await run([grid, '--set', 'network.latency={model: fixed, value: 5ms}']);
    expect(o.code).toBe(2);
    expect(o.stderr).toContain('overlaps the swept field network.latency.median');
  });

  it('exits 2 for bad sweep input before running anything', async () => {
    const bad = join(dir, 'bad-grid.yaml');
    writeFileSync(bad, `${pings}sweep:\n  set:\n    network.loss: [0, 5]\n`);
    const r = await run([bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:16: sweep.set.network.loss.1: network.loss: expected`);
    expect(r.stderr).toContain('found 5');
    const cases: [string[], RegExp][] = [
      [[small, '--seeds', '5..1'], /--seeds 5\.\.1: expected a range A\.\.B/],
      [[small, '--seeds', '1..2', '--seed', '1'], /--seed and --seeds together/],
      [[small, '--seeds', '1..2', '--workers', '2'], /--parallel/],
      [[small, '--parallel', '2'], /--parallel sets how many sweep replicas/],
    ];
    for (const [args, message] of cases) {
      const c = await run(args);
      expect(c.code, args.join(' ')).toBe(2);
      expect(c.stderr, args.join(' ')).toMatch(message);
    }
  });
});

describe('metricStats', () => {
  it('gives mean, min, max, sample stddev and median, skipping missing values', () => {
    expect(metricStats([1, 2, 3, 4, null])).toEqual({
      n: 4,
      mean: 2.5,
      min: 1,
      max: 4,
      stddev: Math.sqrt(5 / 3),
      p50: 2.5,
    });
    expect(metricStats([7])).toEqual({ n: 1, mean: 7, min: 7, max: 7, stddev: null, p50: 7 });
    expect(metricStats([null])).toEqual({ n: 0, mean: null, min: null, max: null, stddev: null, p50: null });
  });
});

describe('progress on a terminal', () => {
  function ttyIo() {
    let err = '';
    let out = '';
    return {
      io: { out: (t: string) => (out += t), err: (t: string) => (err += t), isTty: true, env: {} },
      err: () => err,
      out: () => out,
    };
  }

  it('is drawn in place on a terminal and absent with --json', async () => {
    const t = ttyIo();
    expect(await main(['run', small, '--seed', '1'], t.io)).toBe(0);
    expect(t.err()).toContain('\r\x1b[Kvirtual ');
    expect(t.err()).toMatch(/virtual [0-9.]+ s \/ 10 s \(\d+%\) .* events\/s {2}ETA/);
    const j = ttyIo();
    expect(await main(['run', small, '--seed', '1', '--json'], j.io)).toBe(0);
    expect(j.err()).not.toContain('\r');
    expect(JSON.parse(j.out()).seed).toBe(1);
  });
});
