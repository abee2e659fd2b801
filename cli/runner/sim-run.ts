/**
 * Runs a scenario on the simulator: builds the network and the nodes, drives the workloads, and
 * collects the metrics the assertions read. Workload events are scheduled either on a node's own
 * clock (ping: owned by that node) or as controller events (lookups), so their order is fixed by
 * the seed and never by the host machine.
 *
 * One code path for any number of worker threads (sim/parallel): scenarioPart() builds one
 * worker's share (with one worker, all of it), mergeParts() puts the shares together. The rules
 * that keep the result independent of the worker count: every worker adds every node and schedules
 * every controller event (timeline, joins, lookups, samples), so the bookkeeping of who is up and
 * every random choice of the controller are the same everywhere; a node's stack, its pings and the
 * lookups it issues exist only in the worker that owns it (node.local); whatever a controller
 * event observes of the nodes (table health, segments delivered) is summed over workers, never
 * read from one.
 */

import type { LookupWorkload, PingWorkload, Scenario } from '../../scenarios/types.js';
import { type PartitionOptions, type SimNode, Simulation, workerOf } from '../../sim/index.js';
import { type ParallelRunResult, type Part, runPartitioned } from '../../sim/parallel/index.js';
import { PingService } from '../../stack/probe/index.js';
import type { Rng } from '../../stack/runtime.js';
import type {
  FaultRecord,
  LookupRecord,
  MessageRecord,
  RunRecords,
  SampleRecord,
} from '../report/records.js';
import { ContentDriver, type ContentShare, contentMetrics } from './content.js';
import { cutForLookups, separates } from './cuts.js';
import {
  hasRealmWorkload,
  hasSingleThreadRealmWorkload,
  type PublishShare,
  publishMetrics,
  RealmWorkloads,
} from './realm-workloads.js';
import { simNetworkOptions } from './sim-network.js';
import { distribution } from './stats.js';
import { scheduleTimeline } from './timeline.js';
import { World } from './world.js';

export const PROBE_PORT = 7000; // where every node answers pings

/** A scenario with Realm workloads asked to run on several workers. */
export class RealmWorkersError extends Error {
  override name = 'RealmWorkersError';
}

export interface Progress {
  virtualMs: number;
  durationMs: number;
  events: number;
  wallMs: number;
}

export interface SimRunResult {
  traceHash: string;
  events: number;
  virtualTimeMs: number;
  metrics: Record<string, number>;
  records: RunRecords;
}

/** One worker's wall and CPU time and exchange counts, ms rounded (summary.json `workers`). */
export interface WorkerStats {
  /** CPU time of the worker's thread, setup included (null where the OS does not say). */
  cpuMs: number | null;
  /** Building its part: nodes, identities, stacks, controller events. */
  setupMs: number;
  /** The window loop, waiting included. */
  runMs: number;
  /** Blocked waiting for another worker's progress. */
  waitMs: number;
  windows: number;
  messagesOut: number;
  messagesIn: number;
}

interface PingTally {
  sent: number;
  ok: number;
  failed: number;
  rtts: number[];
}

function startPings(
  nodes: SimNode[],
  probes: (PingService | undefined)[],
  w: PingWorkload,
  tally: PingTally,
): void {
  nodes.forEach((node, i) => {
    if (!node.local) return; // pings are the node's own timers: only its worker runs them
    const { clock, rng } = node.runtime;
    const wrng = rng.fork(`workload:ping:${w.everyMs}`);
    const tick = (): void => {
      if (clock.now() >= w.stopMs) return;
      clock.setTimer(w.everyMs, tick);
      if (nodes.length < 2) return;
      let j = wrng.int(nodes.length - 1);
      if (j >= i) j++; // any node but ourselves
      tally.sent++;
      probes[i]!.ping(nodes[j]!.addr(PROBE_PORT)).then(
        (rtt) => {
          tally.ok++;
          tally.rtts.push(rtt);
        },
        () => {
          tally.failed++;
        },
      );
    };
    // Spread the first pings over one interval so nodes do not fire in lockstep.
    clock.setTimer(w.startMs + wrng.float() * w.everyMs, tick);
  });
}

/** A lookup issued at tMs, before its result (a lookup that never ends counts as failed). */
export function pendingLookup(tMs: number): LookupRecord {
  return { tMs, node: -1, target: -1, found: false, hops: 0, queries: 0, ms: Number.NaN };
}

/** Two distinct nodes among `up` (at least two): who looks up, and whom. */
export function lookupPair(rng: Rng, up: readonly number[]): [number, number] {
  const fromPos = rng.int(up.length);
  let targetPos = rng.int(up.length - 1);
  if (targetPos >= fromPos) targetPos++;
  return [up[fromPos]!, up[targetPos]!];
}

function startLookups(world: World, w: LookupWorkload, out: LookupRecord[]): void {
  const rng = world.nodes[0]!.runtime.rng.fork(`workload:lookup:${w.label ?? ''}:${w.startMs}`);
  for (let q = 0; q < w.count; q++) {
    const at = w.startMs + (w.overMs * q) / w.count;
    world.sim.schedule(at, () => {
      // Both ends are chosen among the nodes up at that instant: a lookup of a crashed node is
      // expected to fail and would say nothing about the DHT.
      const up = world.upView();
      const rec = pendingLookup(at);
      out.push(rec);
      if (up.length < 2) return;
      [rec.node, rec.target] = lookupPair(rng, up);
      // Every worker keeps the record; the lookup itself runs where its node does (mergeParts
      // takes that worker's copy).
      if (!world.nodes[rec.node]!.local) return;
      // A failed lookup is a result to record, never an error that stops the run.
      world.stacks[rec.node]!.dht.lookup(world.identities[rec.target]!.nodeId.toString()).then(
        (r) => Object.assign(rec, { found: r.found, hops: r.hops, queries: r.queries, ms: r.ms }),
        () => undefined,
      );
    });
  }
}

/**
 * One worker's share of a sample: nodes up (the same in every worker), routing-table entries of
 * its own up nodes and how many of them are up, and segments it delivered since the last sample.
 */
interface SampleShare {
  tMs: number;
  up: number;
  entries: number;
  live: number;
  /** Entries whose node is up and not cut off from the table's owner by a partition in force. */
  reachable: number;
  deliveries: number;
}

/** Health over time: nodes up, routing-table size, and the share of table entries that are up. */
function scheduleSamples(world: World, scenario: Scenario, out: SampleShare[]): void {
  let lastDeliveries = 0;
  const sample = (): void => {
    // Traffic per window: segments delivered by the simulated network since the last sample.
    const deliveries = world.sim.stats.deliveries;
    const up = world.upView();
    let entries = 0;
    let live = 0;
    let reachable = 0;
    const cut = world.cuts.length > 0;
    for (const i of up) {
      if (!world.nodes[i]!.local) continue;
      for (const id of world.stacks[i]!.dht.tableIds()) {
        entries++;
        const j = world.indexOf.get(id);
        if (j === undefined || !world.isUp(j)) continue;
        live++;
        if (!cut || world.reachable(i, j)) reachable++;
      }
    }
    out.push({
      tMs: world.sim.nowMs,
      up: up.length,
      entries,
      live,
      reachable,
      deliveries: deliveries - lastDeliveries,
    });
    lastDeliveries = deliveries;
  };
  for (let t = scenario.sampleMs; t <= scenario.durationMs; t += scenario.sampleMs)
    world.sim.schedule(t, sample);
}

/** The workers' sample shares as the records a run keeps (shares are in the same order everywhere). */
function sampleRecords(shares: SampleShare[][]): { samples: SampleRecord[]; messages: MessageRecord[] } {
  const samples: SampleRecord[] = [];
  const messages: MessageRecord[] = [];
  let lastT = 0;
  shares[0]!.forEach((first, k) => {
    let entries = 0;
    let live = 0;
    let reachable = 0;
    let deliveries = 0;
    for (const w of shares) {
      entries += w[k]!.entries;
      live += w[k]!.live;
      reachable += w[k]!.reachable;
      deliveries += w[k]!.deliveries;
    }
    const t = first.tMs;
    messages.push({ tMs: lastT, kind: 'sim.segments', count: deliveries, bytes: 0 });
    lastT = t;
    samples.push({ tMs: t, metric: 'nodes.up', value: first.up });
    samples.push({ tMs: t, metric: 'table.size.mean', value: first.up ? entries / first.up : 0 });
    samples.push({ tMs: t, metric: 'table.live_fraction', value: entries ? live / entries : 1 });
    // Drops while a partition cuts tables in two, and recovers as the heal lets peers through.
    samples.push({ tMs: t, metric: 'table.reachable_fraction', value: entries ? reachable / entries : 1 });
  });
  return { samples, messages };
}

export function lookupMetrics(lookups: LookupRecord[], prefix = 'lookup'): Record<string, number> {
  if (lookups.length === 0) return {};
  const found = lookups.filter((l) => l.found);
  return {
    [`${prefix}.count`]: lookups.length,
    [`${prefix}.success_rate`]: found.length / lookups.length,
    ...distribution(
      `${prefix}.hops`,
      found.map((l) => l.hops),
    ),
    ...distribution(
      `${prefix}.ms`,
      found.map((l) => l.ms),
    ),
    [`${prefix}.queries.mean`]: lookups.reduce((s, l) => s + l.queries, 0) / lookups.length,
  };
}

/**
 * Marks each lookup as across a partition's cut (issuer and target on opposite sides) or not; null
 * when both ends are unknown or the scenario partitions nothing. See cuts.ts for which cut.
 */
function classifyAcrossCut(scenario: Scenario, lookups: LookupRecord[]): void {
  const cutAt = cutForLookups(scenario);
  for (const l of lookups) {
    const cut = l.node < 0 || l.target < 0 ? undefined : cutAt(l.tMs);
    l.acrossCut = cut ? separates(cut, l.node, l.target) : null;
  }
}

/** Success of lookups across the cut and on one side of it (only when the scenario has a partition). */
function cutMetrics(lookups: LookupRecord[], prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  const classes: [string, boolean][] = [
    ['cross_cut', true],
    ['same_side', false],
  ];
  if (!lookups.some((l) => l.acrossCut !== null && l.acrossCut !== undefined)) return out;
  for (const [name, across] of classes) {
    const mine = lookups.filter((l) => l.acrossCut === across);
    out[`${prefix}.${name}.count`] = mine.length;
    out[`${prefix}.${name}.success_rate`] = mine.length
      ? mine.filter((l) => l.found).length / mine.length
      : Number.NaN;
  }
  return out;
}

/** What scenarioPart needs in every worker: plain data (it crosses to worker threads). */
export interface ScenarioRunInput {
  scenario: Scenario;
  seed: number;
}

/** One worker's share of a run's results (with one worker, all of it). */
export interface ScenarioPart {
  tally: PingTally;
  /** Every lookup workload's records, in issue order: every worker has each one, filled in by the node's worker. */
  labelled: [string, LookupRecord[]][];
  samples: SampleShare[];
  faults: FaultRecord[];
  counters: Record<string, number>;
  nodesUp: number;
  /** content.publish / content.fetch records (cli/runner/content.ts), when the scenario has them. */
  content?: ContentShare;
  /** Metrics of the rpc and crdt workloads (these run on one worker). */
  realm: Record<string, number>;
  /** This worker's share of the publish workloads, when the scenario has them. */
  publish?: PublishShare;
}

/** Build one worker's share of a scenario run (sim/parallel DriverFactory). */
export async function scenarioPart(
  input: ScenarioRunInput,
  partition: PartitionOptions,
): Promise<Part<ScenarioPart>> {
  const { scenario, seed } = input;
  const sim = new Simulation({
    seed,
    partition,
    network: simNetworkOptions(scenario.network),
    log: { level: 'warn', keep: 200 },
  });
  const regionNames = scenario.nodes.regions;
  const nodes: SimNode[] = [];
  for (let i = 0; i < scenario.nodes.count; i++) {
    nodes.push(sim.addNode(regionNames.length > 0 ? { region: regionNames[i % regionNames.length] } : {}));
  }
  const tally: PingTally = { sent: 0, ok: 0, failed: 0, rtts: [] };
  const pings = scenario.workload.filter((w): w is PingWorkload => w.kind === 'ping');
  if (pings.length > 0) {
    const probes = nodes.map((n) => (n.local ? new PingService({ runtime: n.runtime }) : undefined));
    // Listening needs no virtual time: the promises settle on microtasks alone.
    await Promise.all(probes.map((p, i) => p?.start(nodes[i]!.addr(PROBE_PORT))));
    for (const w of pings) startPings(nodes, probes, w, tally);
  }
  const lookupWorkloads = scenario.workload.filter((w): w is LookupWorkload => w.kind === 'lookup');
  const labelled = new Map<string, LookupRecord[]>();
  const samples: SampleShare[] = [];
  let world: World | undefined;
  const hasContent = scenario.workload.some((w) => w.kind === 'content.publish');
  let content: ContentDriver | undefined;
  let realm: RealmWorkloads | undefined;
  const realmWorkloads = hasRealmWorkload(scenario);
  if (hasSingleThreadRealmWorkload(scenario) && partition.workers > 1) {
    throw new RealmWorkersError('the rpc and crdt workloads observe every node: run them with --workers 1');
  }
  if (lookupWorkloads.length > 0 || scenario.timeline.length > 0 || hasContent || realmWorkloads) {
    world = new World(sim, nodes, scenario);
    if (hasContent) content = new ContentDriver(world, scenario);
    if (realmWorkloads) realm = new RealmWorkloads(world, scenario);
    world.scheduleJoins(scenario.nodes.joinOverMs);
    content?.schedule();
    for (const w of lookupWorkloads) {
      const mine: LookupRecord[] = [];
      startLookups(world, w, mine);
      labelled.set(w.label ?? `#${labelled.size}`, mine);
    }
    scheduleTimeline(world, scenario, nodes[0]!.runtime.rng.fork('timeline'));
    scheduleSamples(world, scenario, samples);
  }
  return {
    sim,
    untilMs: scenario.durationMs,
    collect: () => {
      const publish = realm?.publishShare();
      return {
        tally,
        labelled: [...labelled],
        samples,
        faults: world?.faults ?? [],
        counters: sim.metrics().counters,
        nodesUp: world ? world.upNodes().length : nodes.length,
        ...(content ? { content: content.share } : {}),
        realm: realm?.metrics() ?? {},
        ...(publish ? { publish } : {}),
      };
    },
  };
}

/** The shares of a run as one result. Deterministic: nothing depends on which worker had what. */
export function mergeParts(
  scenario: Scenario,
  run: Omit<ParallelRunResult<ScenarioPart>, 'windows' | 'setupMs' | 'cpuMs'>,
): SimRunResult {
  const parts = run.parts;
  const workers = parts.length;
  const tally: PingTally = { sent: 0, ok: 0, failed: 0, rtts: [] };
  const counters: Record<string, number> = {};
  for (const p of parts) {
    tally.sent += p.tally.sent;
    tally.ok += p.tally.ok;
    tally.failed += p.tally.failed;
    tally.rtts.push(...p.tally.rtts);
    for (const [k, v] of Object.entries(p.counters)) counters[k] = (counters[k] ?? 0) + v;
  }
  // Sorted, so that sums (the mean) add in the same order whatever the partitioning.
  tally.rtts.sort((a, b) => a - b);
  // Each lookup record from the worker of the node that issued it (SimNode index = node + 1).
  const owner = (rec: LookupRecord) => (rec.node < 0 ? 0 : workerOf(rec.node + 1, workers));
  const labelled = new Map<string, LookupRecord[]>(
    parts[0]!.labelled.map(([label, recs], l) => [
      label,
      recs.map((rec, q) => parts[owner(rec)]!.labelled[l]![1][q]!),
    ]),
  );
  const lookups: LookupRecord[] = [];
  for (const recs of labelled.values()) lookups.push(...recs);
  lookups.sort((a, b) => a.tMs - b.tMs || a.node - b.node);
  const lookupWorkloads = scenario.workload.filter((w): w is LookupWorkload => w.kind === 'lookup');
  classifyAcrossCut(scenario, lookups);
  const perLabel: Record<string, number> = {};
  for (const w of lookupWorkloads)
    if (w.label) {
      const recs = labelled.get(w.label)!;
      Object.assign(
        perLabel,
        lookupMetrics(recs, `lookup.${w.label}`),
        cutMetrics(recs, `lookup.${w.label}`),
      );
    }
  const pings = scenario.workload.some((w) => w.kind === 'ping');
  const metrics: Record<string, number> = {
    ...(pings
      ? {
          'ping.sent': tally.sent,
          'ping.ok': tally.ok,
          'ping.failed': tally.failed,
          // Pings still in flight at the end are neither ok nor failed: the rate is over completed ones.
          'ping.success_rate':
            tally.ok + tally.failed > 0 ? tally.ok / (tally.ok + tally.failed) : Number.NaN,
          ...distribution('ping.rtt_ms', tally.rtts),
        }
      : {}),
    ...lookupMetrics(lookups),
    ...cutMetrics(lookups, 'lookup'),
    ...perLabel,
    ...(parts[0]!.content ? contentMetrics(parts.map((p) => p.content!)) : {}),
    ...(parts[0]!.publish
      ? publishMetrics(
          parts.map((p) => p.publish!),
          workers,
          counters['pubsub.bytes_out'] ?? 0,
        )
      : {}),
    ...parts[0]!.realm,
    'nodes.up': parts[0]!.nodesUp,
    // Sessions established, counted by their dialers (each side counts its own completion in
    // veil.handshakes, and a dialer can finish while its peer times out).
    'veil.handshakes': counters['veil.sessions_dialed'] ?? 0,
    'sim.deliveries': run.deliveries,
    'sim.timers': run.timers,
    'sim.faults': run.faults,
  };
  const { samples, messages } = parts[0]!.samples.length
    ? sampleRecords(parts.map((p) => p.samples))
    : { samples: [], messages: [] };
  // Timeline bookkeeping runs in every worker: worker 0's copy is the record.
  const records: RunRecords = { lookups, messages, samples, faults: parts[0]!.faults };
  return { traceHash: run.traceHash, events: run.events, virtualTimeMs: run.virtualTimeMs, metrics, records };
}

export interface SimRunOptions {
  /** Worker threads sharing the simulation (sim/parallel); the result is the same for any count. Default 1. */
  workers?: number;
}

export async function runOnSim(
  scenario: Scenario,
  seed: number,
  onProgress?: (p: Progress) => void,
  opts: SimRunOptions = {},
): Promise<SimRunResult> {
  return (await runOnSimMeasured(scenario, seed, onProgress, opts)).result;
}

/**
 * runOnSim, and how each worker spent its time: the result depends only on the scenario and seed,
 * the worker figures on the machine (so they are kept apart from it).
 */
export async function runOnSimMeasured(
  scenario: Scenario,
  seed: number,
  onProgress?: (p: Progress) => void,
  opts: SimRunOptions = {},
): Promise<{ result: SimRunResult; workers: WorkerStats[] }> {
  const run = await runPartitioned<ScenarioRunInput, ScenarioPart>({
    driver: { url: import.meta.url, exportName: 'scenarioPart' },
    input: { scenario, seed },
    workers: opts.workers ?? 1,
    // One worker in a thread too, for the thread's larger young generation (~15% less CPU at 2,000
    // nodes); from the TypeScript sources (vitest) it stays in-process, as dist/ may be stale.
    thread: import.meta.url.endsWith('.js'),
    onProgress: (p) => onProgress?.({ ...p, durationMs: scenario.durationMs }),
  });
  const workers: WorkerStats[] = run.windows.map((w, i) => ({
    cpuMs: run.cpuMs[i] === null ? null : Math.round(run.cpuMs[i]!),
    setupMs: Math.round(run.setupMs[i]!),
    runMs: Math.round(w.runMs),
    waitMs: Math.round(w.waitMs),
    windows: w.windows,
    messagesOut: w.messagesOut,
    messagesIn: w.messagesIn,
  }));
  return { result: mergeParts(scenario, run), workers };
}
