/**
 * Realm benchmarks. `pubsub`: one topic on the simulator over the full stack (Veil sessions, the
 * DHT, application streams), every node subscribed, 100 publishers, --nodes N[,N...] (default
 * 1,000 and 10,000): delivery ratio, latency p50/p99 (virtual ms), duplicates per delivered
 * message, pub/sub bytes sent per node, Veil handshakes per node, and the wall and CPU time of the
 * run. `rpc`: echo calls per second between this process and a `valhalla bootstrap` child over
 * loopback TCP (Veil), with 32 calls in flight, and the CPU both processes used per call.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminRequest } from '../cli/admin-client.js';
import { runOnSim } from '../cli/runner/sim-run.js';
import { createLiveRuntime } from '../live/index.js';
import { LiveLogger } from '../live/logger.js';
import { reserveFreePorts, waitFor } from '../live/testing.js';
import type { Scenario } from '../scenarios/types.js';
import { generateIdentity } from '../stack/identity/index.js';
import { ValhallaNode } from '../stack/node/index.js';
import { Realm } from '../stack/realm/index.js';
import { round, withCpu } from './peer-process.js';
import type { Figures } from './registry.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

function pubsubScenario(nodes: number): Scenario {
  const joinOverMs = Math.max(10_000, nodes * 20);
  const startMs = joinOverMs + 20_000;
  return {
    file: `bench:pubsub:${nodes}`,
    name: `bench-pubsub-${nodes}`,
    seed: 1,
    durationMs: startMs + 40_000,
    nodes: { count: nodes, regions: [], joinOverMs, groups: {} },
    timeline: [],
    sampleMs: startMs + 40_000,
    stack: {},
    network: { latency: { model: 'lognormal', medianMs: 40, sigma: 0.5 }, jitterMs: 0, loss: 0 },
    workload: [
      {
        kind: 'publish',
        topic: 'bench',
        publishers: 100,
        count: 200,
        sizeBytes: 64,
        startMs,
        overMs: 20_000,
      },
    ],
    assertions: [],
  } as Scenario;
}

export async function benchPubsub(opts: {
  nodes?: number[];
  workers?: number;
  progress: (l: string) => void;
}): Promise<Figures> {
  const workers = opts.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1)
    throw new RangeError(`--workers must be a whole number >= 1`);
  const sizes = opts.nodes ?? [1_000, 10_000];
  const out: Figures = {};
  for (const n of sizes) {
    opts.progress(`pubsub: ${n} nodes on the simulator, ${workers} worker(s)...`);
    const loadAvg1Start = round(loadavg()[0]!, 2);
    const t0 = performance.now();
    // A line every 10 virtual seconds: how far a long run got, at what cost so far.
    const cpu0 = process.cpuUsage();
    let nextMs = 10_000;
    const onProgress = (p: { virtualMs: number; durationMs: number }): void => {
      if (p.virtualMs < nextMs) return;
      nextMs = Math.floor(p.virtualMs / 10_000) * 10_000 + 10_000;
      const c = process.cpuUsage(cpu0);
      opts.progress(
        `  ${Math.floor(p.virtualMs / 1000)} of ${p.durationMs / 1000} virtual s: ` +
          `${Math.round((performance.now() - t0) / 1000)} s wall, ${Math.round((c.user + c.system) / 1e6)} CPU-s, ` +
          `RSS ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MiB, load ${loadavg()[0]!.toFixed(1)}`,
      );
    };
    const { result, cpuMs } = await withCpu(() => runOnSim(pubsubScenario(n), 1, onProgress, { workers }));
    const m = result.metrics;
    const figures: Figures = {
      nodes: n,
      workers,
      loadAvg1Start,
      loadAvg1End: round(loadavg()[0]!, 2),
      published: m['pubsub.published']!,
      deliveryRatio: round(m['pubsub.delivery_ratio']!, 5),
      latencyMsP50: round(m['pubsub.latency_ms.p50']!, 1),
      latencyMsP99: round(m['pubsub.latency_ms.p99']!, 1),
      duplicatesPerDeliveryP50: round(m['pubsub.duplicates_per_delivery.p50']!, 3),
      duplicatesPerDeliveryMean: round(m['pubsub.duplicates_per_delivery.mean']!, 3),
      bytesPerNode: Math.round(m['pubsub.bytes_per_node']!),
      // Veil sessions dialed (each a Noise handshake), joins and pub/sub together, per node.
      handshakesPerNode: round(m['veil.handshakes']! / n, 2),
      virtualMs: result.virtualTimeMs,
      wallMs: Math.round(performance.now() - t0),
      cpuMs: Math.round(cpuMs),
      traceHash: result.traceHash,
    };
    for (const [k, v] of Object.entries(figures)) out[`n${n}.${k}`] = v;
    if (n === sizes[sizes.length - 1]) Object.assign(out, figures);
  }
  return out;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function benchRpc(opts: { progress: (l: string) => void; seconds?: number }): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'valhalla-bench-rpc-'));
  const [port] = await reserveFreePorts('127.0.0.1', 1);
  const child = spawn(
    process.execPath,
    [CLI, 'bootstrap', '--listen', `127.0.0.1:${port}`, '--data', dir, '--log-format', 'json'],
    {
      stdio: ['ignore', 'ignore', 'ignore'],
    },
  );
  const live = createLiveRuntime({ logger: new LiveLogger({ level: 'warn' }) });
  const identity = generateIdentity(live.rng);
  const node = new ValhallaNode({ runtime: live, identity });
  const realm = new Realm({ runtime: live, identity, node, dht: node.dht });
  try {
    const serverId = await waitFor('the server process', 20_000, async () => {
      const r = await adminRequest(join(dir, 'admin.sock'), 'self', {}, 5_000);
      return r.ok ? (r.result.nodeId as string) : undefined;
    });
    await node.start(['127.0.0.1:0']);
    await node.bootstrap([`127.0.0.1:${port}`]);
    realm.start();
    const seconds = opts.seconds ?? 10;
    const inflight = 32;
    opts.progress(`rpc: realm.echo calls to another process for ${seconds} s, ${inflight} in flight...`);
    for (let i = 0; i < 200; i++) await realm.rpc.call(serverId, 'realm.echo', { i }); // warm-up
    let done = 0;
    let failed = 0;
    const deadline = performance.now() + seconds * 1000;
    const latencies: number[] = [];
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const t = performance.now();
        try {
          await realm.rpc.call(serverId, 'realm.echo', { n: done });
          done++;
          latencies.push(performance.now() - t);
        } catch {
          failed++;
        }
      }
    };
    const loadAvg1Start = round(loadavg()[0]!, 2);
    const t0 = performance.now();
    const { cpuMs } = await withCpu(() => Promise.all(Array.from({ length: inflight }, worker)));
    const wallS = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      loadAvg1Start,
      callsPerSec: Math.round(done / wallS),
      failed,
      inflight,
      latencyMsP50: round(latencies[Math.floor(latencies.length / 2)] ?? Number.NaN, 3),
      latencyMsP99: round(latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN, 3),
      callerCpuUsPerCall: round((cpuMs * 1000) / Math.max(1, done), 1),
      callsPerCallerCpuSec: Math.round(done / (cpuMs / 1000)),
    };
  } finally {
    realm.stop();
    await node.stop().catch(() => undefined);
    await live.shutdown();
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}
