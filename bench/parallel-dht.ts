/**
 * A DHT network partitioned across worker threads (sim/parallel): the driver the sim-parallel tests
 * use, and a command that times one run for a given number of workers.
 *
 *   node dist/bench/parallel-dht.js --nodes 10000 --workers 2 [--seed 1] [--lookups 10000]
 *
 * Every node runs the real stack (Veil sessions with Noise handshakes and node:crypto, the
 * Yggdrasil DHT) on a lognormal wide-area network with loss. Nodes join through node 0, staggered
 * over joinOverMs; then random lookups between nodes that are up. Optional faults: some nodes crash
 * and later restart (same identity, fresh state), and a partition cuts the network in two and heals.
 *
 * It follows the driver rules of sim/parallel/index.ts: every worker adds every node and runs
 * every controller event (so the bookkeeping of who is up, and every random choice the controller
 * makes, are the same everywhere); stacks exist and lookups start only where node.local holds.
 */
import { pathToFileURL } from 'node:url';
import { lognormal, type PartitionOptions, type SimNode, Simulation } from '../sim/index.js';
import type { Part } from '../sim/parallel/index.js';
import { generateIdentity, type Identity } from '../stack/identity/index.js';
import { ValhallaNode } from '../stack/node/index.js';

const DHT_PORT = 7001; // where every node's Veil/DHT listens

export interface DhtNetInput {
  seed: number;
  nodes: number;
  joinOverMs: number;
  lookups: number;
  lookupStartMs: number;
  lookupOverMs: number;
  untilMs: number;
  latencyMedianMs: number;
  latencySigma: number;
  minLatencyMs: number;
  loss: number;
  k?: number;
  /** Crash this many random nodes (never node 0) at crashAtMs; restart them at restartAtMs. */
  crash?: { count: number; atMs: number; restartAtMs: number };
  /** Cut nodes [0, n/2) from the rest between these times. */
  partition?: { atMs: number; healAtMs: number };
}

export interface LookupOutcome {
  q: number;
  tMs: number;
  node: number;
  target: number;
  found: boolean;
  hops: number;
  queries: number;
  ms: number;
}

export interface DhtNetPart {
  worker: number;
  /** Lookups this worker started (the ones from its own nodes). */
  lookups: LookupOutcome[];
  counters: Record<string, number>;
  handlerErrors: number;
}

type State = 'waiting' | 'up' | 'crashed';

export function dhtNetwork(input: DhtNetInput, partition: PartitionOptions): Part<DhtNetPart> {
  const sim = new Simulation({
    seed: input.seed,
    partition,
    network: {
      latency: lognormal(input.latencyMedianMs, input.latencySigma),
      minLatencyMs: input.minLatencyMs,
      loss: input.loss,
    },
    log: { level: 'warn', keep: 100 },
  });
  const nodes: SimNode[] = [];
  for (let i = 0; i < input.nodes; i++) nodes.push(sim.addNode());
  // Identities of every node (lookups need their targets' NodeIDs wherever they start).
  const ids: Identity[] = nodes.map((n) => generateIdentity(n.runtime.rng.fork('identity')));
  const stacks: (ValhallaNode | undefined)[] = nodes.map(() => undefined);
  const state: State[] = nodes.map(() => 'waiting');
  const ctl = nodes[0]!.runtime.rng.fork('controller');
  const up = (): number[] => state.flatMap((s, i) => (s === 'up' ? [i] : []));
  const addr = (i: number) => nodes[i]!.addr(DHT_PORT);
  const dht = input.k ? { k: input.k } : {};

  const boot = async (i: number, via: number | undefined): Promise<void> => {
    const stack = new ValhallaNode({ runtime: nodes[i]!.runtime, identity: ids[i]! }, { dht });
    stacks[i] = stack;
    await stack.start([addr(i)]);
    if (via !== undefined) await stack.bootstrap([addr(via)]);
  };

  const spacing = input.nodes > 1 ? input.joinOverMs / (input.nodes - 1) : 0;
  for (let i = 0; i < input.nodes; i++) {
    sim.schedule(i * spacing, () => {
      state[i] = 'up';
      return nodes[i]!.local ? boot(i, i === 0 ? undefined : 0) : undefined;
    });
  }

  const lookups: LookupOutcome[] = [];
  for (let q = 0; q < input.lookups; q++) {
    const at = input.lookupStartMs + (input.lookupOverMs * q) / input.lookups;
    sim.schedule(at, () => {
      const live = up();
      if (live.length < 2) return;
      const fromPos = ctl.int(live.length);
      let targetPos = ctl.int(live.length - 1);
      if (targetPos >= fromPos) targetPos++;
      const from = live[fromPos]!;
      const target = live[targetPos]!;
      if (!nodes[from]!.local) return;
      const rec: LookupOutcome = {
        q,
        tMs: at,
        node: from,
        target,
        found: false,
        hops: 0,
        queries: 0,
        ms: -1,
      };
      lookups.push(rec);
      stacks[from]!.dht.lookup(ids[target]!.nodeId.toString()).then(
        (r) => Object.assign(rec, { found: r.found, hops: r.hops, queries: r.queries, ms: r.ms }),
        () => undefined,
      );
    });
  }

  if (input.crash) {
    const { count, atMs, restartAtMs } = input.crash;
    let victims: number[] = [];
    sim.schedule(atMs, () => {
      const pool = up().filter((i) => i !== 0);
      victims = [];
      while (victims.length < count && pool.length > 0)
        victims.push(pool.splice(ctl.int(pool.length), 1)[0]!);
      for (const i of victims) {
        state[i] = 'crashed';
        stacks[i] = undefined;
        nodes[i]!.crash();
      }
    });
    sim.schedule(restartAtMs, () => {
      const live = up();
      const boots: Promise<void>[] = [];
      for (const i of victims) {
        nodes[i]!.restart();
        state[i] = 'up';
        const via = live[ctl.int(live.length)];
        if (nodes[i]!.local) boots.push(boot(i, via));
      }
      return Promise.all(boots);
    });
  }

  if (input.partition) {
    const half = nodes.slice(0, Math.floor(nodes.length / 2));
    const rest = nodes.slice(half.length);
    sim.schedule(input.partition.atMs, () => sim.partition(half, rest));
    sim.schedule(input.partition.healAtMs, () => sim.heal());
  }

  return {
    sim,
    untilMs: input.untilMs,
    collect: () => ({
      worker: partition.worker,
      lookups,
      counters: sim.metrics().counters,
      handlerErrors: nodes.reduce((s, n) => s + (n.local ? n.handlerErrors : 0), 0),
    }),
  };
}

/** The workers' parts as one: lookups in issue order, counters summed. */
export function mergeDhtParts(parts: DhtNetPart[]): {
  lookups: LookupOutcome[];
  counters: Record<string, number>;
  handlerErrors: number;
} {
  const lookups = parts.flatMap((p) => p.lookups).sort((a, b) => a.q - b.q);
  const counters: Record<string, number> = {};
  for (const p of parts)
    for (const [k, v] of Object.entries(p.counters)) counters[k] = (counters[k] ?? 0) + v;
  return { lookups, counters, handlerErrors: parts.reduce((s, p) => s + p.handlerErrors, 0) };
}

/** The 10,000-node shape of issue 5: joins over 60 s, then one lookup per node over 60 s. */
export function tenThousand(nodes = 10_000, seed = 1, minLatencyMs = 1): DhtNetInput {
  return {
    seed,
    nodes,
    joinOverMs: 60_000,
    lookups: nodes,
    lookupStartMs: 70_000,
    lookupOverMs: 60_000,
    untilMs: 140_000,
    latencyMedianMs: 40,
    latencySigma: 0.5,
    minLatencyMs,
    loss: 0.01,
    k: 20,
  };
}

async function main(argv: string[]): Promise<void> {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string', default: '10000' },
      workers: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      floor: { type: 'string', default: '1' },
    },
  });
  const { runPartitioned } = await import('../sim/parallel/index.js');
  const input = tenThousand(Number(values.nodes), Number(values.seed), Number(values.floor));
  const workers = Number(values.workers);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let last = 0;
  const r = await runPartitioned<DhtNetInput, DhtNetPart>({
    driver: { url: import.meta.url, exportName: 'dhtNetwork' },
    input,
    workers,
    onProgress: (p) => {
      if (p.wallMs - last < 10_000) return;
      last = p.wallMs;
      process.stderr.write(
        `  ${(p.virtualMs / 1000).toFixed(1)} s virtual, ${p.events} events, ${(p.wallMs / 1000).toFixed(0)} s wall\n`,
      );
    },
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const m = mergeDhtParts(r.parts);
  const found = m.lookups.filter((l) => l.found).length;
  const out = {
    nodes: input.nodes,
    workers,
    minLatencyMs: input.minLatencyMs,
    traceHash: r.traceHash,
    events: r.events,
    wallS: Math.round(wallMs / 100) / 10,
    cpuS: Math.round((cpu.user + cpu.system) / 1e5) / 10,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    lookups: m.lookups.length,
    successRate: m.lookups.length ? found / m.lookups.length : null,
    handshakes: (m.counters['veil.handshakes'] ?? 0) / 2,
    windows: r.windows.map((w) => ({
      windows: w.windows,
      messagesOut: w.messagesOut,
      waitS: Math.round(w.waitMs / 100) / 10,
    })),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

// Not a top-level await: one worker imports this module in-process, which must finish loading first.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
