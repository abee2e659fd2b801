/**
 * The nodes of a simulated run and their life cycle: every node runs the full stack (Veil + DHT)
 * on its simulated Runtime; node 0 is the bootstrap; the others join through it (or, after a
 * restart, through any live node). Crash, restart and leave act on both the simulated host and
 * the stack that ran on it. Everything is driven by controller events, so the order of what
 * happens depends only on the seed.
 */

import type { Scenario } from '../../scenarios/types.js';
import type { SimNode, Simulation } from '../../sim/index.js';
import { generateIdentity, type Identity } from '../../stack/identity/index.js';
import { ValhallaNode } from '../../stack/node/index.js';
import { Realm, type RealmInit } from '../../stack/realm/index.js';
import type { DhtInit } from '../../stack/yggdrasil/index.js';
import type { FaultRecord } from '../report/records.js';
import { type Cut, separates } from './cuts.js';

export const DHT_PORT = 7001; // where every node's Veil/DHT listens

export type NodeState = 'waiting' | 'up' | 'crashed' | 'left';

export class World {
  readonly stacks: (ValhallaNode | undefined)[];
  readonly identities: Identity[];
  readonly state: NodeState[];
  readonly faults: FaultRecord[] = [];
  /** Partitions in force (the timeline's, until a heal), for table reachability. */
  readonly cuts: Cut[] = [];
  /** NodeID text → node index, for table health and lookups. */
  readonly indexOf = new Map<string, number>();
  private readonly dhtInit: DhtInit;
  /** Called with each stack built (boot and restart), before it starts: services add themselves here. */
  readonly bootHooks: ((i: number, stack: ValhallaNode) => void)[] = [];
  /** Realm (pub/sub, RPC, CRDT stores) on every node, when a workload uses it (realm-workloads.ts). */
  readonly realms: (Realm | undefined)[];
  realmHooks: { init(i: number): RealmInit; started(i: number, realm: Realm): void } | undefined;
  private upCache: number[] | null = null;

  constructor(
    readonly sim: Simulation,
    readonly nodes: SimNode[],
    scenario: Scenario,
  ) {
    const { k, alpha, requestTimeoutMs } = scenario.stack;
    this.dhtInit = {
      ...(k ? { k } : {}),
      ...(alpha ? { alpha } : {}),
      ...(requestTimeoutMs ? { requestTimeoutMs } : {}),
    };
    this.identities = nodes.map((n) => generateIdentity(n.runtime.rng.fork('identity')));
    for (const [i, id] of this.identities.entries()) this.indexOf.set(id.nodeId.toString(), i);
    this.stacks = nodes.map(() => undefined);
    this.realms = nodes.map(() => undefined);
    this.state = nodes.map(() => 'waiting');
  }

  addr(i: number): string {
    return this.nodes[i]!.addr(DHT_PORT);
  }

  isUp(i: number): boolean {
    return this.state[i] === 'up';
  }

  /** Up, and no partition in force separates it from node `from`. */
  reachable(from: number, i: number): boolean {
    if (this.state[i] !== 'up') return false;
    for (const c of this.cuts) if (separates(c, from, i)) return false;
    return true;
  }

  upNodes(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.state.length; i++) if (this.state[i] === 'up') out.push(i);
    return out;
  }

  /**
   * upNodes() kept until a node changes state: workloads ask before every lookup, and at 10,000
   * nodes building the list each time cost more than the lookups' bookkeeping. Never modified.
   */
  upView(): readonly number[] {
    this.upCache ??= this.upNodes();
    return this.upCache;
  }

  /** Schedule the initial joins: node 0 at t=0, the rest spread over joinOverMs. */
  scheduleJoins(joinOverMs: number): void {
    const n = this.nodes.length;
    const spacing = n > 1 ? joinOverMs / (n - 1) : 0;
    for (let i = 0; i < n; i++)
      this.sim.schedule(i === 0 ? 0 : i * spacing, () => this.boot(i, i === 0 ? [] : [this.addr(0)]));
  }

  /**
   * Start the stack on node i's current runtime and join through the given addresses. In a run
   * split across workers (sim/parallel) every worker keeps the state, but only node i's own
   * worker builds and runs its stack.
   */
  private async boot(i: number, via: string[]): Promise<void> {
    this.setState(i, 'up');
    if (!this.nodes[i]!.local) return;
    const runtime = this.nodes[i]!.runtime;
    const stack = new ValhallaNode({ runtime, identity: this.identities[i]! }, { dht: this.dhtInit });
    this.stacks[i] = stack;
    for (const hook of this.bootHooks) hook(i, stack);
    await stack.start([this.addr(i)]);
    if (via.length > 0) await stack.bootstrap(via);
    if (this.realmHooks && this.stacks[i] === stack) {
      const realm = new Realm(
        { runtime, identity: this.identities[i]!, node: stack, dht: stack.dht },
        this.realmHooks.init(i),
      );
      realm.start();
      this.realms[i] = realm;
      this.realmHooks.started(i, realm);
    }
  }

  crash(i: number, why: string): void {
    if (this.state[i] !== 'up') return;
    this.nodes[i]!.crash();
    this.stacks[i] = undefined;
    this.realms[i] = undefined;
    this.setState(i, 'crashed');
    this.record('crash', String(i), why);
  }

  /** A clean leave: sessions closed (peers see orderly closes), then the host goes away. */
  leave(i: number, why: string): void {
    if (this.state[i] !== 'up') return;
    const stack = this.stacks[i]; // only in node i's own worker
    this.setState(i, 'left');
    this.stacks[i] = undefined;
    this.realms[i]?.stop();
    this.realms[i] = undefined;
    this.record('leave', String(i), why);
    void stack?.stop().then(() => this.nodes[i]!.crash());
  }

  /** Same identity, fresh state, rejoin through a live node chosen by the caller. */
  restart(i: number, via: number | undefined, why: string): void {
    if (this.state[i] !== 'crashed' && this.state[i] !== 'left') return;
    if (this.nodes[i]!.alive) this.nodes[i]!.crash(); // a leave still stopping: finish it
    this.nodes[i]!.restart();
    this.record('restart', String(i), why);
    void this.boot(i, via === undefined ? [] : [this.addr(via)]);
  }

  private setState(i: number, s: NodeState): void {
    this.state[i] = s;
    this.upCache = null;
  }

  record(kind: string, target: string, detail: string): void {
    this.faults.push({ tMs: this.sim.nowMs, kind, target, detail });
  }
}
