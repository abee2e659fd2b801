import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { captureIo } from './cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'valhalla-run-'));
const small = join(dir, 'small.yaml');
writeFileSync(
  small,
  `name: small
seed: 5
duration: 20s
nodes: { count: 8 }
network:
  latency: { model: lognormal, median: 30ms, sigma: 0.5 }
  jitter: 1ms
  loss: 0.02
workload:
  - kind: ping
    every: 500ms
assertions:
  - ping.success_rate >= 0.95
`,
);

async function runJson(args: string[]): Promise<{ code: number; summary: any; stderr: string }> {
  const c = captureIo();
  const code = await main(['run', ...args, '--json'], c.io);
  return { code, summary: c.stdout() ? JSON.parse(c.stdout()) : undefined, stderr: c.stderr() };
}

describe('valhalla run', () => {
  it('prints exactly one JSON object with the required fields', async () => {
    const { code, summary } = await runJson([small]);
    expect(code).toBe(0);
    for (const k of ['seed', 'backend', 'traceHash', 'events', 'virtualTimeMs', 'wallMs'])
      expect(summary).toHaveProperty(k);
    expect(summary.backend).toBe('sim');
    expect(summary.seed).toBe(5);
    expect(summary.virtualTimeMs).toBe(20_000);
    expect(summary.metrics['ping.ok']).toBeGreaterThan(100);
  });

  it('gives the same traceHash for the same seed and another for another seed', async () => {
    const a = await runJson([small, '--seed', '11']);
    const b = await runJson([small, '--seed', '11']);
    const c = await runJson([small, '--seed', '12']);
    expect(a.summary.traceHash).toBe(b.summary.traceHash);
    expect(a.summary.events).toBe(b.summary.events);
    expect(a.summary.metrics).toEqual(b.summary.metrics);
    expect(c.summary.traceHash).not.toBe(a.summary.traceHash);
  });

  it('exits 1 on a failed assertion and prints the command that reproduces it', async () => {
    const strict = join(dir, 'strict.yaml');
    writeFileSync(
      strict,
      readFileSync(small, 'utf8').replace('ping.success_rate >= 0.95', 'ping.rtt_ms.p50 <= 1'),
    );
    const { code, summary, stderr } = await runJson([strict, '--seed', '9']);
    expect(code).toBe(1);
    expect(summary.passed).toBe(false);
    expect(summary.assertions[0]).toMatchObject({ text: 'ping.rtt_ms.p50 <= 1', pass: false });
    expect(stderr).toContain(`valhalla run ${strict} --seed 9`);
  });

  it('exits 2 naming file, line and field for a bad scenario, and for an unknown metric', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(small, 'utf8').replace('count: 8', 'count: -1'));
    const r = await runJson([bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:4: nodes.count: expected`);
    expect(r.summary).toBeUndefined();
    const unknown = join(dir, 'unknown.yaml');
    writeFileSync(unknown, readFileSync(small, 'utf8').replace('ping.success_rate', 'ping.sucess_rate'));
    const u = await runJson([unknown]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/ping\.sucess_rate.*Known metrics:.*ping\.success_rate/);
  });

  it('writes summary.json with --out', async () => {
    const out = join(dir, 'out');
    const c = captureIo();
    expect(await main(['run', small, '--out', out], c.io)).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.scenario).toBe('small');
    expect(c.stdout()).toBe(''); // the human summary goes to stderr
    expect(c.stderr()).toContain('traceHash');
  });
});

describe('the README quickstart scenario', () => {
  it('joins a 50-node DHT over real Veil sessions, passes its assertions, and reproduces its traceHash', async () => {
    const a = await runJson(['scenarios/quickstart.yaml']);
    expect(a.code).toBe(0);
    expect(a.summary.metrics['lookup.count']).toBe(500);
    expect(a.summary.metrics['lookup.success_rate']).toBeGreaterThanOrEqual(0.99);
    expect(a.summary.metrics['veil.handshakes']).toBeGreaterThan(49);
    const b = await runJson(['scenarios/quickstart.yaml']);
    expect(b.summary.traceHash).toBe(a.summary.traceHash);
  });
});
