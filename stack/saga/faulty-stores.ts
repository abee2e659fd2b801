/**
 * Hostile providers for simulations and tests: stores that make an otherwise honest Saga node lie
 * (every block it serves has one byte flipped) or stall (it never answers). The scenario runner's
 * content.publish workload gives them to its lying and stalling publishers.
 */
import type { CID } from 'multiformats/cid';
import { MemoryBlockStore } from './store.js';

export class LyingStore extends MemoryBlockStore {
  override async get(cid: CID): Promise<Uint8Array | undefined> {
    const b = await super.get(cid);
    if (!b) return b;
    const bad = new Uint8Array(b);
    bad[bad.length >> 1]! ^= 0x5a;
    return bad;
  }
}

export class StallingStore extends MemoryBlockStore {
  override get(): Promise<Uint8Array | undefined> {
    return new Promise(() => undefined);
  }
}
