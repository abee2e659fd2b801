/**
 * Ten separate OS processes on loopback: one `valhalla bootstrap` and nine `valhalla node`s, each
 * given only the bootstrap address. They find each other through the DHT; lookups work between
 * every pair; killed nodes drop out of the others' peer lists; a restarted node is found again
 * under the same NodeID. Needs `npm run build` (npm test runs it first).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest } from '../cli/admin-client.js';
import { reserveFreePorts, waitFor } from '../live/testing.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const HOST = '127.0.0.1';
const NODES = 10; // index 0 is the bootstrap node

interface Proc {
  child: ChildProcess;
  dir: string;
  port: number;
  admin: string;
  nodeId?: string;
}

const root = mkdtempSync(join(tmpdir(), 'valhalla-dht-'));
const procs: Proc[] = [];
let ports: number[] = [];

function start(i: number): Proc {
  const dir = join(root, `n${i}`);
  const port = ports[i]!;
  const args =
    i === 0
      ? ['bootstrap', '--listen', `${HOST}:${port}`, '--data', dir]
      : ['node', '--listen', `${HOST}:${port}`, '--bootstrap', `${HOST}:${ports[0]}`, '--data', dir];
  const child = spawn(process.execPath, [CLI, ...args, '--log-format', 'json'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.resume(); // logs are not needed; keep the pipe from filling
  const p: Proc = { child, dir, port, admin: join(dir, 'admin.sock') };
  procs[i] = p;
  return p;
}

async function ctl(p: Proc, cmd: string, args: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await adminRequest(p.admin, cmd, args, 30_000);
  if (!res.ok) throw new Error(`${cmd} on ${p.port}: ${res.error.name}: ${res.error.message}`);
  return res.result;
}

async function peerIds(p: Proc): Promise<Set<string>> {
  const r = await ctl(p, 'peers');
  return new Set((r.peers as { nodeId: string }[]).map((x) => x.nodeId));
}

function kill(p: Proc, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill(signal);
  });
}

describe('DHT across ten OS processes', () => {
  beforeAll(async () => {
    ports = await reserveFreePorts(HOST, NODES);
    start(0);
    await waitFor('the bootstrap node', 15_000, async () => (await ctl(procs[0]!, 'self')).nodeId as string);
    for (let i = 1; i < NODES; i++) start(i);
    for (const p of procs)
      p.nodeId = await waitFor('a node', 15_000, async () => (await ctl(p, 'self')).nodeId as string);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => kill(p, 'SIGTERM')));
    rmSync(root, { recursive: true, force: true });
  });

  it('every node lists at least 8 others within 5 s of starting', async () => {
    const t0 = Date.now();
    await waitFor('every node to have >= 8 peers', 5_000, async () => {
      const counts = await Promise.all(procs.map(async (p) => (await peerIds(p)).size));
      return counts.every((c) => c >= NODES - 2) ? counts : undefined;
    });
    console.log(`all nodes had >= ${NODES - 2} peers after ${Date.now() - t0} ms`);
  });

  it('a lookup of every node from every node succeeds (and through the ctl command)', async () => {
    for (const from of procs) {
      const results = await Promise.all(
        procs.filter((to) => to !== from).map((to) => ctl(from, 'lookup', { nodeId: to.nodeId })),
      );
      for (const r of results) expect(r.found, `lookup of ${r.nodeId} from ${from.port}`).toBe(true);
    }
    const exec = promisify(execFile);
    const { stdout } = await exec(process.execPath, [
      CLI,
      'ctl',
      '--admin',
      procs[1]!.admin,
      'lookup',
      procs[2]!.nodeId!,
      '--json',
    ]);
    const r = JSON.parse(stdout);
    expect(r).toMatchObject({ found: true, nodeId: procs[2]!.nodeId });
    expect(typeof r.hops).toBe('number');
    expect(typeof r.queries).toBe('number');
    expect(typeof r.ms).toBe('number');
  });

  it('a signed value put on one node is got from another', async () => {
    const put = await ctl(procs[1]!, 'put', { name: 'greeting', value: 'hello from node 1' });
    expect(put.stored).toBeGreaterThan(0);
    const got = await ctl(procs[6]!, 'get', { key: put.key });
    expect(got).toMatchObject({
      found: true,
      value: 'hello from node 1',
      author: procs[1]!.nodeId,
      name: 'greeting',
    });
  });

  it('killed nodes drop out of every peer list within 30 s; a restarted node is found under the same NodeID', async () => {
    const victims = [procs[3]!, procs[5]!, procs[7]!];
    await Promise.all(victims.map((v) => kill(v, 'SIGKILL')));
    const gone = new Set(victims.map((v) => v.nodeId!));
    const survivors = procs.filter((p) => !victims.includes(p));
    await waitFor('survivors to stop listing the killed nodes', 30_000, async () => {
      const lists = await Promise.all(survivors.map(peerIds));
      return lists.every((ids) => [...ids].every((id) => !gone.has(id))) ? true : undefined;
    });

    const before = victims[0]!.nodeId;
    const again = start(3); // same data directory, so the same identity file
    const after = await waitFor(
      'the restarted node',
      15_000,
      async () => (await ctl(again, 'self')).nodeId as string,
    );
    expect(after).toBe(before);
    const found = await waitFor('the restarted node to be found', 15_000, async () => {
      const r = await ctl(procs[1]!, 'lookup', { nodeId: before });
      return r.found ? r : undefined;
    });
    expect(found.addrs).toContain(`${HOST}:${again.port}`);
  }, 90_000);
});
