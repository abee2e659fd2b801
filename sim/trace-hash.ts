/**
 * The trace hash: a 64-bit fingerprint of everything that happened (deliveries, timer firings,
 * faults), for "same seed, same run" checks.
 *
 * Each event is hashed on its own (two independent 32-bit murmur3-style lanes over
 * time, owner key, kind and size) and the per-event hashes are summed, lane by lane, modulo 2^32.
 * Summing rather than chaining makes the fingerprint independent of the order in which events are
 * fed in. Nothing is lost by that: (time, key) identifies an event and fixes its place in the total
 * order, so a run that orders anything differently has different tuples. It is what lets a
 * simulation partitioned across workers combine per-worker hashes into the single-thread value.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const TWO_32 = 4294967296;

function mix(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Where the scheduler keeps the event being hashed (the queue's last popped time and key). */
export interface EventStamp {
  readonly topTime: number;
  readonly topKey: number;
}

export class TraceHash {
  private lo = 0;
  private hi = 0;

  /**
   * Adds the event whose time and key are in `at`. Reading them there, rather than taking them
   * as arguments, keeps two large doubles from being boxed (allocated) on every call when this
   * is not inlined.
   */
  addStamped(at: EventStamp, kind: number, size: number): void {
    this.add(at.topTime, at.topKey, kind, size);
  }

  /** timeNs and key are non-negative integers below 2^53; kind < 256; size >= 0. */
  add(timeNs: number, key: number, kind: number, size: number): void {
    const t0 = timeNs >>> 0; // ToUint32 of an integral double is exact modulo 2^32
    const t1 = (timeNs / TWO_32) | 0;
    const k0 = key >>> 0;
    const k1 = (key / TWO_32) | 0;
    const ks = ((kind << 24) ^ size) | 0;
    let a = 0x9747b28c;
    a = mix(a, t0);
    a = mix(a, t1);
    a = mix(a, k0);
    a = mix(a, k1);
    a = mix(a, ks);
    let b = 0x3c6ef372;
    b = mix(b, ks);
    b = mix(b, k1 ^ 0x5bd1e995);
    b = mix(b, k0);
    b = mix(b, t1);
    b = mix(b, t0 ^ size);
    this.lo = (this.lo + finalize(a ^ 20)) | 0;
    this.hi = (this.hi + finalize(b ^ 20)) | 0;
  }

  /** Adds another hash's events (a partitioned run sums its workers' hashes this way). */
  addHash(other: TraceHash): void {
    this.lo = (this.lo + other.lo) | 0;
    this.hi = (this.hi + other.hi) | 0;
  }

  /** The hash given as hex() printed it. */
  static fromHex(hex: string): TraceHash {
    if (!/^[0-9a-f]{16}$/.test(hex)) throw new RangeError(`expected 16 hex digits, got "${hex}"`);
    const h = new TraceHash();
    h.hi = Number.parseInt(hex.slice(0, 8), 16) | 0;
    h.lo = Number.parseInt(hex.slice(8), 16) | 0;
    return h;
  }

  /** 16 lower-case hex digits. */
  hex(): string {
    return (this.hi >>> 0).toString(16).padStart(8, '0') + (this.lo >>> 0).toString(16).padStart(8, '0');
  }
}
