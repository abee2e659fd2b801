/**
 * The content store of one node: verified blocks by the SHA-256 digest their CID names, with a
 * size limit. Behind an interface so that the simulator keeps blocks in memory and the live daemon
 * on disk (live/block-store.ts), with the same behaviour: put() is all-or-nothing, refuses with
 * StoreFullError what would go over the limit, and counts a block already held once.
 *
 * The store trusts its caller to have verified what it puts (Saga does, always, before put); it
 * never evicts on its own: content a node published must stay servable, and silently dropping
 * chunks of a fetch in progress would turn a resumable transfer into a loop.
 */
import type { CID } from 'multiformats/cid';
import { digestHex } from './cid.js';
import { DEFAULT_STORE_BYTES } from './constants.js';
import { SagaError, StoreFullError } from './errors.js';
import type { Block } from './manifest.js';

export interface BlockStore {
  /** The most bytes of blocks the store holds. */
  readonly limitBytes: number;
  /** Bytes of blocks held now. */
  readonly usedBytes: number;
  has(cid: CID): Promise<boolean>;
  /** The block's bytes (treat them as read-only), or undefined. */
  get(cid: CID): Promise<Uint8Array | undefined>;
  /** Store all of the blocks or none: StoreFullError if the new ones would exceed the limit. */
  put(blocks: readonly Block[]): Promise<void>;
  /** Remove a block; true if it was held. */
  delete(cid: CID): Promise<boolean>;
}

/** Bytes that blocks not yet held would add (each digest counted once). */
export async function newBytes(store: BlockStore, blocks: readonly Block[]): Promise<number> {
  const seen = new Set<string>();
  let n = 0;
  for (const b of blocks) {
    const key = digestHex(b.cid);
    if (seen.has(key)) continue;
    seen.add(key);
    if (!(await store.has(b.cid))) n += b.bytes.length;
  }
  return n;
}

export function storeFull(store: BlockStore, adding: number): StoreFullError {
  return new StoreFullError(
    `content store full: ${store.usedBytes} of ${store.limitBytes} bytes used, ${adding} more needed (raise the store limit or remove content)`,
  );
}

export function checkLimit(limitBytes: number): number {
  if (!Number.isSafeInteger(limitBytes) || limitBytes < 0) {
    throw new SagaError(`store limit: expected a non-negative integer of bytes, got ${limitBytes}`);
  }
  return limitBytes;
}

export class MemoryBlockStore implements BlockStore {
  private readonly blocks = new Map<string, Uint8Array>();
  private used = 0;
  readonly limitBytes: number;

  constructor(opts: { limitBytes?: number } = {}) {
    this.limitBytes = checkLimit(opts.limitBytes ?? DEFAULT_STORE_BYTES);
  }

  get usedBytes(): number {
    return this.used;
  }

  /** Blocks held (for tests and stats). */
  get count(): number {
    return this.blocks.size;
  }

  async has(cid: CID): Promise<boolean> {
    return this.blocks.has(digestHex(cid));
  }

  async get(cid: CID): Promise<Uint8Array | undefined> {
    return this.blocks.get(digestHex(cid));
  }

  async put(blocks: readonly Block[]): Promise<void> {
    const adding = await newBytes(this, blocks);
    if (this.used + adding > this.limitBytes) throw storeFull(this, adding);
    for (const b of blocks) {
      const key = digestHex(b.cid);
      if (this.blocks.has(key)) continue;
      // A view into a larger buffer (a received frame, a whole file) would keep all of it alive.
      const own = b.bytes.byteLength === b.bytes.buffer.byteLength ? b.bytes : new Uint8Array(b.bytes);
      this.blocks.set(key, own);
      this.used += own.length;
    }
  }

  async delete(cid: CID): Promise<boolean> {
    const key = digestHex(cid);
    const b = this.blocks.get(key);
    if (!b) return false;
    this.blocks.delete(key);
    this.used -= b.length;
    return true;
  }
}
