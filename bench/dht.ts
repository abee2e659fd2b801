/**
 * `valhalla bench dht [--nodes N]`: the Yggdrasil DHT at scale on the simulator, over real Veil
 * sessions (every session a real Noise XX handshake on this thread). For each network size:
 *
 *  1. N nodes (lognormal latency, median 40 ms) join through node 0, one every JOIN_SPACING_MS of
 *     virtual time;
 *  2. LOOKUPS lookups of random existing NodeIDs from random nodes, LOOKUP_SPACING_MS apart;
 *  3. 20% of the nodes crash at once (never node 0, which a deployment keeps up), and LOOKUPS more
 *     lookups run right away among the survivors, for survivors, with the dead still in every
 *     routing table.
 *
 * Virtual times (joinMs, lookupMs*) come from the simulator; wall and CPU times from this process.
 * The run is deterministic: the same seed and size give the same traceHash.
 */
import os from 'node:os';
import { UsageError } from '../cli/errors.js';
import { lognormal, SimRng } from '../sim/index.js';
import { lookupPhase } from './dht-lookups.js';
import { buildDhtNetwork, cpuMs, heapPeakMb } from './dht-network.js';
import type { Figures } from './registry.js';

export const DEFAULT_SIZES = [100, 1_000, 10_000];
export const DEFAULT_SEED = 'valhalla-bench-dht';
const LATENCY_MEDIAN_MS = 40;
const LATENCY_SIGMA = 0.5;
const JOIN_SPACING_MS = 20; // 50 joins per virtual second: joins overlap, as in a network growing fast
const LOOKUPS = 1_000; // per phase, at every size (a success rate resolves to 0.1%)
const LOOKUP_SPACING_MS = 10; // about 30 lookups in flight at once
const CRASH_FRACTION = 0.2;

/** ANCHORS.md, "Kademlia expectations", k = 20, alpha = 3: rounds until the 3 closest answered. */
const KADEMLIA: Record<number, { hopsMean: number; hopsP95: number; rpcs: number }> = {
  100: { hopsMean: 1.6, hopsP95: 2, rpcs: 5 },
  1000: { hopsMean: 2.0, hopsP95: 3, rpcs: 6 },
  10000: { hopsMean: 2.7, hopsP95: 3, rpcs: 8 },
  50000: { hopsMean: 3.0, hopsP95: 4, rpcs: 8 },
};

/** The median hop count ANCHORS.md allows at n nodes: [floor(mean), p95] of the ideal model. */
export function hopsAnchorRange(n: number): [number, number] | undefined {
  const a = KADEMLIA[n];
  return a ? [Math.floor(a.hopsMean), a.hopsP95] : undefined;
}

export interface DhtBenchOptions {
  nodes?: number[] | number;
  seed?: string;
  progress?: (line: string) => void;
}

const round = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** One network size, start to finish; figures unprefixed. */
export async function benchDhtSize(
  n: number,
  seed: string,
  progress: (line: string) => void,
): Promise<Figures> {
  if (!Number.isInteger(n) || n < 10) throw new RangeError(`nodes: expected an integer >= 10, got ${n}`);
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  heapPeakMb(true);
  const say = (line: string): void => progress(`[n=${n}] ${line}`);
  say(`building ${n} nodes`);
  const net = await buildDhtNetwork({
    seed: `${seed}:${n}`,
    nodes: n,
    latency: lognormal(LATENCY_MEDIAN_MS, LATENCY_SIGMA),
    joinSpacingMs: JOIN_SPACING_MS,
    progress: say,
  });
  const { sim, nodes } = net;
  const joinCounters = sim.metrics().counters;
  let tableSum = 0;
  for (const node of nodes) tableSum += node.dht.table().size;
  say(`joined in ${round(net.joinWallMs / 1000, 1)} s wall; lookups`);

  const all = nodes.map((_, i) => i);
  const before = await lookupPhase({
    sim,
    nodes,
    live: all,
    count: LOOKUPS,
    lookupSpacingMs: LOOKUP_SPACING_MS,
    seed: `${seed}:${n}:lookups`,
    what: 'lookups',
    progress: say,
  });

  // The 20% to crash: a seeded partial shuffle of nodes 1..n-1.
  const rng = new SimRng(`${seed}:${n}:crash`);
  const pool = all.slice(1);
  const crashCount = Math.round(n * CRASH_FRACTION);
  for (let i = 0; i < crashCount; i++) {
    const j = i + rng.int(pool.length - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  const crashed = new Set(pool.slice(0, crashCount));
  for (const i of crashed) nodes[i].sim.crash();
  say(`crashed ${crashCount} nodes; lookups among the rest`);
  const after = await lookupPhase({
    sim,
    nodes,
    live: all.filter((i) => !crashed.has(i)),
    count: LOOKUPS,
    lookupSpacingMs: LOOKUP_SPACING_MS,
    seed: `${seed}:${n}:lookups-after-crash`,
    what: 'lookups after crash',
    progress: say,
  });

  const counters = sim.metrics().counters;
  const figures: Figures = {
    nodes: n,
    joinMs: round(net.joinMs),
    joinWallMs: round(net.joinWallMs),
    joinCpuMs: round(net.joinCpuMs),
    joinFailures: net.joinFailures,
    handshakesPerJoin: round((joinCounters['dht.session.dial'] ?? 0) / (n - 1), 2),
    tableSizeMean: round(tableSum / n, 1),
    lookups: before.lookups,
    lookupSuccessRate: round(before.successRate, 4),
    lookupHopsP50: before.hopsP50,
    lookupHopsP95: before.hopsP95,
    lookupHopsMean: round(before.hopsMean, 2),
    lookupMsP50: round(before.msP50),
    lookupMsP99: round(before.msP99),
    queriesPerLookup: round(before.queriesMean, 2),
    requestsPerLookup: round(before.requestsPerLookup, 2),
    messagesPerLookup: round(before.messagesPerLookup, 2),
    bytesPerLookup: round(before.bytesPerLookup),
    lookupHandshakes: before.handshakes,
    lookupWallMs: round(before.wallMs),
    lookupCpuMs: round(before.cpuMs),
    crashed: crashCount,
    lookupSuccessRateAfterCrash: round(after.successRate, 4),
    lookupHopsP50AfterCrash: after.hopsP50,
    lookupHopsMeanAfterCrash: round(after.hopsMean, 2),
    lookupMsP50AfterCrash: round(after.msP50),
    lookupMsP99AfterCrash: round(after.msP99),
    queriesPerLookupAfterCrash: round(after.queriesMean, 2),
    requestsPerLookupAfterCrash: round(after.requestsPerLookup, 2),
    bytesPerLookupAfterCrash: round(after.bytesPerLookup),
    lookupHandshakesAfterCrash: after.handshakes,
    handshakes: counters['dht.session.dial'] ?? 0,
    simEvents: sim.stats.events,
    virtualMs: round(sim.nowMs),
    wallMs: round(performance.now() - wall0),
    cpuMs: round(cpuMs(cpu0)),
    // Peak resident set of the whole process so far (with several sizes: up to this one).
    peakRssMb: round(process.resourceUsage().maxRSS / 1024),
    heapPeakMb: round(heapPeakMb()),
    loadAvg1: round(os.loadavg()[0], 2),
    traceHash: sim.traceHash,
  };
  const range = hopsAnchorRange(n);
  if (range) figures.lookupHopsP50InAnchorRange = before.hopsP50 >= range[0] && before.hopsP50 <= range[1];
  if (before.failedExamples) figures.failedLookups = before.failedExamples;
  if (after.failedExamples) figures.failedLookupsAfterCrash = after.failedExamples;
  say(
    `done in ${round(Number(figures.wallMs) / 1000, 1)} s wall, ${round(Number(figures.cpuMs) / 1000, 1)} s CPU; ` +
      `success ${figures.lookupSuccessRate} / ${figures.lookupSuccessRateAfterCrash} after crash`,
  );
  return figures;
}

/**
 * Every size in ascending order. One size: its figures, flat. Several: the largest size's figures
 * at the top level (so `nodes`, `lookupSuccessRate`, ... always mean the biggest network run), and
 * every size's again under `n<N>.` (e.g. `n1000.lookupHopsP50`).
 */
export async function benchDht(opts: DhtBenchOptions = {}): Promise<Figures> {
  const sizes = [...new Set(opts.nodes === undefined ? DEFAULT_SIZES : [opts.nodes].flat())].sort(
    (a, b) => a - b,
  );
  const seed = opts.seed ?? DEFAULT_SEED;
  const progress = opts.progress ?? (() => {});
  const perSize: Figures[] = [];
  for (const n of sizes) perSize.push(await benchDhtSize(n, seed, progress));
  if (perSize.length === 1) return perSize[0];
  const out: Figures = { ...perSize[perSize.length - 1], sizes: sizes.join(',') };
  for (const f of perSize) for (const [k, v] of Object.entries(f)) out[`n${f.nodes}.${k}`] = v;
  return out;
}

/** Reference text beside the figures: top level (any size) and n<N>.-prefixed (that size). */
export function dhtAnchors(): Record<string, string> {
  const out: Record<string, string> = {};
  const sizes = Object.keys(KADEMLIA).map(Number);
  const fmt = (n: number): string => `N=${n.toLocaleString('en-US')}`;
  out.lookupHopsP50 =
    'ideal Kademlia, rounds until the 3 closest answered: ' +
    sizes.map((n) => `${fmt(n)} ${KADEMLIA[n].hopsMean} mean (p95 ${KADEMLIA[n].hopsP95})`).join('; ');
  out.queriesPerLookup = `ideal RPCs per lookup: ${sizes.map((n) => `${fmt(n)} ~${KADEMLIA[n].rpcs}`).join('; ')}`;
  out.lookupSuccessRate = 'target at N=10,000: >= 0.995';
  out.lookupSuccessRateAfterCrash = 'target at N=10,000: >= 0.98';
  out.wallMs = 'target at N=10,000: < 600,000 (one thread)';
  out.lookupMsP50 = 'Mainline DHT medians 100-200 ms (good implementations)';
  out.lookupMsP99 = 'IPFS provider lookups < 1.5 s for 95%+';
  for (const n of DEFAULT_SIZES) {
    const a = KADEMLIA[n];
    const r = hopsAnchorRange(n)!;
    out[`n${n}.lookupHopsP50`] = `ideal ${a.hopsMean} mean (p95 ${a.hopsP95}): median in ${r[0]}..${r[1]}`;
    out[`n${n}.lookupHopsP95`] = `ideal ${a.hopsP95}`;
    out[`n${n}.queriesPerLookup`] = `ideal ~${a.rpcs}`;
  }
  out['n10000.lookupSuccessRate'] = out.lookupSuccessRate;
  out['n10000.lookupSuccessRateAfterCrash'] = out.lookupSuccessRateAfterCrash;
  out['n10000.wallMs'] = out.wallMs;
  return out;
}

/** --nodes: one size ("1000") or several ("100,1000"); checked here, at the edge. */
export function parseNodes(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((part) => {
    const n = Number(part.trim().replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 10 || n > 1_000_000)
      throw new UsageError(`--nodes: expected integers in 10..1,000,000, got '${part}'`);
    return n;
  });
}
