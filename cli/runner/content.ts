/**
 * The content.publish and content.fetch workloads on the simulator (Saga over the full stack).
 *
 * Every worker plans the same thing from the seed: who publishes, which publishers lie (their
 * store corrupts every block it serves), stall (their store never answers) or crash, the objects'
 * bytes and CIDs, and every fetch (controller events). A node's Saga, its publications and the
 * fetches it issues exist only in the worker that owns the node; each fetch record is filled in
 * there and merged by owner, like lookups. A fetch is complete when it resolved with bytes whose
 * SHA-256 is the object's; one that resolved with any other bytes is a corrupt result (Saga must
 * never produce one, and the scenario asserts none).
 */
import type { ContentFetchWorkload, ContentPublishWorkload, Scenario } from '../../scenarios/types.js';
import { workerOf } from '../../sim/index.js';
import { defaultCrypto } from '../../stack/crypto/select.js';
import type { ValhallaNode } from '../../stack/node/index.js';
import type { Rng } from '../../stack/runtime.js';
import {
  type CID,
  chunkContent,
  type FetchFailure,
  LyingStore,
  MemoryBlockStore,
  Saga,
  StallingStore,
} from '../../stack/saga/index.js';
import { distribution } from './stats.js';
import type { World } from './world.js';

const STORE_LIMIT_BYTES = 1024 ** 3; // per simulated node: a limit, not an allocation

export interface ContentFetchRecord {
  tMs: number;
  node: number;
  object: number;
  done: boolean;
  ok: boolean;
  corruptResult: boolean;
  ms: number;
  ttfbMs: number;
  sizeBytes: number;
  bytesFetched: number;
  providersTried: number;
  corruptBlocks: number;
  stalls: number;
  error?: string;
}

export interface ContentPublishRecord {
  node: number;
  object: number;
  ok: boolean;
  ms: number;
}

export interface ContentShare {
  publishes: ContentPublishRecord[];
  fetches: ContentFetchRecord[];
}

interface Plan {
  w: ContentPublishWorkload;
  publishers: number[];
  role: Map<number, 'lying' | 'stalling' | 'crashing'>;
  objects: Uint8Array[];
  cids: CID[];
  digests: string[];
  /** Publishers of object j. */
  holders: number[][];
}

function shuffle(rng: Rng, xs: number[]): number[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function plan(scenario: Scenario, w: ContentPublishWorkload, rng: Rng): Plan {
  const n = scenario.nodes.count;
  const g = w.group ? scenario.nodes.groups[w.group]! : undefined;
  const all = Array.from({ length: n - 1 }, (_, i) => i + 1);
  const publishers = g
    ? Array.from({ length: g.to - g.from + 1 }, (_, i) => g.from + i)
    : shuffle(rng, all)
        .slice(0, w.publishers)
        .sort((a, b) => a - b);
  const order = shuffle(rng, publishers);
  const role = new Map<number, 'lying' | 'stalling' | 'crashing'>();
  const take = (fraction: number, r: 'lying' | 'stalling' | 'crashing') => {
    for (let k = Math.round(fraction * publishers.length); k > 0 && order.length > 0; k--)
      role.set(order.shift()!, r);
  };
  take(w.lying, 'lying');
  take(w.stalling, 'stalling');
  take(w.crashing, 'crashing');
  const crypto = defaultCrypto();
  const objects: Uint8Array[] = [];
  const cids: CID[] = [];
  const digests: string[] = [];
  const holders: number[][] = [];
  const brng = rng.fork('bytes');
  for (let j = 0; j < w.objects; j++) {
    const bytes = brng.bytes(w.sizeBytes);
    objects.push(bytes);
    cids.push(chunkContent(crypto, bytes, w.chunkSizeBytes).root);
    digests.push(hex(crypto.sha256(bytes)));
    holders.push(Array.from({ length: w.copies }, (_, c) => publishers[(j + c) % publishers.length]!));
  }
  return { w, publishers, role, objects, cids, digests, holders };
}

export class ContentDriver {
  private readonly sagas: (Saga | undefined)[];
  private readonly plans = new Map<string, Plan>();
  private readonly roles = new Map<number, 'lying' | 'stalling' | 'crashing'>();
  readonly share: ContentShare = { publishes: [], fetches: [] };
  private readonly stallTimeoutMs: number | undefined;

  constructor(
    private readonly world: World,
    private readonly scenario: Scenario,
  ) {
    this.sagas = world.nodes.map(() => undefined);
    const rng = world.nodes[0]!.runtime.rng.fork('workload:content');
    for (const w of scenario.workload) {
      if (w.kind !== 'content.publish') continue;
      const p = plan(scenario, w, rng.fork(w.label));
      this.plans.set(w.label, p);
      for (const [i, r] of p.role) if (!this.roles.has(i)) this.roles.set(i, r);
    }
    const fetches = scenario.workload.filter((w): w is ContentFetchWorkload => w.kind === 'content.fetch');
    this.stallTimeoutMs = fetches.find((f) => f.stallTimeoutMs !== undefined)?.stallTimeoutMs;
    world.bootHooks.push((i, stack) => this.boot(i, stack));
  }

  private boot(i: number, stack: ValhallaNode): void {
    const role = this.roles.get(i);
    const store =
      role === 'lying'
        ? new LyingStore({ limitBytes: STORE_LIMIT_BYTES })
        : role === 'stalling'
          ? new StallingStore({ limitBytes: STORE_LIMIT_BYTES })
          : new MemoryBlockStore({ limitBytes: STORE_LIMIT_BYTES });
    const saga = new Saga(
      {
        runtime: this.world.nodes[i]!.runtime,
        streams: stack,
        routing: stack.dht,
        selfId: stack.nodeId,
        store,
      },
      this.stallTimeoutMs !== undefined ? { stallTimeoutMs: this.stallTimeoutMs } : {},
    );
    saga.start();
    this.sagas[i] = saga;
  }

  /** Schedule every publication, crash and fetch (controller events, in every worker). */
  schedule(): void {
    for (const p of this.plans.values()) {
      this.world.sim.schedule(p.w.atMs, () => this.publish(p));
      if (p.w.crashing > 0) {
        this.world.sim.schedule(p.w.crashAtMs, () => {
          for (const [i, r] of p.role)
            if (r === 'crashing') this.world.crash(i, `content.publish ${p.w.label}: crashing publisher`);
        });
      }
    }
    const rng = this.world.nodes[0]!.runtime.rng.fork('workload:content:fetch');
    for (const w of this.scenario.workload)
      if (w.kind === 'content.fetch') this.scheduleFetches(w, rng.fork(`${w.label}:${w.startMs}`));
  }

  private publish(p: Plan): void {
    for (let j = 0; j < p.objects.length; j++) {
      for (const i of p.holders[j]!) {
        const rec: ContentPublishRecord = { node: i, object: j, ok: false, ms: Number.NaN };
        this.share.publishes.push(rec);
        const saga = this.sagas[i];
        if (!this.world.isUp(i) || !this.world.nodes[i]!.local || !saga) continue;
        const clock = this.world.nodes[i]!.runtime.clock;
        const t0 = clock.now();
        saga.publish(p.objects[j]!, p.w.chunkSizeBytes ? { chunkSizeBytes: p.w.chunkSizeBytes } : {}).then(
          () => Object.assign(rec, { ok: true, ms: clock.now() - t0 }),
          () => undefined,
        );
      }
    }
  }

  private scheduleFetches(w: ContentFetchWorkload, rng: Rng): void {
    const p = this.plans.get(w.label)!;
    const publishers = new Set(p.publishers);
    const used = new Set<number>();
    for (let q = 0; q < w.fetchers; q++) {
      const at = w.startMs + (w.overMs * q) / w.fetchers;
      this.world.sim.schedule(at, () => {
        const rec: ContentFetchRecord = {
          tMs: at,
          node: -1,
          object: rng.int(p.objects.length),
          done: false,
          ok: false,
          corruptResult: false,
          ms: Number.NaN,
          ttfbMs: Number.NaN,
          sizeBytes: 0,
          bytesFetched: 0,
          providersTried: 0,
          corruptBlocks: 0,
          stalls: 0,
        };
        this.share.fetches.push(rec);
        const pool = this.world.upNodes().filter((i) => i !== 0 && !publishers.has(i) && !used.has(i));
        if (pool.length === 0) return;
        rec.node = pool[rng.int(pool.length)]!;
        used.add(rec.node);
        const saga = this.sagas[rec.node];
        if (!this.world.nodes[rec.node]!.local || !saga) return;
        saga.fetch(p.cids[rec.object]!, { provide: w.provide }).then(
          (r) => {
            const good = hex(defaultCrypto().sha256(r.bytes!)) === p.digests[rec.object];
            Object.assign(rec, {
              done: true,
              ok: good,
              corruptResult: !good,
              ms: r.ms,
              ttfbMs: r.ttfbMs,
              sizeBytes: r.sizeBytes,
              bytesFetched: r.bytesFetched,
              providersTried: r.providersTried,
              corruptBlocks: r.corruptBlocks,
              stalls: r.stalls,
            });
          },
          (err: FetchFailure) => {
            const s = err.stats;
            Object.assign(rec, {
              done: true,
              error: err.name,
              ...(s
                ? {
                    providersTried: s.providersTried,
                    corruptBlocks: s.corruptBlocks,
                    stalls: s.stalls,
                    bytesFetched: s.bytesFetched,
                  }
                : {}),
            });
          },
        );
      });
    }
  }
}

/** Each record from the worker that owns its node (every worker holds every record). */
function byOwner<T extends { node: number }>(shares: T[][], workers: number): T[] {
  return shares[0]!.map((rec, k) => shares[rec.node < 0 ? 0 : workerOf(rec.node + 1, workers)]![k]!);
}

export function contentMetrics(shares: ContentShare[]): Record<string, number> {
  const workers = shares.length;
  const publishes = byOwner(
    shares.map((s) => s.publishes),
    workers,
  );
  const fetches = byOwner(
    shares.map((s) => s.fetches),
    workers,
  );
  const out: Record<string, number> = {};
  if (publishes.length > 0) {
    const ok = publishes.filter((p) => p.ok);
    Object.assign(out, {
      'content.publish.count': ok.length,
      ...distribution(
        'content.publish.ms',
        ok.map((p) => p.ms),
      ),
    });
  }
  if (fetches.length > 0) {
    const ok = fetches.filter((f) => f.ok);
    const sum = (k: keyof ContentFetchRecord) => fetches.reduce((s, f) => s + (f[k] as number), 0);
    const tried = fetches.filter((f) => f.node >= 0).map((f) => f.providersTried);
    Object.assign(out, {
      'content.fetch.count': fetches.length,
      'content.fetch.complete': ok.length,
      'content.fetch.complete_rate': ok.length / fetches.length,
      'content.fetch.failed': fetches.filter((f) => f.done && !f.ok).length,
      'content.fetch.unfinished': fetches.filter((f) => !f.done).length,
      'content.fetch.corrupt_results': fetches.filter((f) => f.corruptResult).length,
      'content.fetch.corrupt_chunks': sum('corruptBlocks'),
      'content.fetch.stalls': sum('stalls'),
      'content.fetch.bytes': ok.reduce((s, f) => s + f.sizeBytes, 0),
      'content.fetch.bytes_fetched': sum('bytesFetched'),
      ...distribution(
        'content.fetch.ttfb_ms',
        ok.map((f) => f.ttfbMs).filter((v) => !Number.isNaN(v)),
      ),
      ...distribution(
        'content.fetch.ms',
        ok.map((f) => f.ms),
      ),
      'content.fetch.providers_tried.mean': tried.length
        ? tried.reduce((a, b) => a + b, 0) / tried.length
        : 0,
      'content.fetch.providers_tried.max': tried.length ? Math.max(...tried) : 0,
    });
  }
  return out;
}
