/**
 * The Realm workloads of a scenario: publish (pub/sub delivery), rpc (echo calls) and crdt (random
 * operations on a replicated store, convergence after the last heal, every acknowledged operation
 * checked against the final state). Realm runs on every node of the World (world.realmHooks);
 * what the workloads observe is kept here and turned into metrics at the end.
 *
 * Metrics: pubsub.published, pubsub.delivery_ratio (deliveries / expected deliveries, expected =
 * every other node whose Realm was running when the message was published and that is still up
 * at the end), pubsub.latency_ms.*, pubsub.duplicates_per_delivery.* (per message: copies
 * received beyond the first, over deliveries), pubsub.bytes_per_node; the same under
 * pubsub.<label>.* for a labelled workload; rpc.count, rpc.success_rate, rpc.ms.*; crdt.ops,
 * crdt.replicas, crdt.converged (1/0), crdt.convergence_ms (from max(stop, last heal) to the
 * first instant every up replica holds the same state), crdt.lost (acknowledged ops the final
 * state does not show).
 *
 * publish runs split across worker threads (sim/parallel) like the lookup workloads: the choice of
 * publisher is a controller decision made in every worker from replicated state (which nodes are
 * up), the owner of the publisher publishes, and each worker records the deliveries and duplicates
 * of its own nodes; the shares are merged by publishMetrics. rpc and crdt observe every node
 * directly, so a scenario with them runs on one worker (run refuses --workers N).
 */
import type { CrdtWorkload, PublishWorkload, RpcWorkload, Scenario } from '../../scenarios/types.js';
import { workerOf } from '../../sim/index.js';
import { type Realm, type ReplicatedStore, VerifiedMessages } from '../../stack/realm/index.js';
import { type AckedOp, CrdtOpGenerator, checkOps } from './crdt-workload.js';
import { distribution } from './stats.js';
import type { World } from './world.js';

export function hasRealmWorkload(scenario: Scenario): boolean {
  return scenario.workload.some((w) => w.kind === 'publish' || w.kind === 'rpc' || w.kind === 'crdt');
}

/** Workloads that need every node in one thread (publish does not). */
export function hasSingleThreadRealmWorkload(scenario: Scenario): boolean {
  return scenario.workload.some((w) => w.kind === 'rpc' || w.kind === 'crdt');
}

/**
 * One publish decision. Every worker holds one record per decision, in the same order; the
 * worker that owns `node` fills in `id` (empty when the node's Realm had not started yet).
 * node is -1 when no publisher was up.
 */
export interface PublishRecord {
  label: string;
  node: number;
  tMs: number;
  id: string;
}

/** One worker's share of the publish workloads (with one worker, all of it). */
export interface PublishShare {
  published: PublishRecord[];
  /** Per node: when its current Realm started; NaN where it never did or runs on another worker. */
  startedAt: number[];
  /** Per node: up at the end (replicated: the same in every worker). */
  up: boolean[];
  /** Message id -> (node -> virtual ms of first delivery), for this worker's nodes. */
  delivered: Map<string, Map<number, number>>;
  /** Message id -> copies received beyond the first, by this worker's nodes. */
  dups: Map<string, number>;
}

const ECHO = 'scenario.echo';
const STORE = 'scenario';

export class RealmWorkloads {
  private readonly published: PublishRecord[] = [];
  private readonly delivered = new Map<string, Map<number, number>>();
  private readonly dups = new Map<string, number>();
  /** When each node's current Realm started (NaN if it never did; kept after a crash). */
  private readonly startedAt: number[];
  private readonly calls: { ok: boolean; ms: number }[] = [];
  private readonly ops: AckedOp[] = [];
  private readonly stores: (ReplicatedStore | undefined)[];
  private readonly boots: number[];
  private convergedAt = Number.NaN;
  private convergeFrom = Number.NaN;

  constructor(
    private readonly world: World,
    private readonly scenario: Scenario,
  ) {
    const n = world.nodes.length;
    this.startedAt = new Array(n).fill(Number.NaN);
    this.stores = new Array(n).fill(undefined);
    this.boots = new Array(n).fill(0);
    const publishes = scenario.workload.filter((w): w is PublishWorkload => w.kind === 'publish');
    const crdt = scenario.workload.find((w): w is CrdtWorkload => w.kind === 'crdt');
    const rpc = scenario.workload.some((w) => w.kind === 'rpc');
    // One cache of verified message digests for all the nodes of this thread: each node still
    // checks each message before forwarding it, but bytes another node here already verified
    // are not put through Ed25519 again (stack/realm/pubsub/caches.ts).
    const verified = new VerifiedMessages();
    world.realmHooks = {
      init: (i) => ({
        pubsub: {
          verified,
          observer: {
            delivered: (m) => {
              let d = this.delivered.get(m.id);
              if (!d) {
                d = new Map();
                this.delivered.set(m.id, d);
              }
              if (!d.has(i)) d.set(i, this.world.sim.nowMs);
            },
            duplicate: (id) => {
              this.dups.set(id, (this.dups.get(id) ?? 0) + 1);
            },
          },
        },
      }),
      started: (i, realm) => {
        this.startedAt[i] = world.sim.nowMs;
        for (const topic of new Set(publishes.map((w) => w.topic)))
          realm.pubsub.subscribe(topic, () => undefined);
        if (rpc) realm.rpc.register(ECHO, (p) => p);
        if (crdt) this.startCrdt(i, realm, crdt);
      },
    };
    for (const w of publishes) this.schedulePublishes(w);
    for (const w of scenario.workload) if (w.kind === 'rpc') this.scheduleCalls(w);
    if (crdt) this.scheduleConvergence(crdt);
  }

  private realmOf(i: number): Realm | undefined {
    return this.world.isUp(i) ? this.world.realms[i] : undefined;
  }

  private schedulePublishes(w: PublishWorkload): void {
    const { world } = this;
    const n = world.nodes.length;
    const rng = world.nodes[0]!.runtime.rng.fork(`workload:publish:${w.label ?? ''}:${w.startMs}`);
    const pool = Array.from({ length: Math.max(0, n - 1) }, (_, k) => k + 1);
    for (let i = pool.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    const publishers = pool.slice(0, Math.min(w.publishers, pool.length));
    if (publishers.length === 0) publishers.push(0);
    const label = w.label ?? '';
    for (let q = 0; q < w.count; q++) {
      world.sim.schedule(w.startMs + (w.overMs * q) / w.count, () => {
        // The q-th message goes to the next publisher that is up. A controller event: every
        // worker decides the same from replicated state; only the publisher's owner publishes.
        let node = -1;
        for (let k = 0; k < publishers.length && node < 0; k++) {
          const cand = publishers[(q + k) % publishers.length]!;
          if (world.isUp(cand)) node = cand;
        }
        const rec: PublishRecord = { label, node, tMs: world.sim.nowMs, id: '' };
        this.published.push(rec);
        if (node < 0 || !world.nodes[node]!.local) return;
        const realm = world.realms[node];
        if (!realm) return; // up, but its Realm has not started (still joining): unpublished
        const data = new Uint8Array(w.sizeBytes);
        new DataView(data.buffer).setUint32(0, q);
        rec.id = realm.pubsub.publish(w.topic, data).id;
      });
    }
  }

  private scheduleCalls(w: RpcWorkload): void {
    const { world } = this;
    const rng = world.nodes[0]!.runtime.rng.fork(`workload:rpc:${w.startMs}`);
    for (let q = 0; q < w.count; q++) {
      world.sim.schedule(w.startMs + (w.overMs * q) / w.count, () => {
        const up = world.upNodes().filter((i) => this.world.realms[i]);
        if (up.length < 2) return;
        const a = up[rng.int(up.length)]!;
        let b = up[rng.int(up.length - 1)]!;
        if (b === a) b = up[up.length - 1]!;
        const t0 = world.sim.nowMs;
        const rec = { ok: false, ms: Number.NaN };
        this.calls.push(rec);
        this.world.realms[a]!.rpc.call(
          world.identities[b]!.nodeId,
          ECHO,
          { q },
          { timeoutMs: w.timeoutMs },
        ).then(
          () => Object.assign(rec, { ok: true, ms: world.sim.nowMs - t0 }),
          () => undefined,
        );
      });
    }
  }

  private startCrdt(i: number, realm: Realm, w: CrdtWorkload): void {
    const { clock, rng } = this.world.nodes[i]!.runtime;
    // A restarted node is a new replica (its old dots may be lost with its memory).
    const replicaId = `${this.world.identities[i]!.nodeId.toString().slice(0, 16)}.${this.boots[i]!++}`;
    const store = realm.openStore(STORE, { replicaId, antiEntropyMs: w.antiEntropyMs });
    this.stores[i] = store;
    const gen = new CrdtOpGenerator(store, rng.fork('workload:crdt'));
    const tick = (): void => {
      if (this.stores[i] !== store || clock.now() >= w.stopMs) return;
      if (clock.now() >= w.startMs) this.ops.push(gen.step(clock.now(), clock.wallNow()));
      clock.setTimer(w.everyMs * (0.5 + rng.float()), tick);
    };
    clock.setTimer(Math.max(0, w.startMs - clock.now()) + rng.float() * w.everyMs, tick);
  }

  private upStores(): ReplicatedStore[] {
    const out: ReplicatedStore[] = [];
    for (const i of this.world.upNodes()) {
      const s = this.world.realms[i] ? this.stores[i] : undefined;
      if (s) out.push(s);
    }
    return out;
  }

  private scheduleConvergence(w: CrdtWorkload): void {
    const heals = this.scenario.timeline.filter((e) => e.event === 'heal').map((e) => e.atMs);
    this.convergeFrom = Math.max(w.stopMs, ...heals);
    const check = (): void => {
      if (!Number.isNaN(this.convergedAt)) return;
      const stores = this.upStores();
      if (stores.length > 0 && new Set(stores.map((s) => s.fingerprint())).size === 1) {
        this.convergedAt = this.world.sim.nowMs;
        return;
      }
      if (this.world.sim.nowMs + 500 <= this.scenario.durationMs)
        this.world.sim.schedule(this.world.sim.nowMs + 500, check);
    };
    this.world.sim.schedule(this.convergeFrom, check);
  }

  /** This worker's share of the publish workloads, read at the end (publishMetrics merges shares). */
  publishShare(): PublishShare | undefined {
    if (!this.scenario.workload.some((w) => w.kind === 'publish')) return undefined;
    const { world } = this;
    return {
      published: this.published,
      startedAt: this.startedAt,
      up: world.nodes.map((_, i) => world.isUp(i)),
      delivered: this.delivered,
      dups: this.dups,
    };
  }

  /** The metrics of the rpc and crdt workloads (one worker), read at the end of the run. */
  metrics(): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.scenario.workload.some((w) => w.kind === 'rpc')) {
      const ok = this.calls.filter((c) => c.ok);
      out['rpc.count'] = this.calls.length;
      out['rpc.success_rate'] = this.calls.length ? ok.length / this.calls.length : Number.NaN;
      Object.assign(
        out,
        distribution(
          'rpc.ms',
          ok.map((c) => c.ms),
        ),
      );
    }
    if (this.scenario.workload.some((w) => w.kind === 'crdt')) {
      const stores = this.upStores();
      out['crdt.ops'] = this.ops.length;
      out['crdt.replicas'] = stores.length;
      out['crdt.converged'] = Number.isNaN(this.convergedAt) ? 0 : 1;
      out['crdt.convergence_ms'] = this.convergedAt - this.convergeFrom;
      const final = stores[0];
      out['crdt.lost'] = final ? checkOps((k) => final.get(k), this.ops).length : this.ops.length;
    }
    return out;
  }

  /** Ops the final state does not show (for a test to print). */
  lostOps(): string[] {
    const final = this.upStores()[0];
    return final ? checkOps((k) => final.get(k), this.ops) : [];
  }
}

/**
 * The publish metrics from every worker's share (one share with one worker). Nothing depends on
 * how nodes were split: each record, start time and delivery comes from the worker that owns its
 * node, and sums run in a fixed order. bytesOut is pubsub.bytes_out summed over workers.
 */
export function publishMetrics(
  shares: PublishShare[],
  workers: number,
  bytesOut: number,
): Record<string, number> {
  const first = shares[0]!;
  const n = first.startedAt.length;
  const owner = (node: number): PublishShare => shares[node < 0 ? 0 : workerOf(node + 1, workers)]!;
  const startedAt = first.startedAt.map((_, i) => owner(i).startedAt[i]!);
  const published = first.published.map((rec, k) => owner(rec.node).published[k]!);
  const delivered = new Map<string, Map<number, number>>();
  const dups = new Map<string, number>();
  for (const s of shares) {
    for (const [id, d] of s.delivered) {
      const all = delivered.get(id);
      if (!all) delivered.set(id, new Map(d));
      else for (const [i, t] of d) all.set(i, t);
    }
    for (const [id, c] of s.dups) dups.set(id, (dups.get(id) ?? 0) + c);
  }
  const sent = published.filter((p) => p.id !== '');
  const metricsOf = (prefix: string, msgs: PublishRecord[]): Record<string, number> => {
    let expected = 0;
    let got = 0;
    const latencies: number[] = [];
    const dupRatios: number[] = [];
    for (const m of msgs) {
      const d = delivered.get(m.id);
      // Expected: every other node whose current Realm was running when m was published and
      // that is still up at the end (a node restarted since has a later start).
      for (let i = 0; i < n; i++) {
        if (i === m.node || !first.up[i] || !(startedAt[i]! <= m.tMs)) continue;
        expected++;
        const at = d?.get(i);
        if (at === undefined) continue;
        got++;
        latencies.push(at - m.tMs);
      }
      if (d && d.size > 0) dupRatios.push((dups.get(m.id) ?? 0) / d.size);
    }
    latencies.sort((a, b) => a - b);
    dupRatios.sort((a, b) => a - b);
    return {
      [`${prefix}.published`]: msgs.length,
      [`${prefix}.expected`]: expected,
      [`${prefix}.delivered`]: got,
      [`${prefix}.delivery_ratio`]: expected ? got / expected : Number.NaN,
      ...distribution(`${prefix}.latency_ms`, latencies),
      ...distribution(`${prefix}.duplicates_per_delivery`, dupRatios),
    };
  };
  const out: Record<string, number> = metricsOf('pubsub', sent);
  for (const label of new Set(sent.map((p) => p.label)))
    if (label)
      Object.assign(
        out,
        metricsOf(
          `pubsub.${label}`,
          sent.filter((p) => p.label === label),
        ),
      );
  out['pubsub.unpublished'] = published.length - sent.length;
  out['pubsub.bytes_per_node'] = bytesOut / n;
  return out;
}
