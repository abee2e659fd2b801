/**
 * Saga's content store on disk for the live daemon: one file per block under DIR/blocks, named by
 * the hex SHA-256 digest its CID names. Writes go to a temporary file and are renamed into place,
 * so a crash never leaves a half-written block under a real name; reads are verified by Saga on
 * the way out, so a block damaged on disk is never served as good content (the fetcher would
 * drop it anyway). The size limit counts block bytes, as the in-memory store does.
 */
import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Block,
  type BlockStore,
  type CID,
  checkLimit,
  newBytes,
  storeFull,
} from '../stack/saga/index.js';

const HEX_NAME = /^[0-9a-f]{64}$/;

function digestHex(cid: CID): string {
  return Buffer.from(cid.multihash.digest).toString('hex');
}

export class FileBlockStore implements BlockStore {
  readonly limitBytes: number;
  private used = 0;
  private seq = 0;
  private readonly dir: string;

  /** Opens (creating) DIR/blocks and counts what is there; stale temporary files are removed. */
  constructor(dataDir: string, opts: { limitBytes: number }) {
    this.limitBytes = checkLimit(opts.limitBytes);
    this.dir = join(dataDir, 'blocks');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      if (HEX_NAME.test(name)) this.used += statSync(path).size;
      else if (name.endsWith('.tmp')) unlinkSync(path);
    }
  }

  get usedBytes(): number {
    return this.used;
  }

  private path(cid: CID): string {
    return join(this.dir, digestHex(cid));
  }

  async has(cid: CID): Promise<boolean> {
    return stat(this.path(cid)).then(
      () => true,
      () => false,
    );
  }

  async get(cid: CID): Promise<Uint8Array | undefined> {
    try {
      const b = await readFile(this.path(cid));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async put(blocks: readonly Block[]): Promise<void> {
    const adding = await newBytes(this, blocks);
    if (this.used + adding > this.limitBytes) throw storeFull(this, adding);
    for (const b of blocks) {
      const path = this.path(b.cid);
      if (await this.has(b.cid)) continue;
      const tmp = `${path}.${process.pid}.${this.seq++}.tmp`;
      await writeFile(tmp, b.bytes, { mode: 0o600 });
      await rename(tmp, path);
      this.used += b.bytes.length;
    }
  }

  async delete(cid: CID): Promise<boolean> {
    const path = this.path(cid);
    try {
      const { size } = await stat(path);
      await unlink(path);
      this.used -= size;
      return true;
    } catch {
      return false;
    }
  }
}
