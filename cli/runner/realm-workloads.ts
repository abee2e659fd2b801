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
 * These workloads observe every node directly, so they run on one worker (run refuses --workers N).
 */
import type { CrdtWorkload, PublishWorkload, RpcWorkload, Scenario } from '../../scenarios/types.js';
import type { Realm, ReplicatedStore } from '../../stack/realm/index.js';
import { type AckedOp, CrdtOpGenerator, checkOps } from './crdt-workload.js';
import { distribution } from './stats.js';
import type { World } from './world.js';

export function hasRealmWorkload(scenario: Scenario): boolean {
  return scenario.workload.some((w) => w.kind === 'publish' || w.kind === 'rpc' || w.kind === 'crdt');
}

interface Published {
  id: string;
  label: string;
  node: number;
  tMs: number;
  expected: number[];
}

const ECHO = 'scenario.echo';
const STORE = 'scenario';

export class RealmWorkloads {
  private readonly published: Published[] = [];
  private readonly delivered = new Map<string, Map<number, number>>();
  private readonly dups = new Map<string, number>();
  private unpublished = 0;
  /** When each node's current Realm started (NaN while down). */
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
    world.realmHooks = {
      init: (i) => ({
        pubsub: {
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
    for (let q = 0; q < w.count; q++) {
      world.sim.schedule(w.startMs + (w.overMs * q) / w.count, () => {
        // The q-th message goes to the next publisher that is up.
        let node = -1;
        for (let k = 0; k < publishers.length && node < 0; k++) {
          const cand = publishers[(q + k) % publishers.length]!;
          if (this.realmOf(cand)) node = cand;
        }
        if (node < 0) {
          this.unpublished++;
          return;
        }
        const data = new Uint8Array(w.sizeBytes);
        new DataView(data.buffer).setUint32(0, q);
        const { id } = this.realmOf(node)!.pubsub.publish(w.topic, data);
        const tMs = world.sim.nowMs;
        const expected: number[] = [];
        for (let i = 0; i < n; i++) if (i !== node && this.startedAt[i]! <= tMs) expected.push(i);
        this.published.push({ id, label: w.label ?? '', node, tMs, expected });
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

  /** The metrics, read at the end of the run. */
  metrics(counters: Record<string, number>): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.scenario.workload.some((w) => w.kind === 'publish')) {
      Object.assign(out, this.pubsubMetrics('pubsub', this.published));
      for (const label of new Set(this.published.map((p) => p.label)))
        if (label)
          Object.assign(
            out,
            this.pubsubMetrics(
              `pubsub.${label}`,
              this.published.filter((p) => p.label === label),
            ),
          );
      out['pubsub.unpublished'] = this.unpublished;
      out['pubsub.bytes_per_node'] = (counters['pubsub.bytes_out'] ?? 0) / this.world.nodes.length;
    }
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

  private pubsubMetrics(prefix: string, msgs: Published[]): Record<string, number> {
    let expected = 0;
    let got = 0;
    const latencies: number[] = [];
    const dupRatios: number[] = [];
    for (const m of msgs) {
      const d = this.delivered.get(m.id);
      for (const i of m.expected) {
        if (!this.world.isUp(i) || !(this.startedAt[i]! <= m.tMs)) continue; // crashed (or restarted) since
        expected++;
        const at = d?.get(i);
        if (at === undefined) continue;
        got++;
        latencies.push(at - m.tMs);
      }
      if (d && d.size > 0) dupRatios.push((this.dups.get(m.id) ?? 0) / d.size);
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
  }
}
