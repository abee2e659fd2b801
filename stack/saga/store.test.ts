/** The in-memory content store: limit, all-or-nothing puts, duplicates counted once. */
import { describe, expect, it } from 'vitest';
import { defaultCrypto } from '../crypto/select.js';
import { cidOf } from './cid.js';
import { StoreFullError } from './errors.js';
import { MemoryBlockStore } from './store.js';

const crypto = defaultCrypto();
const block = (n: number, fill: number) => {
  const bytes = new Uint8Array(n).fill(fill);
  return { cid: cidOf(crypto, bytes), bytes };
};

describe('MemoryBlockStore', () => {
  it('holds blocks up to its limit and refuses a put that would exceed it, keeping nothing of it', async () => {
    const store = new MemoryBlockStore({ limitBytes: 1000 });
    await store.put([block(400, 1), block(400, 2)]);
    expect(store.usedBytes).toBe(800);
    await expect(store.put([block(100, 3), block(150, 4)])).rejects.toThrow(StoreFullError);
    expect(store.usedBytes).toBe(800);
    expect(await store.has(block(100, 3).cid)).toBe(false); // all or nothing
    await store.put([block(200, 5)]);
    expect(store.usedBytes).toBe(1000);
  });

  it('a block already held (or twice in one put) is counted once', async () => {
    const store = new MemoryBlockStore({ limitBytes: 500 });
    const b = block(300, 7);
    await store.put([b, b]);
    await store.put([b]);
    expect(store.usedBytes).toBe(300);
    expect(store.count).toBe(1);
  });

  it('delete frees space; get returns the bytes; a view is copied, not kept with its buffer', async () => {
    const store = new MemoryBlockStore({ limitBytes: 500 });
    const big = new Uint8Array(1000).fill(3);
    const view = big.subarray(0, 100);
    const cid = cidOf(crypto, view);
    await store.put([{ cid, bytes: view }]);
    const got = (await store.get(cid))!;
    expect(got.buffer.byteLength).toBe(100);
    expect(await store.delete(cid)).toBe(true);
    expect(await store.delete(cid)).toBe(false);
    expect(store.usedBytes).toBe(0);
  });

  it('refuses a negative or fractional limit', () => {
    expect(() => new MemoryBlockStore({ limitBytes: -1 })).toThrow();
    expect(() => new MemoryBlockStore({ limitBytes: 1.5 })).toThrow();
  });
});
