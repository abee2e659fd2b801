/**
 * `valhalla bench content`: retrieval by CID.
 *
 * Simulated: N ValhallaNodes (Veil + DHT + Saga) on one Simulation, joining through node 0 one
 * every 20 virtual ms, lognormal latency (median 40 ms, sigma 0.5) and 100 Mbit/s per link
 * direction. Five nodes publish a 1 MiB object each (256 KiB chunks); then 50 fetches from random
 * other nodes, 200 virtual ms apart, each of a random object. Reported: virtual time to first byte
 * and to completion, throughput per fetch (MiB / virtual s), providers tried, and the simulator's
 * own cost (wall and CPU ms per fetch).
 *
 * Live: two processes on loopback (`valhalla bootstrap` A and `valhalla node` B joined through A),
 * a 1 MiB and a 100 MiB random file put on A through `ctl put-content` and got on B through
 * `ctl get-content` (through the admin sockets, as a user would): wall time of the get and its
 * throughput (MiB/s), checked byte-identical by SHA-256.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminRequest } from '../cli/admin-client.js';
import { UsageError } from '../cli/errors.js';
import { reserveFreePorts, waitFor } from '../live/testing.js';
import { lognormal, Simulation } from '../sim/index.js';
import { generateIdentity } from '../stack/identity/identity.js';
import { ValhallaNode } from '../stack/node/index.js';
import type { CID, Saga } from '../stack/saga/index.js';
import { sagaOnNode } from '../stack/saga/index.js';
import { cpuMs, driveAll } from './dht-network.js';
import type { Figures } from './registry.js';

export const DEFAULT_SIM_NODES = [1_000, 10_000];
const PORT = 7000;
const MiB = 1024 * 1024;
const PUBLISHERS = 5;
const FETCHES = 50;
const FETCH_SPACING_MS = 200;
const JOIN_SPACING_MS = 20;

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))]! : Number.NaN;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

export async function benchContentSim(n: number, progress: (line: string) => void): Promise<Figures> {
  const sim = new Simulation({
    seed: `valhalla-bench-content-${n}`,
    network: { latency: lognormal(40, 0.5), bandwidthBytesPerSec: 100e6 / 8 },
    log: { level: 'error', keep: 50 },
  });
  const nodes: ValhallaNode[] = [];
  const sagas: Saga[] = [];
  for (let i = 0; i < n; i++) {
    const sn = sim.addNode();
    const node = new ValhallaNode({
      runtime: sn.runtime,
      identity: generateIdentity(sn.runtime.rng.fork('identity')),
    });
    nodes.push(node);
    const saga = sagaOnNode(node, sn.runtime);
    saga.start();
    sagas.push(saga);
  }
  const addr = (i: number) => sim.nodes[i]!.addr(PORT);
  const starts = nodes.map((node, i) => node.start([addr(i)]));
  await driveAll(sim, starts, `n=${n} start`, 60_000, progress);
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const joins = nodes.slice(1).map(async (node, i) => {
    await sim.nodes[i + 1]!.runtime.clock.sleep(i * JOIN_SPACING_MS);
    return node.bootstrap([addr(0)]);
  });
  await driveAll(sim, joins, `n=${n} join`, n * JOIN_SPACING_MS + 600_000, progress);
  const joinWallMs = performance.now() - wall0;
  const joinCpuMs = cpuMs(cpu0);

  const rng = sim.nodes[0]!.runtime.rng.fork('bench-content');
  const publishers = Array.from(
    { length: PUBLISHERS },
    (_, k) => 1 + Math.floor(((k + 0.5) * (n - 1)) / PUBLISHERS),
  );
  const cids: CID[] = [];
  const pubs = publishers.map(async (i, k) => {
    const r = await sagas[i]!.publish(rng.fork(`object-${k}`).bytes(MiB));
    cids[k] = r.cid;
  });
  await driveAll(sim, pubs, `n=${n} publish`, 120_000, progress);
  await Promise.all(pubs);

  const wall1 = performance.now();
  const cpu1 = process.cpuUsage();
  const t0 = sim.nowMs;
  const fetches = Array.from({ length: FETCHES }, async (_, f) => {
    let i = 1 + rng.int(n - 1);
    while (publishers.includes(i)) i = 1 + rng.int(n - 1);
    const obj = rng.int(PUBLISHERS);
    await sim.nodes[i]!.runtime.clock.sleep(t0 + f * FETCH_SPACING_MS - sim.nowMs);
    return sagas[i]!.fetch(cids[obj]!);
  });
  await driveAll(sim, fetches, `n=${n} fetch`, 600_000, progress);
  const settled = await Promise.allSettled(fetches);
  const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const fetchWallMs = performance.now() - wall1;
  const fetchCpuMs = cpuMs(cpu1);
  const ms = ok.map((r) => r.ms);
  return {
    nodes: n,
    objectMiB: 1,
    fetches: FETCHES,
    fetchesOk: ok.length,
    ttfbMsP50: r1(
      q(
        ok.map((r) => r.ttfbMs),
        0.5,
      ),
    ),
    fetchMsP50: r1(q(ms, 0.5)),
    fetchMsP90: r1(q(ms, 0.9)),
    fetchMsMax: r1(q(ms, 1)),
    throughputMiBpsP50: r1(
      q(
        ms.map((m) => 1000 / m),
        0.5,
      ),
    ),
    providersTriedMean: r1(ok.reduce((s, r) => s + r.providersTried, 0) / Math.max(1, ok.length)),
    fetchWallMsPerFetch: r1(fetchWallMs / FETCHES),
    fetchCpuMsPerFetch: r1(fetchCpuMs / FETCHES),
    joinWallMs: Math.round(joinWallMs),
    joinCpuMs: Math.round(joinCpuMs),
  };
}

interface Proc {
  child: ChildProcess;
  admin: string;
}

async function ok(
  admin: string,
  cmd: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const r = await adminRequest(admin, cmd, args, 30 * 60_000);
  if (!r.ok) throw new Error(`${cmd}: ${r.error.name}: ${r.error.message}`);
  return r.result;
}

export async function benchContentLive(
  sizesMiB: number[],
  progress: (line: string) => void,
): Promise<Figures> {
  const cli = join(import.meta.dirname, '..', 'cli', 'main.js');
  const root = mkdtempSync(join(tmpdir(), 'valhalla-bench-content-'));
  const procs: Proc[] = [];
  try {
    const [pa, pb] = await reserveFreePorts('127.0.0.1', 2);
    for (const [i, args] of [
      ['bootstrap', '--listen', `127.0.0.1:${pa}`],
      ['node', '--listen', `127.0.0.1:${pb}`, '--bootstrap', `127.0.0.1:${pa}`],
    ].entries()) {
      const dir = join(root, `n${i}`);
      const child = spawn(
        process.execPath,
        [cli, ...args, '--data', dir, '--store-limit', '2GiB', '--log-format', 'json'],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      child.stderr!.resume();
      procs.push({ child, admin: join(dir, 'admin.sock') });
    }
    for (const p of procs) {
      await waitFor('a node with a peer', 30_000, async () => {
        const r = await adminRequest(p.admin, 'peers');
        return r.ok && (r.result.peers as unknown[]).length > 0 ? true : undefined;
      });
    }
    const out: Figures = {};
    for (const mib of sizesMiB) {
      progress(`live: ${mib} MiB`);
      const data = randomBytes(mib * MiB);
      const file = join(root, `in-${mib}.bin`);
      writeFileSync(file, data);
      const tp = performance.now();
      const put = await ok(procs[0]!.admin, 'put-content', { path: file });
      const putMs = performance.now() - tp;
      const dest = join(root, `out-${mib}.bin`);
      const tg = performance.now();
      const got = await ok(procs[1]!.admin, 'get-content', { cid: put.cid, out: dest });
      const getMs = performance.now() - tg;
      const same =
        createHash('sha256').update(readFileSync(dest)).digest('hex') ===
        createHash('sha256').update(data).digest('hex');
      if (!same) throw new Error(`live ${mib} MiB: the fetched file differs from the published one`);
      out[`live${mib}MiB.putMs`] = Math.round(putMs);
      out[`live${mib}MiB.getMs`] = Math.round(getMs);
      out[`live${mib}MiB.ttfbMs`] = r1(got.ttfbMs as number);
      out[`live${mib}MiB.getMiBps`] = r1(mib / (getMs / 1000));
      out[`live${mib}MiB.identical`] = same;
    }
    return out;
  } finally {
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
            p.child.once('exit', () => resolve());
            p.child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(root, { recursive: true, force: true });
  }
}

export function parseList(
  text: string | undefined,
  flag: string,
  min: number,
  max: number,
): number[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((part) => {
    const v = Number(part.trim().replace(/_/g, ''));
    if (!Number.isInteger(v) || v < min || v > max)
      throw new UsageError(`--${flag}: expected integers in ${min}..${max}, got '${part}'`);
    return v;
  });
}

export async function benchContent(opts: {
  nodes?: number[];
  liveMiB?: number[];
  skip?: string;
  progress: (line: string) => void;
}): Promise<Figures> {
  const out: Figures = {};
  if (opts.skip !== 'live')
    Object.assign(out, await benchContentLive(opts.liveMiB ?? [1, 100], opts.progress));
  if (opts.skip !== 'sim') {
    for (const n of opts.nodes ?? DEFAULT_SIM_NODES) {
      opts.progress(`sim: ${n} nodes`);
      const f = await benchContentSim(n, opts.progress);
      for (const [k, v] of Object.entries(f)) out[`sim${n}.${k}`] = v;
    }
  }
  return out;
}
