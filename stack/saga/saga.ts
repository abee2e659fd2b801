/**
 * The Saga component: `new Saga({ runtime, streams, routing, selfId, store? }, init)`, start(),
 * publish(content) and fetch(cid). See index.ts for what the layer is for, and
 * conformance/spec/saga.md for formats and protocol.
 */
import type { CID } from 'multiformats/cid';
import { defaultCrypto } from '../crypto/select.js';
import type { CryptoBackend } from '../crypto/types.js';
import type { Runtime } from '../runtime.js';
import { concatBytes } from '../yggdrasil/rpc/bytes.js';
import { contentKey, digestHex, parseCid, verifyBlock } from './cid.js';
import {
  CODEC_RAW,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_MAX_PROVIDERS,
  DEFAULT_OPEN_TIMEOUT_MS,
  DEFAULT_PARALLEL,
  DEFAULT_PER_PROVIDER,
  DEFAULT_PROVIDER_FAILURES,
  DEFAULT_PROVIDER_SEARCHES,
  DEFAULT_STALL_TIMEOUT_MS,
  SAGA_PROTOCOL,
} from './constants.js';
import { ContentUnavailableError, SagaStateError } from './errors.js';
import { type FetchOptions, FetchSession, type FetchStats } from './fetch.js';
import { checkChunkSize, chunkContent, decodeManifest, type Manifest } from './manifest.js';
import type { SagaRouting, SagaStreams } from './ports.js';
import type { PublishAuthorizer } from './publish-policy.js';
import { serveStream } from './server.js';
import { type BlockStore, MemoryBlockStore, storeFull } from './store.js';

export interface SagaComponents {
  runtime: Runtime;
  streams: SagaStreams;
  routing: SagaRouting;
  /** Our NodeID, canonical text (so we never try to fetch from ourselves). */
  selfId: string;
  /** Defaults to a MemoryBlockStore with init.storeLimitBytes. */
  store?: BlockStore;
  crypto?: CryptoBackend;
}

export interface SagaInit {
  /** Bytes per chunk of published content. Default 256 KiB. */
  chunkSizeBytes?: number;
  /** Limit of the default in-memory store. Default 256 MiB. */
  storeLimitBytes?: number;
  /** Block requests in flight per fetch, over all providers. Default 8. */
  parallel?: number;
  /** Block requests in flight to one provider. Default 3. */
  perProvider?: number;
  /** A provider that sends nothing for this long is given up on. Default 10 s. */
  stallTimeoutMs?: number;
  /** Reaching a provider (lookup, dial, open). Default 15 s. */
  openTimeoutMs?: number;
  /** Provider records asked of the DHT per search. Default 20. */
  maxProviders?: number;
  /** Stalls or errors after which a provider is dropped from a fetch. Default 2. */
  providerFailures?: number;
  /** DHT searches for providers per fetch. Default 3. */
  providerSearches?: number;
  /** A provider caught sending a corrupt block is avoided by later fetches this long. Default 10 min. */
  suspectMs?: number;
  /** Streams served at once. Default 64. */
  maxServing?: number;
  /** Checked before every publish (publish-policy.ts); throws PublishRefusedError to refuse. */
  authorizePublish?: PublishAuthorizer;
}

export interface PublishResult {
  cid: CID;
  sizeBytes: number;
  /** Blocks stored (manifest and chunks). */
  blocks: number;
  /** Peers that accepted our provider record, of those asked (0/0 when not announced). */
  stored: number;
  attempted: number;
}

export interface FetchResult extends FetchStats {
  cid: CID;
  sizeBytes: number;
  /** The content (omitted with assemble: false). */
  bytes?: Uint8Array;
  /** Total ms of the fetch. */
  ms: number;
  /** The content was complete in our store before the fetch. */
  local: boolean;
}

/** A failed fetch carries what it saw (providers tried, corrupt blocks, ...). */
export type FetchFailure = Error & { stats?: FetchStats };

export class Saga {
  readonly store: BlockStore;
  private readonly crypto: CryptoBackend;
  private readonly opts: Required<Omit<SagaInit, 'storeLimitBytes' | 'authorizePublish'>>;
  private readonly authorizePublish: PublishAuthorizer | undefined;
  private readonly suspects = new Map<string, number>();
  private readonly serving = { count: 0 };
  private running = false;

  constructor(
    private readonly c: SagaComponents,
    init: SagaInit = {},
  ) {
    this.crypto = c.crypto ?? defaultCrypto();
    this.store = c.store ?? new MemoryBlockStore({ limitBytes: init.storeLimitBytes });
    this.authorizePublish = init.authorizePublish;
    this.opts = {
      chunkSizeBytes: checkChunkSize(init.chunkSizeBytes ?? DEFAULT_CHUNK_SIZE),
      parallel: init.parallel ?? DEFAULT_PARALLEL,
      perProvider: init.perProvider ?? DEFAULT_PER_PROVIDER,
      stallTimeoutMs: init.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
      openTimeoutMs: init.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS,
      maxProviders: init.maxProviders ?? DEFAULT_MAX_PROVIDERS,
      providerFailures: init.providerFailures ?? DEFAULT_PROVIDER_FAILURES,
      providerSearches: init.providerSearches ?? DEFAULT_PROVIDER_SEARCHES,
      suspectMs: init.suspectMs ?? 600_000,
      maxServing: init.maxServing ?? 64,
    };
  }

  /** Serve our store to peers on SAGA_PROTOCOL. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const { runtime } = this.c;
    const ctx = {
      store: this.store,
      clock: runtime.clock,
      log: runtime.log,
      metrics: runtime.metrics,
      requestTimeoutMs: this.opts.stallTimeoutMs,
      maxServing: this.opts.maxServing,
      serving: this.serving,
    };
    this.c.streams.handle(SAGA_PROTOCOL, (stream, peer) => serveStream(stream, peer, ctx));
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.c.streams.unhandle(SAGA_PROTOCOL);
  }

  /**
   * Chunk content, store every block, and (unless announce is false) announce us in the DHT as a
   * provider of its CID. The CID is returned even when no peer took the provider record.
   */
  async publish(
    content: Uint8Array,
    opts: { chunkSizeBytes?: number; announce?: boolean; token?: string | Uint8Array } = {},
  ): Promise<PublishResult> {
    const chunked = chunkContent(this.crypto, content, opts.chunkSizeBytes ?? this.opts.chunkSizeBytes);
    // The boundary: refused before anything is stored or announced.
    if (this.authorizePublish) {
      this.authorizePublish({
        cid: chunked.root,
        ...(opts.token !== undefined ? { token: opts.token } : {}),
      });
    }
    await this.store.put(chunked.blocks);
    this.c.runtime.metrics.count('saga.publish');
    const announced =
      opts.announce === false ? { stored: 0, attempted: 0 } : await this.announce(chunked.root);
    return { cid: chunked.root, sizeBytes: chunked.sizeBytes, blocks: chunked.blocks.length, ...announced };
  }

  /** Announce us as a provider of a CID (its blocks should be in our store). */
  async announce(cid: CID): Promise<{ stored: number; attempted: number }> {
    this.requireRunning();
    return this.c.routing.addProvider(contentKey(cid));
  }

  /**
   * Retrieve content by CID: from our store when complete there, else from providers found in the
   * DHT (see fetch.ts). Returns the verified bytes and what the fetch saw. With provide: true we
   * announce ourselves as a provider once we hold it all. Errors: CidError, NoProvidersError,
   * ContentUnavailableError, StoreFullError, ManifestError (each with .stats).
   */
  async fetch(
    cidInput: CID | string,
    opts: { provide?: boolean; assemble?: boolean } = {},
  ): Promise<FetchResult> {
    this.requireRunning();
    const cid = parseCid(cidInput);
    const { clock } = this.c.runtime;
    const t0 = clock.now();
    const session = new FetchSession(
      {
        ...this.c,
        crypto: this.crypto,
        store: this.store,
        suspects: this.suspects,
        suspectMs: this.opts.suspectMs,
      },
      cid,
      this.opts satisfies FetchOptions,
    );
    let local = true;
    try {
      if (!(await this.store.has(cid))) {
        local = false;
        await session.getBlocks([cid]);
      }
      const manifest = await this.manifestOf(cid);
      if (manifest) {
        const missing = [];
        const seen = new Set<string>();
        let adding = 0;
        for (const ch of manifest.chunks) {
          if (await this.store.has(ch.cid)) continue;
          missing.push(ch.cid);
          const key = digestHex(ch.cid);
          if (!seen.has(key)) adding += ch.sizeBytes;
          seen.add(key);
        }
        // Refuse before fetching anything that could not be kept.
        if (this.store.usedBytes + adding > this.store.limitBytes) throw storeFull(this.store, adding);
        if (missing.length > 0) local = false;
        await session.getBlocks(missing);
      }
      const bytes = opts.assemble === false ? undefined : await this.read(cid);
      const sizeBytes = manifest
        ? manifest.sizeBytes
        : (bytes?.length ?? (await this.store.get(cid))!.length);
      if (opts.provide) await this.announce(cid).catch(() => undefined);
      const ms = clock.now() - t0;
      const { metrics } = this.c.runtime;
      metrics.count('saga.fetch.ok');
      metrics.observe('saga.fetch.ms', ms);
      return { cid, sizeBytes, ...(bytes ? { bytes } : {}), ms, local, ...session.stats };
    } catch (err) {
      this.c.runtime.metrics.count('saga.fetch.failed');
      if (err instanceof Error) (err as FetchFailure).stats = { ...session.stats };
      throw err;
    }
  }

  /** The manifest of a stored root, or undefined for a raw root. */
  private async manifestOf(cid: CID): Promise<Manifest | undefined> {
    if (cid.code === CODEC_RAW) return undefined;
    const bytes = await this.store.get(cid);
    if (!bytes) throw new ContentUnavailableError(`${cid}: the manifest is not in the store`);
    try {
      return decodeManifest(bytes);
    } catch (err) {
      // Verified bytes that are not a manifest: the publisher's fault, and nothing we can use.
      await this.store.delete(cid);
      throw err;
    }
  }

  /** True when every block of the content is in our store. */
  async has(cidInput: CID | string): Promise<boolean> {
    const cid = parseCid(cidInput);
    if (!(await this.store.has(cid))) return false;
    const m = await this.manifestOf(cid);
    if (!m) return true;
    for (const ch of m.chunks) if (!(await this.store.has(ch.cid))) return false;
    return true;
  }

  /** Chunks of stored content, in order, each verified again on the way out. */
  async *chunks(cidInput: CID | string): AsyncGenerator<Uint8Array> {
    const cid = parseCid(cidInput);
    const m = await this.manifestOf(cid);
    const list = m ? m.chunks.map((c) => c.cid) : [cid];
    for (const c of list) {
      const bytes = await this.store.get(c);
      if (!bytes) throw new ContentUnavailableError(`${cid}: block ${c} is not in the store; fetch it first`);
      verifyBlock(this.crypto, c, bytes);
      yield bytes;
    }
  }

  /** The whole content from our store (complete content only). */
  async read(cidInput: CID | string): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const b of this.chunks(cidInput)) parts.push(b);
    return parts.length === 1 ? parts[0]! : concatBytes(parts);
  }

  private requireRunning(): void {
    if (!this.running) throw new SagaStateError('Saga is not started: call start() first');
  }
}
