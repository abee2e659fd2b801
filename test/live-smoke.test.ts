/**
 * The live backend end to end, as root (CI): scenarios/live-smoke.yaml with --backend live in
 * namespace mode (10 node processes, a crash and a restart, a partition and heal, lookups) passes
 * its assertions, and afterwards nothing of the run is left: no namespace, no link, no nftables
 * table, no process. A second run is stopped with SIGINT mid-timeline and must clean up the same
 * way. Needs `npm run build` (npm test runs it first). Without root it is skipped with a message.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNS_ROOT } from '../cli/runner/live-leftovers.js';
import { netnsUnavailable } from '../live/netns.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const missing = await netnsUnavailable();
if (missing) console.log(`skipping the live namespace tests: ${missing} (CI runs them as root)`);

const out = mkdtempSync(join(tmpdir(), 'valhalla-live-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Everything named after this run that still exists. */
function remains(runId: string): string[] {
  const text = [
    execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }),
    execFileSync('ip', ['link'], { encoding: 'utf8' }),
    execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' }),
  ].join('\n');
  const found = text
    .split('\n')
    .filter((l) => l.includes(`vhl-${runId}-`) || l.includes(`valhalla_live_${runId}`));
  for (const pid of execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n'))
    if (pid.includes(`valhalla-live/${runId}/`)) found.push(pid.trim());
  if (existsSync(join(RUNS_ROOT, runId))) found.push(`directory ${join(RUNS_ROOT, runId)}`);
  return found;
}

function runCli(
  args: string[],
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe.skipIf(missing !== undefined)('live backend in network namespaces (root)', () => {
  it("runs live-smoke: assertions pass, the outputs are the simulator's, nothing is left afterwards", async () => {
    const dir = join(out, 'smoke');
    const r = await runCli([
      'run',
      'scenarios/live-smoke.yaml',
      '--backend',
      'live',
      '--live-mode',
      'netns',
      '--json',
      '--out',
      dir,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.backend).toBe('live');
    expect(summary.live.mode).toBe('netns');
    expect(summary.passed).toBe(true);
    for (const a of summary.assertions) expect(a.pass, a.text).toBe(true);
    expect(summary.metrics['lookup.count']).toBe(200);
    expect(summary.metrics['veil.handshakes']).toBeGreaterThan(9);
    const written = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(written.live.runId).toBe(summary.live.runId);
    for (const f of ['lookups.arrow', 'messages.arrow', 'samples.arrow', 'faults.arrow', 'report.html'])
      expect(readFileSync(join(dir, f)).length, f).toBeGreaterThan(0);
    const faults = readFileSync(join(dir, 'faults.arrow'));
    for (const kind of ['crash', 'restart', 'partition', 'heal'])
      expect(faults.includes(kind), kind).toBe(true);
    expect(remains(summary.live.runId)).toEqual([]);
  }, 180_000);

  it('cleans up everything when the runner gets SIGINT mid-run', async () => {
    let sent = false;
    const r = await runCli(
      ['run', 'scenarios/live-smoke.yaml', '--backend', 'live', '--live-mode', 'netns'],
      (text, child) => {
        if (!sent && text.includes('running the timeline')) {
          sent = true;
          setTimeout(() => child.kill('SIGINT'), 2_000);
        }
      },
    );
    expect(sent, r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('SIGINT');
    const runId = /live run ([0-9a-f]{4})/.exec(r.stderr)![1]!;
    expect(remains(runId)).toEqual([]);
  }, 120_000);
});
