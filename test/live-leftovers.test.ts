/**
 * Leftovers of a live run whose runner died (SIGKILL, power cut): a namespace, a veth on a bridge,
 * an nftables table and a run directory named after a run id with no live owner are found, and
 * removeLeftover removes exactly them. Root only (it creates a namespace); skipped otherwise.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLeftovers, RUNS_ROOT, removeLeftover } from '../cli/runner/live-leftovers.js';
import { inventory, NetnsTestbed, netnsUnavailable } from '../live/netns.js';

const missing = await netnsUnavailable();
if (missing) console.log(`skipping the live leftover test: ${missing} (CI runs it as root)`);

/** A run id no run uses now (test ids start with fe/fd; real ones are random). */
function freshRunId(prefix: string): string {
  for (;;) {
    const id =
      prefix +
      Math.floor(Math.random() * 256)
        .toString(16)
        .padStart(2, '0');
    if (!existsSync(join(RUNS_ROOT, id))) return id;
  }
}

describe.skipIf(missing !== undefined)('live leftovers (root)', () => {
  it('finds a dead run by its names, leaves live runs alone, and removes it on request', async () => {
    const runId =
      'fe' +
      Math.floor(Math.random() * 256)
        .toString(16)
        .padStart(2, '0');
    const testbed = new NetnsTestbed(runId);
    try {
      await testbed.create(2);
      const dir = join(RUNS_ROOT, runId);
      mkdirSync(dir, { recursive: true });
      // An owner that is alive (this process): not a leftover.
      writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: process.pid, runId }));
      expect((await findLeftovers()).map((l) => l.runId)).not.toContain(runId);
      // A dead owner (a pid that cannot exist): a leftover, with everything it left.
      writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: 2 ** 22 + 1, runId }));
      const found = (await findLeftovers()).find((l) => l.runId === runId);
      expect(found).toBeDefined();
      expect(found!.namespaces.sort()).toEqual([testbed.ns(0), testbed.ns(1)]);
      expect(found!.links).toContain(testbed.bridge);
      expect(found!.tables).toEqual([`bridge ${testbed.table}`]);
      expect(found!.dir).toBe(dir);
      expect(await removeLeftover(found!)).toEqual([]);
      expect(await inventory(runId)).toEqual({ namespaces: [], links: [], tables: [] });
      expect(existsSync(dir)).toBe(false);
    } finally {
      await testbed.destroy();
    }
  });

  it('the `ip link` and `ip netns` output of the machine holds nothing of a destroyed testbed', async () => {
    const runId = freshRunId('fd');
    const testbed = new NetnsTestbed(runId);
    await testbed.create(3);
    await testbed.partition([0], [1, 2]);
    expect(execFileSync('nft', ['list', 'table', 'bridge', testbed.table], { encoding: 'utf8' })).toContain(
      'drop',
    );
    await testbed.heal();
    expect(await testbed.destroy()).toEqual([]);
    const all =
      execFileSync('ip', ['link'], { encoding: 'utf8' }) +
      execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    expect(all).not.toContain(`vhl-${runId}-`);
  });
});
