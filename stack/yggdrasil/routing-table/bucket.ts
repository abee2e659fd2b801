/**
 * One k-bucket: live entries ordered least-recently-seen first, plus a small replacement cache of
 * peers waiting for a slot. The policy (which entry goes, when to ping) lives in routing-table.ts;
 * this file only keeps the two lists consistent.
 */
import type { PeerRecord } from '../records/peer-record.js';

export interface TableEntry {
  record: PeerRecord;
  /** When the entry entered the bucket (monotonic ms). */
  addedAtMs: number;
  /** Last time the peer itself talked to us over an authenticated session; 0 = only heard of. */
  lastSeenMs: number;
  /** Consecutive requests to it that failed (reset by any answer). */
  failures: number;
  /** Network-prefix group of its first address (prefix.ts); undefined = exempt. */
  group: string | undefined;
}

export interface Replacement {
  record: PeerRecord;
  direct: boolean;
  group: string | undefined;
}

export class Bucket {
  readonly entries: TableEntry[] = [];
  /** Oldest first; promotion takes the newest direct one, else the newest. */
  readonly replacements: Replacement[] = [];
  /** Last time a lookup targeted an id in this bucket (refresh skips recently touched buckets). */
  lastTouchedMs: number;
  /** NodeID (hex) of the entry being pinged because a newcomer wanted its slot. */
  pinging: string | undefined;

  constructor(nowMs: number) {
    this.lastTouchedMs = nowMs;
  }

  indexOf(idHex: string): number {
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i].record.idHex === idHex) return i;
    return -1;
  }

  /** Move an entry to the most-recently-seen end. */
  moveToTail(i: number): void {
    const [e] = this.entries.splice(i, 1);
    this.entries.push(e);
  }

  countGroup(group: string | undefined): number {
    if (group === undefined) return 0;
    let n = 0;
    for (const e of this.entries) if (e.group === group) n++;
    return n;
  }

  /** Add or refresh a replacement; the oldest falls out past capacity. Third-party ones never push out direct ones. */
  addReplacement(r: Replacement, capacity: number): boolean {
    const at = this.replacements.findIndex((x) => x.record.idHex === r.record.idHex);
    if (at >= 0) {
      const old = this.replacements[at];
      this.replacements.splice(at, 1);
      r = {
        ...r,
        direct: r.direct || old.direct,
        record: r.record.seq >= old.record.seq ? r.record : old.record,
      };
    } else if (this.replacements.length >= capacity) {
      if (!r.direct) return false;
      const drop = this.replacements.findIndex((x) => !x.direct);
      this.replacements.splice(Math.max(drop, 0), 1);
    }
    if (capacity <= 0) return false;
    this.replacements.push({ ...r, record: r.record.retain() });
    return true;
  }

  /** Remove and return the best replacement whose group still fits (newest direct first). */
  takeReplacement(fits: (group: string | undefined) => boolean): Replacement | undefined {
    for (const wantDirect of [true, false]) {
      for (let i = this.replacements.length - 1; i >= 0; i--) {
        const r = this.replacements[i];
        if (r.direct === wantDirect && fits(r.group)) {
          this.replacements.splice(i, 1);
          return r;
        }
      }
    }
    return undefined;
  }

  removeReplacement(idHex: string): void {
    const at = this.replacements.findIndex((x) => x.record.idHex === idHex);
    if (at >= 0) this.replacements.splice(at, 1);
  }
}
