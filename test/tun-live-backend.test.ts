/**
 * Issue 9, item 5: the live backend turns TUN on (scenario `stack: { tun: true }`) and runs the
 * `ping6` and `tcp-transfer` workloads over the nodes' overlay addresses (root, namespace mode;
 * skipped with a message otherwise). The simulator refuses those workloads with a usage error.
 * Needs `npm run build` (npm test runs it first).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { whyNoNetns } from '../bench/netns.js';
import { netnsUnavailable } from '../live/netns.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const why = whyNoNetns() ?? (await netnsUnavailable());
if (why) console.warn(`tun-live-backend: the live run is skipped: ${why}`);

const cli = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });

describe('TUN workloads', () => {
  it('are refused by the simulator with a usage error that names the live backend', () => {
    const r = cli(['run', 'scenarios/live-tun.yaml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/ping6 workload runs over real TUN devices: use --backend live/);
  });

  it.skipIf(why !== undefined)(
    'run on the live backend: ping6 and tcp-transfer between overlay addresses pass their assertions',
    () => {
      const r = cli([
        'run',
        'scenarios/live-tun.yaml',
        '--backend',
        'live',
        '--live-mode',
        'netns',
        '--json',
      ]);
      expect(r.status, r.stderr).toBe(0);
      const m = JSON.parse(r.stdout).metrics;
      expect(m['ping6.sent']).toBe(40);
      expect(m['ping6.success_rate']).toBeGreaterThanOrEqual(0.9);
      expect(m['tcp.transfers']).toBe(3);
      expect(m['tcp.intact_rate']).toBe(1);
      expect(m['tcp.mbit.p50']).toBeGreaterThan(0);
    },
    200_000,
  );
});
