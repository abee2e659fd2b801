/** The on-disk content store: limit, all-or-nothing, survives a reopen, cleans stale temp files. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCrypto } from '../stack/crypto/select.js';
import { cidOf, StoreFullError } from '../stack/saga/index.js';
import { FileBlockStore } from './block-store.js';

const dir = mkdtempSync(join(tmpdir(), 'valhalla-blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const block = (n: number, fill: number) => {
  const bytes = new Uint8Array(n).fill(fill);
  return { cid: cidOf(defaultCrypto(), bytes), bytes };
};

describe('FileBlockStore', () => {
  it('stores, refuses over the limit (keeping nothing of that put), and reopens with the same usage', async () => {
    const store = new FileBlockStore(dir, { limitBytes: 1000 });
    await store.put([block(600, 1)]);
    await expect(store.put([block(100, 2), block(400, 3)])).rejects.toThrow(StoreFullError);
    expect(await store.has(block(100, 2).cid)).toBe(false);
    expect(store.usedBytes).toBe(600);
    expect(Buffer.from((await store.get(block(600, 1).cid))!).equals(Buffer.alloc(600, 1))).toBe(true);
    expect(await store.get(block(5, 9).cid)).toBeUndefined();
    writeFileSync(join(dir, 'blocks', 'abc.123.tmp'), 'half a block');
    const reopened = new FileBlockStore(dir, { limitBytes: 1000 });
    expect(reopened.usedBytes).toBe(600);
    expect(readdirSync(join(dir, 'blocks')).some((n) => n.endsWith('.tmp'))).toBe(false);
    expect(await reopened.delete(block(600, 1).cid)).toBe(true);
    expect(reopened.usedBytes).toBe(0);
  });
});
