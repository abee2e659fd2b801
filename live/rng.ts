import { randomFillSync } from 'node:crypto';
import type { Rng } from '../stack/runtime.js';

const POOL_BYTES = 4096; // OS randomness fetched per refill; amortises the syscall over 1024 u32()
const TWO_POW_32 = 2 ** 32;
const TWO_POW_53 = 2 ** 53;

/**
 * Randomness from the OS CSPRNG. Unlike the simulator's streams, live streams are not
 * reproducible: fork(label) returns another independent OS-backed stream and the label only
 * documents intent. Everything drawn here is cryptographically strong, so key material may come
 * from bytes().
 */
export class LiveRng implements Rng {
  // Reading the kernel per call would make u32() a syscall; a pool refilled 4 KiB at a time keeps
  // it to a few array reads.
  private readonly pool = Buffer.allocUnsafeSlow(POOL_BYTES);
  private offset = POOL_BYTES;

  u32(): number {
    if (this.offset + 4 > POOL_BYTES) this.refill();
    const value = this.pool.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  float(): number {
    // 53 random bits (27 + 26) divided by 2^53: every representable step in [0, 1) is reachable.
    const high = this.u32() >>> 5;
    const low = this.u32() >>> 6;
    return (high * 2 ** 26 + low) / TWO_POW_53;
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new RangeError(`int(n): expected an integer with 0 < n <= 2^32, got ${n}`);
    }
    if (n === TWO_POW_32) return this.u32();
    // Rejection sampling: values at or above the largest multiple of n would bias the modulo.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const value = this.u32();
      if (value < limit) return value % n;
    }
  }

  bytes(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`bytes(n): expected an integer >= 0, got ${n}`);
    const out = new Uint8Array(n);
    if (n > POOL_BYTES / 4) {
      randomFillSync(out);
      return out;
    }
    if (this.offset + n > POOL_BYTES) this.refill();
    out.set(this.pool.subarray(this.offset, this.offset + n));
    // Key material should not linger in the pool after it was handed out.
    this.pool.fill(0, this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  fork(_label: string): Rng {
    return new LiveRng();
  }

  private refill(): void {
    randomFillSync(this.pool);
    this.offset = 0;
  }
}
