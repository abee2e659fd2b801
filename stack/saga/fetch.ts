/**
 * Retrieval of one CID (spec section 6): find providers in the DHT, fetch the root block, then the
 * chunks the store does not hold yet, several at once from several providers. Every block is
 * verified against its CID before it is kept; a provider that sends a corrupt block is counted
 * and dropped (and avoided by later fetches for a while), one that stalls or fails is dropped
 * after a few failures, and the chunk goes to another provider. When every provider known has
 * failed a chunk, the DHT is asked again (new providers appear as others fetch); when that finds
 * no one new, the fetch fails with ContentUnavailableError and the verified chunks stay stored,
 * so the next attempt resumes where this one stopped.
 */
import type { CID } from 'multiformats/cid';
import type { CryptoBackend } from '../crypto/types.js';
import { NodeId } from '../identity/node-id.js';
import type { Runtime } from '../runtime.js';
import { contentKey, verifyBlock } from './cid.js';
import { SAGA_PROTOCOL } from './constants.js';
import {
  BlockVerifyError,
  ContentUnavailableError,
  NoProvidersError,
  StallError,
  StoreFullError,
} from './errors.js';
import { exchange } from './exchange.js';
import type { SagaRouting, SagaStreams } from './ports.js';
import type { BlockStore } from './store.js';

export interface FetchOptions {
  parallel: number;
  perProvider: number;
  stallTimeoutMs: number;
  openTimeoutMs: number;
  maxProviders: number;
  providerFailures: number;
  providerSearches: number;
}

/** What a fetch saw, reported with its result (and on failure, on the error's `stats`). */
export interface FetchStats {
  /** Distinct providers a request was sent to. */
  providersTried: number;
  /** Providers the DHT named (excluding ourselves). */
  providersFound: number;
  /** Blocks that did not hash to their CID (each one dropped, its provider demoted). */
  corruptBlocks: number;
  /** Requests abandoned because the provider sent nothing for stallTimeoutMs. */
  stalls: number;
  /** Requests that failed otherwise (unreachable, refused, reset, missing block). */
  failures: number;
  /** Verified bytes received over the network (blocks already stored are not counted). */
  bytesFetched: number;
  blocksFetched: number;
  /** Virtual or real ms from the start of the fetch to the first byte of an answer. */
  ttfbMs: number;
  providerSearches: number;
}

interface ProviderState {
  id: string;
  inFlight: number;
  failures: number;
  dropped: boolean;
}

interface Item {
  cid: CID;
  /** Providers that failed this block (not asked for it again). */
  tried: Set<string>;
}

export interface SessionComponents {
  runtime: Runtime;
  crypto: CryptoBackend;
  streams: SagaStreams;
  routing: SagaRouting;
  store: BlockStore;
  selfId: string;
  /** Providers caught lying, avoided until the time given (monotonic ms). */
  suspects: Map<string, number>;
  suspectMs: number;
}

export class FetchSession {
  readonly stats: FetchStats = {
    providersTried: 0,
    providersFound: 0,
    corruptBlocks: 0,
    stalls: 0,
    failures: 0,
    bytesFetched: 0,
    blocksFetched: 0,
    ttfbMs: Number.NaN,
    providerSearches: 0,
  };
  private readonly providers = new Map<string, ProviderState>();
  private readonly tried = new Set<string>();
  private readonly t0: number;
  private readonly rng;
  private fatal: Error | undefined;

  constructor(
    private readonly c: SessionComponents,
    private readonly root: CID,
    private readonly opts: FetchOptions,
  ) {
    this.t0 = c.runtime.clock.now();
    this.rng = c.runtime.rng.fork(`saga:fetch`);
  }

  /** Fetch, verify and store these blocks (some may be stored already: they are skipped). */
  async getBlocks(cids: readonly CID[]): Promise<void> {
    const pending: Item[] = [];
    for (const cid of cids) if (!(await this.c.store.has(cid))) pending.push({ cid, tried: new Set() });
    const active = new Set<Promise<void>>();
    while (pending.length > 0 || active.size > 0) {
      if (this.fatal) throw this.fatal;
      this.fill(pending, active);
      if (active.size > 0) {
        await Promise.race(active);
        continue;
      }
      if (!(await this.search())) {
        const n = pending.length;
        throw new ContentUnavailableError(
          `${this.root}: ${n} block${n === 1 ? '' : 's'} could not be fetched from any of ${this.providers.size} provider${this.providers.size === 1 ? '' : 's'} (${this.stats.corruptBlocks} corrupt, ${this.stats.stalls} stalled, ${this.stats.failures} failed); verified blocks are kept, fetch again to resume`,
        );
      }
      for (const it of pending) it.tried.clear();
    }
    if (this.fatal) throw this.fatal;
  }

  /** Start requests while there is room: each pending block to the least busy usable provider. */
  private fill(pending: Item[], active: Set<Promise<void>>): void {
    for (let i = 0; i < pending.length && active.size < this.opts.parallel; ) {
      const item = pending[i]!;
      const p = this.pick(item);
      if (!p) {
        i++;
        continue;
      }
      pending.splice(i, 1);
      const task: Promise<void> = this.attempt(item, p).then((ok) => {
        active.delete(task);
        if (!ok) pending.push(item);
      });
      active.add(task);
    }
  }

  private pick(item: Item): ProviderState | undefined {
    let best: ProviderState | undefined;
    for (const p of this.providers.values()) {
      if (p.dropped || p.inFlight >= this.opts.perProvider || item.tried.has(p.id)) continue;
      if (!best || p.inFlight < best.inFlight || (p.inFlight === best.inFlight && p.failures < best.failures))
        best = p;
    }
    return best;
  }

  /** Ask the DHT for providers; true if it named one we can still try. */
  private async search(): Promise<boolean> {
    if (this.stats.providerSearches >= this.opts.providerSearches) return false;
    this.stats.providerSearches++;
    const found = await this.c.routing
      .findProviders(contentKey(this.root), { max: this.opts.maxProviders })
      .catch(() => []);
    const now = this.c.runtime.clock.now();
    const fresh: string[] = [];
    for (const p of found) {
      if (p.nodeId === this.c.selfId || this.providers.has(p.nodeId)) continue;
      const until = this.c.suspects.get(p.nodeId);
      if (until !== undefined && until > now) continue;
      fresh.push(p.nodeId);
    }
    // Shuffle (seeded in the simulator), so that many fetchers spread over the providers.
    for (let i = fresh.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [fresh[i], fresh[j]] = [fresh[j]!, fresh[i]!];
    }
    for (const id of fresh) this.providers.set(id, { id, inFlight: 0, failures: 0, dropped: false });
    this.stats.providersFound = this.providers.size;
    const usable = [...this.providers.values()].some((p) => !p.dropped);
    if (!usable && this.providers.size === 0 && this.stats.providerSearches === 1) {
      throw new NoProvidersError(`${this.root}: no provider found in the DHT`);
    }
    return fresh.length > 0 || usable;
  }

  /** One request for one block; true when the verified block is stored. */
  private async attempt(item: Item, p: ProviderState): Promise<boolean> {
    const { runtime, crypto, store } = this.c;
    p.inFlight++;
    if (!this.tried.has(p.id)) {
      this.tried.add(p.id);
      this.stats.providersTried = this.tried.size;
    }
    try {
      const stream = await this.c.streams.openStream(NodeId.parse(p.id), SAGA_PROTOCOL, {
        timeoutMs: this.opts.openTimeoutMs,
      });
      const [answer] = await exchange(stream, [item.cid], {
        clock: runtime.clock,
        stallTimeoutMs: this.opts.stallTimeoutMs,
        onFirstByte: () => {
          if (Number.isNaN(this.stats.ttfbMs)) this.stats.ttfbMs = runtime.clock.now() - this.t0;
        },
      });
      if (!answer || 'missing' in answer) {
        item.tried.add(p.id);
        this.stats.failures++;
        return false;
      }
      verifyBlock(crypto, item.cid, answer.bytes);
      await store.put([{ cid: item.cid, bytes: answer.bytes }]);
      this.stats.bytesFetched += answer.bytes.length;
      this.stats.blocksFetched++;
      runtime.metrics.count('saga.fetch.blocks');
      runtime.metrics.count('saga.fetch.bytes', answer.bytes.length);
      return true;
    } catch (err) {
      item.tried.add(p.id);
      if (err instanceof StoreFullError) {
        this.fatal = err;
      } else if (err instanceof BlockVerifyError) {
        // A lie: one is enough. The provider is dropped for this fetch and avoided for a while.
        this.stats.corruptBlocks++;
        p.dropped = true;
        this.c.suspects.set(p.id, runtime.clock.now() + this.c.suspectMs);
        runtime.metrics.count('saga.fetch.corrupt');
        runtime.log.warn('saga: provider sent a corrupt block', { provider: p.id, cid: item.cid.toString() });
      } else {
        if (err instanceof StallError) {
          this.stats.stalls++;
          runtime.metrics.count('saga.fetch.stalls');
        } else {
          this.stats.failures++;
          runtime.metrics.count('saga.fetch.failures');
        }
        p.failures++;
        if (p.failures >= this.opts.providerFailures) p.dropped = true;
        runtime.log.debug('saga: request failed', { provider: p.id, error: String(err) });
      }
      return false;
    } finally {
      p.inFlight--;
    }
  }
}
