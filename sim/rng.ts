/**
 * Seeded random streams (the Rng of stack/runtime.ts).
 *
 * Algorithm: seedrandom's Alea. Measured on the target machine it is the fastest of seedrandom's
 * generators (about 6 ns a draw against 9-10 ns for xor4096/xorwow, and 2 us to seed), and it
 * passes BigCrush. seedrandom seeds it (Mash over the seed string); the four state words are then
 * kept as fields of this object and stepped here with Alea's own recurrence, so a draw touches one
 * object instead of seedrandom's three (closure, generator, state). The output is identical to
 * seedrandom.alea's (rng.test.ts checks it); in 10,000-node simulations each object touched per
 * message is a likely cache miss, which is why this matters.
 *
 * Streams are named by a seed string; fork(label) derives the child's seed string from the
 * parent's seed string and the label, never from the parent's state, so forking neither advances
 * the parent nor depends on how far it has advanced.
 */
import seedrandom from 'seedrandom';
import type { Rng } from '../stack/runtime.js';

const TWO_32 = 4294967296;

export class RngRangeError extends RangeError {
  override name = 'RngRangeError';
}

const TWO_NEG_32 = 2.3283064365386963e-10; // 2^-32

export class SimRng implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private c: number;

  constructor(readonly seed: string) {
    const st = seedrandom.alea(seed, { state: true }).state();
    this.s0 = st.s0;
    this.s1 = st.s1;
    this.s2 = st.s2;
    this.c = st.c;
  }

  /** Alea's step (Baagoe): a float in [0, 1) with 32 random bits. */
  private next(): number {
    const t = 2091639 * this.s0 + this.c * TWO_NEG_32;
    this.s0 = this.s1;
    this.s1 = this.s2;
    this.c = t | 0;
    this.s2 = t - this.c;
    return this.s2;
  }

  u32(): number {
    return (this.next() * TWO_32) >>> 0;
  }

  float(): number {
    return this.next();
  }

  /** Uniform in [0, n), without modulo bias (rejection sampling). */
  int(n: number): number {
    if (!(n > 0 && n <= TWO_32 && Number.isInteger(n))) {
      throw new RngRangeError(`int(n): expected an integer 0 < n <= 2^32, got ${n}`);
    }
    const limit = TWO_32 - (TWO_32 % n);
    let x = this.u32();
    while (x >= limit) x = this.u32();
    return x % n;
  }

  bytes(n: number): Uint8Array {
    if (!(n >= 0 && Number.isInteger(n)))
      throw new RngRangeError(`bytes(n): expected an integer n >= 0, got ${n}`);
    const out = new Uint8Array(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const w = this.u32();
      out[i] = w;
      out[i + 1] = w >>> 8;
      out[i + 2] = w >>> 16;
      out[i + 3] = w >>> 24;
    }
    if (i < n) {
      let w = this.u32();
      for (; i < n; i++, w >>>= 8) out[i] = w;
    }
    return out;
  }

  /** A child stream named by label. The length prefix keeps fork('a/b') apart from fork('a').fork('b'). */
  fork(label: string): SimRng {
    return new SimRng(`${this.seed}/${label.length}:${label}`);
  }

  /** A standard normal draw (Box-Muller; no cached second value, so draws stay per-stream). */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}
